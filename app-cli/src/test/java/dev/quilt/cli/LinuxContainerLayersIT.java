package dev.quilt.cli;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Digest;
import dev.quilt.domain.LayerDiff;
import dev.quilt.domain.RootFs;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.storage.LinuxContainerLayers;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layer reader on the real file system (as root: a whiteout is a device node), with a layer made by hand as a
 * hostile container would leave it: a symlink to a host directory holding a secret, a FIFO, a whiteout, hard links.
 * Neither the walk nor the export reads through the link, the FIFO holds nothing up, and nothing is written.
 */
class LinuxContainerLayersIT {
    static Path root;
    static LinuxContainerLayers layers;
    static final ContainerId ID = ContainerId.of("ab".repeat(32));
    static final Digest IMAGE = Digest.sha256("cd".repeat(32));
    static Path upper;
    static Path host;

    private static void sh(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    @BeforeAll
    static void up() throws Exception {
        root = Files.createTempDirectory("quilt-layers");
        LinuxPaths paths = LinuxPaths.under(root);
        host = Files.createDirectories(root.resolve("host"));
        Files.writeString(host.resolve("secret.txt"), "SECRET");
        Path image = Files.createDirectories(paths.imageRootfs(IMAGE));
        Files.createDirectories(image.resolve("etc"));
        Files.writeString(image.resolve("etc/passwd"), "root\n");
        Files.createDirectories(image.resolve("keep"));
        Files.writeString(image.resolve("keep/k.txt"), "k");
        Files.createDirectories(image.resolve("opt"));
        Files.writeString(image.resolve("opt/a.txt"), "a");
        upper = Files.createDirectories(paths.containerLayer(ID).resolve("upper"));
        Files.createDirectories(upper.resolve("etc"));
        Files.writeString(upper.resolve("etc/passwd"), "changed\n");
        Files.createSymbolicLink(upper.resolve("esc"), host);
        Files.createDirectories(upper.resolve("keep"));
        sh("mknod", upper.resolve("keep/k.txt").toString(), "c", "0", "0");
        sh("mkfifo", upper.resolve("pipe").toString());
        Files.writeString(upper.resolve("h1"), "linked");
        Files.createLink(upper.resolve("h2"), upper.resolve("h1"));
        layers = new LinuxContainerLayers(paths, NativeLibrary.load(root.resolve("data/native")));
    }

    @AfterAll
    static void down() throws IOException {
        if (root == null) return;
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    @Test
    void theWalkStaysInTheLayer() {
        List<LayerDiff.Change> changes = LayerDiff.changes(layers.walk(ID, new RootFs.Image(IMAGE)));
        Map<String, LayerDiff.Kind> by = new HashMap<>();
        for (LayerDiff.Change c : changes) by.put(c.path(), c.kind());
        assertEquals(LayerDiff.Kind.MODIFIED, by.get("/etc/passwd"), changes.toString());
        assertEquals(LayerDiff.Kind.ADDED, by.get("/esc"), changes.toString());
        assertEquals(LayerDiff.Kind.DELETED, by.get("/keep/k.txt"), changes.toString());
        assertEquals(LayerDiff.Kind.ADDED, by.get("/pipe"), changes.toString());
        assertEquals(LayerDiff.Kind.ADDED, by.get("/h2"), changes.toString());
        assertFalse(changes.toString().contains("secret"), changes.toString());
    }

    @Test
    void theExportMergesTheLayersAndFollowsNoLink() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        layers.export(ID, new RootFs.Image(IMAGE), out);
        Map<String, String> seen = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                String v = e.isSymbolicLink() ? "symlink " + e.getLinkName() : e.isLink() ? "link " + e.getLinkName()
                        : e.isFIFO() ? "fifo" : e.isDirectory() ? "dir"
                        : new String(tar.readAllBytes(), StandardCharsets.UTF_8);
                seen.put(e.getName(), v);
            }
        }
        assertEquals("changed\n", seen.get("etc/passwd"), seen.toString());
        assertEquals("a", seen.get("opt/a.txt"), "the image shows through: " + seen);
        assertEquals("dir", seen.get("keep/"));
        assertFalse(seen.containsKey("keep/k.txt"), "whited out: " + seen);
        assertEquals("symlink " + host, seen.get("esc"));
        assertEquals("fifo", seen.get("pipe"));
        assertEquals("linked", seen.get("h1"));
        assertEquals("link h1", seen.get("h2"), "a second link is stored as a hard link");
        assertFalse(out.toString(StandardCharsets.ISO_8859_1).contains("SECRET"), "read through the link");
        assertTrue(Files.exists(host.resolve("secret.txt")));
    }
}
