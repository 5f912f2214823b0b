package dev.quilt.linux.image;

import dev.quilt.domain.ArchivePath;
import dev.quilt.domain.ImageLayers;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.JsonCodec;
import dev.quilt.ports.ImageArchives;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * {@link ImageArchives} on commons-compress. The tarball's files are copied out under {@code work/x/} by their
 * checked names ({@link ArchivePath}: no {@code ..}, nothing absolute; links are not followed, so a layer is only
 * ever a regular file of the tarball); then each image's layers are read twice: once for their names
 * ({@link ImageLayers}), once to write the entries kept into {@code work/rootfs-N.tar}, in layer order (so a
 * hard link's target, from the same or an earlier layer, is written before it). Layers may be gzip-compressed
 * (OCI's {@code tar+gzip}), as the store accepts.
 */
public final class DockerImageArchives implements ImageArchives {
    private final dev.quilt.linux.LinuxPaths paths;

    public DockerImageArchives(dev.quilt.linux.LinuxPaths paths) {
        this.paths = paths;
    }

    private static final String MANIFEST = "manifest.json";
    private static final String OCI_INDEX = "index.json";
    private static final String REF_NAME = "org.opencontainers.image.ref.name";
    private static final String CONTAINERD_NAME = "io.containerd.image.name";
    private static final String INDEX_TYPE = "application/vnd.oci.image.index.v1+json";

    @Override
    public List<Loadable> open(Path tarball, Path work) {
        try {
            Path files = work.resolve("x");
            Files.createDirectories(files);
            if (!unpackMeta(tarball, files)) return List.of(new Loadable(tarball, List.of()));
            List<Loadable> out = new ArrayList<>();
            if (Files.isRegularFile(files.resolve(MANIFEST))) {
                List<Object> manifest = array(files.resolve(MANIFEST));
                for (Object o : manifest) {
                    Map<String, Object> m = object(o, MANIFEST);
                    List<Path> layers = new ArrayList<>();
                    for (String l : JsonCodec.strings(m, "Layers")) layers.add(member(files, l, MANIFEST));
                    List<String> tags = m.containsKey("RepoTags") && m.get("RepoTags") != null
                            ? JsonCodec.strings(m, "RepoTags") : List.of();
                    out.add(new Loadable(flatten(layers, work.resolve("rootfs-" + out.size() + ".tar")), tags));
                }
            } else {
                Map<String, Object> index = JsonCodec.read(Files.readAllBytes(files.resolve(OCI_INDEX)));
                for (Object d : list(index.get("manifests"), OCI_INDEX)) ociManifest(files, object(d, OCI_INDEX),
                        List.of(), work, out, 0);
            }
            if (out.isEmpty()) throw QuiltException.invalid("the image tarball names no image");
            return out;
        } catch (IOException e) {
            throw QuiltException.invalid("the image tarball cannot be read: " + dev.quilt.linux.IoErrors.why(e));
        }
    }

    private void ociManifest(Path files, Map<String, Object> descriptor, List<String> outerTags, Path work,
                             List<Loadable> out, int depth) throws IOException {
        if (depth > 4) throw QuiltException.invalid("the image tarball's indexes nest too deep");
        List<String> tags = new ArrayList<>(outerTags);
        if (descriptor.get("annotations") instanceof Map<?, ?> a) {
            Object name = a.get(CONTAINERD_NAME) != null ? a.get(CONTAINERD_NAME) : a.get(REF_NAME);
            if (name instanceof String s && !s.isBlank()) tags = List.of(s);
        }
        Path blob = blob(files, JsonCodec.string(descriptor, "digest"));
        Map<String, Object> m = JsonCodec.read(Files.readAllBytes(blob));
        if (INDEX_TYPE.equals(descriptor.get("mediaType")) || m.containsKey("manifests")) {
            for (Object d : list(m.get("manifests"), "an index")) {
                ociManifest(files, object(d, "an index"), tags, work, out, depth + 1);
            }
            return;
        }
        List<Path> layers = new ArrayList<>();
        for (Object l : list(m.get("layers"), "a manifest")) {
            layers.add(blob(files, JsonCodec.string(object(l, "a manifest"), "digest")));
        }
        out.add(new Loadable(flatten(layers, work.resolve("rootfs-" + out.size() + ".tar")), tags));
    }

    /**
     * Copies the tarball's regular files out; false, copying nothing, if it is no image tarball (no top-level
     * manifest.json or index.json: a rootfs tar, which the store reads itself).
     */
    private static boolean unpackMeta(Path tarball, Path files) throws IOException {
        boolean image = false;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(decompress(Files.newInputStream(tarball)))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null && !image; ) {
                String n = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
                image = e.isFile() && (n.equals(MANIFEST) || n.equals(OCI_INDEX));
            }
        }
        if (!image) return false;
        Set<String> seen = new HashSet<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(decompress(Files.newInputStream(tarball)))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                ArchivePath p = ArchivePath.parse(e.getName());
                if (p.isRoot() || !e.isFile() || !seen.add(p.relative())) continue;
                Path target = files.resolve(p.relative());
                Files.createDirectories(target.getParent());
                Files.copy(tar, target);
            }
        }
        return true;
    }

    private static Path member(Path files, String name, String where) {
        ArchivePath p = ArchivePath.parse(name);
        Path f = files.resolve(p.relative());
        if (p.isRoot() || !Files.isRegularFile(f)) {
            throw QuiltException.invalid(where + " names layer '" + name + "', which the tarball does not hold");
        }
        return f;
    }

    private static Path blob(Path files, String digest) {
        if (!digest.matches("sha256:[0-9a-f]{64}")) {
            throw QuiltException.invalid("the image tarball names blob '" + digest + "', which is no sha256 digest");
        }
        return member(files, "blobs/sha256/" + digest.substring(7), "the image tarball");
    }

    @Override
    public void save(dev.quilt.domain.Image image, List<String> repoTags, Path work, OutputStream out) {
        try {
            Files.createDirectories(work);
            Path layer = work.resolve("layer.tar");
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            try (OutputStream o = new java.security.DigestOutputStream(Files.newOutputStream(layer), sha);
                 TarArchiveOutputStream tar = new TarArchiveOutputStream(o)) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                writeTree(paths.imageRootfs(image.digest()), tar);
                tar.finish();
            }
            String diffId = "sha256:" + java.util.HexFormat.of().formatHex(sha.digest());
            String layerDir = diffId.substring(7);
            Map<String, Object> config = new java.util.LinkedHashMap<>();
            config.put("architecture", arch()); // GOARCH, as image configs name it
            config.put("os", "linux");
            config.put("created", image.importedAt().toString());
            config.put("config", Map.of("Env", List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")));
            config.put("rootfs", Map.of("type", "layers", "diff_ids", List.of(diffId)));
            byte[] configJson = JsonCodec.write(config);
            String configName = java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(configJson)) + ".json";
            Map<String, Object> entry = new java.util.LinkedHashMap<>();
            entry.put("Config", configName);
            entry.put("RepoTags", repoTags.isEmpty() ? null : repoTags);
            entry.put("Layers", List.of(layerDir + "/layer.tar"));
            byte[] wrapped = JsonCodec.write(Map.of("m", List.of(entry)));
            String manifest = new String(wrapped, StandardCharsets.UTF_8).strip();
            manifest = manifest.substring(manifest.indexOf('['), manifest.lastIndexOf(']') + 1);
            TarArchiveOutputStream tar = new TarArchiveOutputStream(new java.io.FilterOutputStream(out) {
                @Override
                public void close() throws IOException {
                    flush(); // the caller closes its own stream
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }
            });
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TarArchiveEntry dir = new TarArchiveEntry(layerDir + "/");
            tar.putArchiveEntry(dir);
            tar.closeArchiveEntry();
            TarArchiveEntry l = new TarArchiveEntry(layerDir + "/layer.tar");
            l.setSize(Files.size(layer));
            tar.putArchiveEntry(l);
            Files.copy(layer, tar);
            tar.closeArchiveEntry();
            member(tar, configName, configJson);
            member(tar, "manifest.json", manifest.getBytes(StandardCharsets.UTF_8));
            tar.finish();
            tar.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String arch() {
        String a = System.getProperty("os.arch");
        return a.equals("x86_64") ? "amd64" : a;
    }

    private static void member(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    /**
     * The image's rootfs as tar entries, parents first: directories, regular files, symlinks (as links, never
     * followed), with their modes, owners and times; anything else (a device node) is left out.
     */
    private static void writeTree(Path rootfs, TarArchiveOutputStream tar) throws IOException {
        List<Path> all;
        try (var walk = Files.walk(rootfs)) {
            all = walk.sorted().toList();
        }
        for (Path p : all) {
            if (p.equals(rootfs)) continue;
            String name = rootfs.relativize(p).toString();
            var attrs = Files.readAttributes(p, "unix:mode,uid,gid,lastModifiedTime", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) attrs.get("mode");
            TarArchiveEntry e;
            int type = mode & 0170000;
            if (type == 0040000) {
                e = new TarArchiveEntry(name + "/");
            } else if (type == 0120000) {
                e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
                e.setLinkName(Files.readSymbolicLink(p).toString());
            } else if (type == 0100000) {
                e = new TarArchiveEntry(name);
                e.setSize(Files.size(p));
            } else {
                continue;
            }
            e.setMode(mode & 07777);
            e.setUserId((Integer) attrs.get("uid"));
            e.setGroupId((Integer) attrs.get("gid"));
            e.setModTime((java.nio.file.attribute.FileTime) attrs.get("lastModifiedTime"));
            tar.putArchiveEntry(e);
            if (type == 0100000) Files.copy(p, tar);
            tar.closeArchiveEntry();
        }
    }

    /** Applies {@code layers} in order into one rootfs tar at {@code out}. */
    static Path flatten(List<Path> layers, Path out) throws IOException {
        ImageLayers plan = new ImageLayers();
        for (Path layer : layers) {
            List<ImageLayers.Entry> entries = new ArrayList<>();
            try (TarArchiveInputStream tar = open(layer)) {
                for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                    entries.add(new ImageLayers.Entry(ArchivePath.parse(e.getName()), e.isDirectory()));
                }
            }
            plan.apply(entries);
        }
        List<Set<ArchivePath>> byLayer = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) byLayer.add(new HashSet<>());
        for (ImageLayers.Kept k : plan.result()) byLayer.get(k.layer()).add(k.path());
        try (OutputStream o = Files.newOutputStream(out);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(o)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (int i = 0; i < layers.size(); i++) {
                Set<ArchivePath> keep = byLayer.get(i);
                try (TarArchiveInputStream in = open(layers.get(i))) {
                    for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                        ArchivePath p = ArchivePath.parse(e.getName());
                        if (!keep.remove(p)) continue; // replaced later, whited out, or a second copy in one layer
                        tar.putArchiveEntry(e);
                        if (e.isFile()) in.transferTo(tar);
                        tar.closeArchiveEntry();
                    }
                }
            }
            tar.finish();
        }
        return out;
    }

    private static TarArchiveInputStream open(Path layer) throws IOException {
        return new TarArchiveInputStream(decompress(Files.newInputStream(layer)));
    }

    private static InputStream decompress(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int a = in.read(), b = in.read();
        in.reset();
        return a == 0x1f && b == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }

    private static List<Object> array(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        ByteArrayOutputStream wrapped = new ByteArrayOutputStream(b.length + 8);
        wrapped.write("{\"a\":".getBytes(StandardCharsets.US_ASCII));
        wrapped.write(b);
        wrapped.write('}');
        return list(JsonCodec.read(wrapped.toByteArray()).get("a"), file.getFileName().toString());
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o, String where) {
        if (o instanceof List<?> l) return (List<Object>) l;
        throw QuiltException.invalid("the image tarball's " + where + " is not the list it should be");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object o, String where) {
        if (o instanceof Map<?, ?> m) return (Map<String, Object>) m;
        throw QuiltException.invalid("the image tarball's " + where + " holds something that is not an object");
    }
}
