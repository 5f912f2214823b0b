package dev.quilt.linux.image;

import dev.quilt.domain.QuiltException;
import dev.quilt.ports.ImageArchives;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DockerImageArchivesTest {
    @TempDir
    Path tmp;

    /** A tar of {@code entries}: a name ending in '/' is a directory, else a file with the value's bytes. */
    static byte[] tar(Map<String, String> entries) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            for (var e : entries.entrySet()) {
                TarArchiveEntry te = new TarArchiveEntry(e.getKey());
                if (e.getKey().endsWith("/")) {
                    t.putArchiveEntry(te);
                } else {
                    byte[] data = e.getValue().getBytes(StandardCharsets.UTF_8);
                    te.setSize(data.length);
                    t.putArchiveEntry(te);
                    t.write(data);
                }
                t.closeArchiveEntry();
            }
        }
        return b.toByteArray();
    }

    static byte[] tarBytes(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            for (var e : entries.entrySet()) {
                TarArchiveEntry te = new TarArchiveEntry(e.getKey());
                te.setSize(e.getValue().length);
                t.putArchiveEntry(te);
                t.write(e.getValue());
                t.closeArchiveEntry();
            }
        }
        return b.toByteArray();
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(o)) {
            g.write(b);
        }
        return o.toByteArray();
    }

    static Map<String, String> contents(Path tar) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                String n = e.getName().replaceAll("/$", "");
                m.put(n, e.isDirectory() ? "/" : new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    static byte[] layer1() throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("etc/", "");
        m.put("etc/motd", "old");
        m.put("etc/hostname", "base");
        m.put("var/", "");
        m.put("var/cache/", "");
        m.put("var/cache/junk", "x");
        return tar(m);
    }

    static byte[] layer2() throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("etc/", "");
        m.put("etc/.wh.motd", "");
        m.put("etc/hostname", "top");
        m.put("var/cache/", "");
        m.put("var/cache/.wh..wh..opq", "");
        m.put("var/cache/fresh", "y");
        return tar(m);
    }

    static final Map<String, String> FLAT = Map.of("etc", "/", "etc/hostname", "top", "var", "/",
            "var/cache", "/", "var/cache/fresh", "y");

    @Test
    void aDockerSaveTarballIsItsLayersAppliedInOrderWithWhiteouts() throws Exception {
        Map<String, byte[]> outer = new LinkedHashMap<>();
        outer.put("aaa/layer.tar", layer1());
        outer.put("bbb/layer.tar", layer2());
        outer.put("manifest.json", ("[{\"Config\":\"c.json\",\"RepoTags\":[\"demo:1\"],"
                + "\"Layers\":[\"aaa/layer.tar\",\"bbb/layer.tar\"]}]").getBytes(StandardCharsets.UTF_8));
        Path file = tmp.resolve("save.tar");
        Files.write(file, tarBytes(outer));
        List<ImageArchives.Loadable> l = new DockerImageArchives(dev.quilt.linux.LinuxPaths.under(tmp)).open(file, tmp.resolve("work"));
        assertEquals(1, l.size());
        assertEquals(List.of("demo:1"), l.get(0).repoTags());
        assertEquals(FLAT, contents(l.get(0).rootfsTar()));
    }

    @Test
    void anOciLayoutIsFollowedFromItsIndexThroughGzippedLayers() throws Exception {
        byte[] l1 = gzip(layer1()), l2 = layer2();
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"layers\":[{\"digest\":\"sha256:" + sha(l1) + "\"},{\"digest\":\"sha256:" + sha(l2) + "\"}]}";
        byte[] mb = manifest.getBytes(StandardCharsets.UTF_8);
        String index = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + sha(mb) + "\","
                + "\"annotations\":{\"org.opencontainers.image.ref.name\":\"demo:oci\"}}]}";
        Map<String, byte[]> outer = new LinkedHashMap<>();
        outer.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        outer.put("index.json", index.getBytes(StandardCharsets.UTF_8));
        outer.put("blobs/sha256/" + sha(mb), mb);
        outer.put("blobs/sha256/" + sha(l1), l1);
        outer.put("blobs/sha256/" + sha(l2), l2);
        Path file = tmp.resolve("oci.tar");
        Files.write(file, tarBytes(outer));
        List<ImageArchives.Loadable> l = new DockerImageArchives(dev.quilt.linux.LinuxPaths.under(tmp)).open(file, tmp.resolve("work"));
        assertEquals(List.of("demo:oci"), l.get(0).repoTags());
        assertEquals(FLAT, contents(l.get(0).rootfsTar()));
    }

    @Test
    void aSavedImageLoadsBackWithItsTagFilesAndLinks() throws Exception {
        dev.quilt.linux.LinuxPaths paths = dev.quilt.linux.LinuxPaths.under(tmp);
        FsImageStore store = new FsImageStore(paths, new dev.quilt.linux.SystemClock(), false);
        Map<String, String> fs = new LinkedHashMap<>();
        fs.put("bin/", "");
        fs.put("bin/tool", "#!/bin/sh\n");
        fs.put("etc/", "");
        fs.put("etc/hostname", "saved\n");
        dev.quilt.domain.Image image = store.importTar(new java.io.ByteArrayInputStream(tar(fs)),
                java.util.Optional.empty(), dev.quilt.ports.ImageStore.ImportProgress.NONE);
        Files.createSymbolicLink(paths.imageRootfs(image.digest()).resolve("etc/link"), Path.of("hostname"));
        DockerImageArchives archives = new DockerImageArchives(paths);
        ByteArrayOutputStream saved = new ByteArrayOutputStream();
        archives.save(image, List.of("saved:1"), tmp.resolve("save-work"), saved);
        Path file = tmp.resolve("saved.tar");
        Files.write(file, saved.toByteArray());
        List<ImageArchives.Loadable> l = archives.open(file, tmp.resolve("load-work"));
        assertEquals(List.of("saved:1"), l.get(0).repoTags());
        Map<String, String> back = contents(l.get(0).rootfsTar());
        assertEquals("saved\n", back.get("etc/hostname"));
        assertEquals("#!/bin/sh\n", back.get("bin/tool"));
        assertTrue(back.containsKey("etc/link"), back.toString());
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(l.get(0).rootfsTar()))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().equals("etc/link")) assertEquals("hostname", e.getLinkName());
            }
        }
    }

    @Test
    void aPlainRootfsTarIsItselfAndCopiesNothing() throws Exception {
        Path file = tmp.resolve("rootfs.tar");
        Files.write(file, layer1());
        List<ImageArchives.Loadable> l = new DockerImageArchives(dev.quilt.linux.LinuxPaths.under(tmp)).open(file, tmp.resolve("work"));
        assertEquals(List.of(new ImageArchives.Loadable(file, List.of())), l);
        try (var s = Files.list(tmp.resolve("work/x"))) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void aManifestNamingAMissingLayerOrAnEscapeIsRefusedByName() throws Exception {
        for (String layer : new String[] {"nope/layer.tar", "../../etc/passwd"}) {
            Map<String, byte[]> outer = new LinkedHashMap<>();
            outer.put("manifest.json", ("[{\"RepoTags\":null,\"Layers\":[\"" + layer + "\"]}]")
                    .getBytes(StandardCharsets.UTF_8));
            Path file = tmp.resolve("bad.tar");
            Files.write(file, tarBytes(outer));
            QuiltException e = assertThrows(QuiltException.class,
                    () -> new DockerImageArchives(dev.quilt.linux.LinuxPaths.under(tmp)).open(file, tmp.resolve("work-" + layer.hashCode())));
            assertTrue(e.getMessage().contains(layer), e.getMessage());
        }
    }
}
