package dev.quilt.cri;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The image archive is an OCI image layout whose every digest and size is right, and the same twice. */
class OciArchiveTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static OciArchive image() {
        return new OciArchive().dir("bin", 0755)
                .file("bin/hello", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8), 0755)
                .symlink("bin/sh", "hello")
                .entrypoint("/bin/sh", "-c", "exit 0");
    }

    private static Map<String, byte[]> entries(InputStream in) throws IOException {
        Map<String, byte[]> out = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                out.put(e.getName() + (e.isSymbolicLink() ? " -> " + e.getLinkName() : ""), tar.readAllBytes());
            }
        }
        return out;
    }

    @Test
    void everyDescriptorNamesItsBlob(@TempDir Path tmp) throws IOException {
        image().write("localhost/test:1", tmp.resolve("a.tar"));
        Map<String, byte[]> files = entries(Files.newInputStream(tmp.resolve("a.tar")));
        assertEquals("1.0.0", JSON.readTree(files.get("oci-layout")).get("imageLayoutVersion").asText());
        JsonNode m = JSON.readTree(files.get("index.json")).get("manifests").get(0);
        assertEquals("localhost/test:1", m.get("annotations").get("io.containerd.image.name").asText());
        assertEquals("1", m.get("annotations").get("org.opencontainers.image.ref.name").asText());
        byte[] manifestBytes = blob(files, m);
        JsonNode manifest = JSON.readTree(manifestBytes);
        JsonNode config = JSON.readTree(blob(files, manifest.get("config")));
        byte[] layer = blob(files, manifest.get("layers").get(0));
        byte[] layerTar = new GZIPInputStream(new ByteArrayInputStream(layer)).readAllBytes();
        assertEquals("sha256:" + OciArchive.sha256(layerTar), config.get("rootfs").get("diff_ids").get(0).asText());
        assertEquals("[\"/bin/sh\",\"-c\",\"exit 0\"]", config.get("config").get("Entrypoint").toString());
        Map<String, byte[]> rootfs = entries(new ByteArrayInputStream(layerTar));
        assertTrue(rootfs.containsKey("bin/"), rootfs.keySet().toString());
        assertTrue(rootfs.containsKey("bin/sh -> hello"), rootfs.keySet().toString());
        assertArrayEquals("#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8), rootfs.get("bin/hello"));
    }

    @Test
    void theSameInputsGiveTheSameBytes(@TempDir Path tmp) throws IOException {
        image().write("localhost/test:1", tmp.resolve("a.tar"));
        image().write("localhost/test:1", tmp.resolve("b.tar"));
        assertArrayEquals(Files.readAllBytes(tmp.resolve("a.tar")), Files.readAllBytes(tmp.resolve("b.tar")));
    }

    private static byte[] blob(Map<String, byte[]> files, JsonNode descriptor) {
        String digest = descriptor.get("digest").asText();
        byte[] b = files.get("blobs/sha256/" + digest.substring("sha256:".length()));
        assertEquals(descriptor.get("size").asLong(), b.length, digest);
        assertEquals(digest, "sha256:" + OciArchive.sha256(b));
        return b;
    }
}
