package dev.quilt.cri;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * A one-layer OCI image archive (image-spec v1.0 "image layout" in a tar: {@code oci-layout},
 * {@code index.json}, {@code blobs/sha256/...}) made from files of the host, as
 * {@code ctr images import} reads it. The image's name is the index entry's
 * {@code io.containerd.image.name} annotation. Entries are owned by 0:0 with mtime 0, so the
 * same inputs give the same digests.
 */
final class OciArchive {
    private sealed interface Entry permits Dir, File, Link {}

    private record Dir(String path, int mode) implements Entry {}

    private record File(String path, byte[] content, int mode) implements Entry {}

    private record Link(String path, String target) implements Entry {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Entry> entries = new ArrayList<>();
    private final List<String> entrypoint = new ArrayList<>();

    OciArchive dir(String path, int mode) {
        entries.add(new Dir(path, mode));
        return this;
    }

    OciArchive file(String path, byte[] content, int mode) {
        entries.add(new File(path, content, mode));
        return this;
    }

    OciArchive hostFile(String path, Path source, int mode) throws IOException {
        return file(path, Files.readAllBytes(source), mode);
    }

    OciArchive symlink(String path, String target) {
        entries.add(new Link(path, target));
        return this;
    }

    /** The image config's {@code Entrypoint}: what the container runs when the CRI gives no command. */
    OciArchive entrypoint(String... argv) {
        entrypoint.clear();
        entrypoint.addAll(List.of(argv));
        return this;
    }

    /** Writes the archive to {@code out}, the image named {@code name} (e.g. {@code localhost/quilt-pause:1}). */
    void write(String name, Path out) throws IOException {
        byte[] layerTar = layer();
        byte[] layer = gzip(layerTar);

        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", "amd64").put("os", "linux").put("created", "1970-01-01T00:00:00Z");
        ObjectNode runConfig = config.putObject("config");
        runConfig.putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        ArrayNode ep = runConfig.putArray("Entrypoint");
        entrypoint.forEach(ep::add);
        runConfig.put("WorkingDir", "/");
        ObjectNode rootfs = config.putObject("rootfs");
        rootfs.put("type", "layers");
        rootfs.putArray("diff_ids").add("sha256:" + sha256(layerTar));
        byte[] configBytes = JSON.writeValueAsBytes(config);

        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        manifest.set("config", descriptor("application/vnd.oci.image.config.v1+json", configBytes));
        manifest.putArray("layers").add(descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layer));
        byte[] manifestBytes = JSON.writeValueAsBytes(manifest);

        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.index.v1+json");
        ObjectNode m = descriptor("application/vnd.oci.image.manifest.v1+json", manifestBytes);
        m.putObject("platform").put("architecture", "amd64").put("os", "linux");
        m.putObject("annotations").put("io.containerd.image.name", name)
                .put("org.opencontainers.image.ref.name", name.substring(name.lastIndexOf(':') + 1));
        index.putArray("manifests").add(m);

        try (OutputStream os = Files.newOutputStream(out); TarArchiveOutputStream tar = new TarArchiveOutputStream(os)) {
            add(tar, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
            add(tar, "index.json", JSON.writeValueAsBytes(index));
            for (byte[] blob : List.of(layer, configBytes, manifestBytes)) add(tar, "blobs/sha256/" + sha256(blob), blob);
        }
    }

    private byte[] layer() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry e : entries) {
                switch (e) {
                    case Dir d -> {
                        TarArchiveEntry t = entry(d.path() + "/", TarArchiveEntry.LF_DIR, d.mode());
                        tar.putArchiveEntry(t);
                        tar.closeArchiveEntry();
                    }
                    case File f -> {
                        TarArchiveEntry t = entry(f.path(), TarArchiveEntry.LF_NORMAL, f.mode());
                        t.setSize(f.content().length);
                        tar.putArchiveEntry(t);
                        tar.write(f.content());
                        tar.closeArchiveEntry();
                    }
                    case Link l -> {
                        TarArchiveEntry t = entry(l.path(), TarArchiveEntry.LF_SYMLINK, 0777);
                        t.setLinkName(l.target());
                        tar.putArchiveEntry(t);
                        tar.closeArchiveEntry();
                    }
                }
            }
        }
        return bytes.toByteArray();
    }

    private static TarArchiveEntry entry(String path, byte type, int mode) {
        TarArchiveEntry t = new TarArchiveEntry(path, type);
        t.setMode(mode);
        t.setIds(0, 0);
        t.setModTime(0);
        return t;
    }

    private static void add(TarArchiveOutputStream tar, String path, byte[] content) throws IOException {
        TarArchiveEntry t = entry(path, TarArchiveEntry.LF_NORMAL, 0644);
        t.setSize(content.length);
        tar.putArchiveEntry(t);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static ObjectNode descriptor(String mediaType, byte[] blob) {
        ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", mediaType).put("digest", "sha256:" + sha256(blob)).put("size", blob.length);
        return d;
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
