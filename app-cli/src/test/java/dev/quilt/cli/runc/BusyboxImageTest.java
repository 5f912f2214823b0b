package dev.quilt.cli.runc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client ITs' image: reproducible, and an OCI layout whose every blob is what its digest says. */
class BusyboxImageTest {
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void twoBuildsGiveTheSameDigests(@TempDir Path a, @TempDir Path b) throws Exception {
        BusyboxImage one = BusyboxImage.build(BUSYBOX, a);
        BusyboxImage two = BusyboxImage.build(BUSYBOX, b);
        assertEquals(one.manifestDigest(), two.manifestDigest());
        assertEquals(BusyboxImage.sha256(Files.readAllBytes(one.rootfsTarball())),
                BusyboxImage.sha256(Files.readAllBytes(two.rootfsTarball())));
        assertEquals(BusyboxImage.sha256(Files.readAllBytes(one.ociArchive())),
                BusyboxImage.sha256(Files.readAllBytes(two.ociArchive())));
    }

    @Test
    void theLayoutIndexesOneManifestWhoseBlobsMatchTheirDigests(@TempDir Path dir) throws Exception {
        BusyboxImage image = BusyboxImage.build(BUSYBOX, dir);
        Path layout = dir.resolve("oci");
        assertEquals("{\"imageLayoutVersion\":\"1.0.0\"}", Files.readString(layout.resolve("oci-layout")));
        JsonNode index = JSON.readTree(layout.resolve("index.json").toFile());
        assertEquals(1, index.get("manifests").size());
        JsonNode entry = index.get("manifests").get(0);
        assertEquals(image.manifestDigest(), entry.get("digest").asText());
        assertEquals(BusyboxImage.NAME, entry.get("annotations").get("io.containerd.image.name").asText());
        JsonNode manifest = JSON.readTree(blob(layout, entry));
        List<JsonNode> described = new ArrayList<>(List.of(entry, manifest.get("config")));
        manifest.get("layers").forEach(described::add);
        for (JsonNode d : described) {
            byte[] content = blob(layout, d);
            assertEquals(d.get("size").asLong(), content.length, d.toString());
            assertEquals(d.get("digest").asText(), "sha256:" + BusyboxImage.sha256(content));
        }
        JsonNode config = JSON.readTree(blob(layout, manifest.get("config")));
        assertEquals("amd64", config.get("architecture").asText());
        assertEquals("/bin/sh", config.get("config").get("Cmd").get(0).asText());
    }

    @Test
    void theRootfsHasEveryAppletAndAShellThatRuns(@TempDir Path dir) throws Exception {
        BusyboxImage image = BusyboxImage.build(BUSYBOX, dir);
        Process p = new ProcessBuilder("tar", "-tzvf", image.rootfsTarball().toString()).redirectErrorStream(true).start();
        String listing = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor());
        assertTrue(listing.contains("./bin/sh -> busybox"), listing);
        assertTrue(listing.contains("drwxrwxrwt 0/0"), "a sticky /tmp: " + listing);
        assertTrue(listing.lines().allMatch(l -> l.contains(" 0/0 ")), "every entry owned by 0:0");
        Process sh = new ProcessBuilder(image.rootfs().resolve("bin/sh").toString(), "-c", "echo ok").start();
        assertEquals("ok\n", new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(0, sh.waitFor());
    }

    private static byte[] blob(Path layout, JsonNode descriptor) throws java.io.IOException {
        return Files.readAllBytes(layout.resolve("blobs/sha256").resolve(descriptor.get("digest").asText().substring(7)));
    }
}
