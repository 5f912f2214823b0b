package dev.quilt.cli.runc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The busybox image the client ITs import, made from Debian's {@code busybox-static}
 * ({@code /bin/busybox}) and nothing else, reproducibly: names sorted, mtimes 0, owner
 * 0:0, {@code gzip -n}, so the same busybox gives the same digests on every run and host.
 *
 * <ul>
 *   <li>{@link #rootfs}: the rootfs directory (busybox, one symlink per applet, a minimal
 *       /etc with passwd, group, hosts, resolv.conf and hostname);</li>
 *   <li>{@link #rootfsTarball}: that rootfs as a gzip tarball, for {@code podman import};</li>
 *   <li>{@link #ociArchive}: a tar of an OCI image layout (image-spec v1.0: {@code oci-layout},
 *       {@code index.json}, {@code blobs/sha256/}: one gzip layer, the image config, the
 *       manifest) for {@code ctr images import}; the index names it {@link #NAME}
 *       ({@code io.containerd.image.name}) and {@code latest}
 *       ({@code org.opencontainers.image.ref.name}).</li>
 * </ul>
 */
record BusyboxImage(Path rootfs, Path rootfsTarball, Path ociArchive, String manifestDigest) {
    /** The name the image has in both clients. */
    static final String NAME = "localhost/busybox:latest";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> TAR_FLAGS = List.of("--sort=name", "--mtime=@0", "--owner=0", "--group=0",
            "--numeric-owner");

    /** Builds the three under {@code dir} (made if missing). Errors: busybox or tar missing or failing. */
    static BusyboxImage build(Path busybox, Path dir) throws IOException, InterruptedException {
        Path rootfs = dir.resolve("rootfs");
        for (String d : List.of("bin", "etc", "dev", "proc", "sys", "tmp", "root", "run", "var/tmp")) {
            Files.createDirectories(rootfs.resolve(d));
        }
        Files.copy(busybox, rootfs.resolve("bin/busybox"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        for (String applet : run(List.of(busybox.toString(), "--list")).split("\n")) {
            if (applet.isBlank() || applet.equals("busybox")) continue;
            Path link = rootfs.resolve("bin").resolve(applet);
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, Path.of("busybox"));
        }
        Files.writeString(rootfs.resolve("etc/passwd"),
                "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
        Files.writeString(rootfs.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        Files.writeString(rootfs.resolve("etc/hosts"), "");
        Files.writeString(rootfs.resolve("etc/resolv.conf"), "");
        Files.writeString(rootfs.resolve("etc/hostname"), "busybox\n");
        // the modes, not the umask, decide what goes into the digests
        try (var all = Files.walk(rootfs)) {
            for (Path p : all.toList()) {
                if (Files.isSymbolicLink(p)) continue;
                String mode = Files.isDirectory(p) || p.endsWith("busybox") ? "rwxr-xr-x" : "rw-r--r--";
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
            }
        }
        for (String sticky : List.of("tmp", "var/tmp")) run(List.of("chmod", "1777", rootfs.resolve(sticky).toString()));

        Path layerTar = dir.resolve("layer.tar");
        tar(layerTar, rootfs);
        Path tarball = dir.resolve("busybox-rootfs.tar.gz");
        gzip(layerTar, tarball);

        Path layout = dir.resolve("oci");
        Path blobs = layout.resolve("blobs/sha256");
        Files.createDirectories(blobs);
        String diffId = sha256(Files.readAllBytes(layerTar));
        Files.delete(layerTar);
        byte[] layer = Files.readAllBytes(tarball);
        String layerDigest = blob(blobs, layer);

        ObjectNode config = JSON.createObjectNode();
        config.put("created", "1970-01-01T00:00:00Z").put("architecture", "amd64").put("os", "linux");
        ObjectNode run = config.putObject("config");
        run.putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        run.putArray("Cmd").add("/bin/sh");
        run.put("WorkingDir", "/");
        ObjectNode fs = config.putObject("rootfs").put("type", "layers");
        fs.putArray("diff_ids").add("sha256:" + diffId);
        config.putArray("history").addObject().put("created", "1970-01-01T00:00:00Z")
                .put("created_by", "dev.quilt.cli.runc.BusyboxImage");
        byte[] configBytes = JSON.writeValueAsBytes(config);
        String configDigest = blob(blobs, configBytes);

        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        manifest.putObject("config").put("mediaType", "application/vnd.oci.image.config.v1+json")
                .put("digest", "sha256:" + configDigest).put("size", configBytes.length);
        manifest.putArray("layers").addObject().put("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip")
                .put("digest", "sha256:" + layerDigest).put("size", layer.length);
        byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
        String manifestDigest = blob(blobs, manifestBytes);

        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.index.v1+json");
        ObjectNode entry = index.putArray("manifests").addObject();
        entry.put("mediaType", "application/vnd.oci.image.manifest.v1+json")
                .put("digest", "sha256:" + manifestDigest).put("size", manifestBytes.length);
        entry.putObject("platform").put("architecture", "amd64").put("os", "linux");
        entry.putObject("annotations").put("io.containerd.image.name", NAME)
                .put("org.opencontainers.image.ref.name", "latest");
        Files.write(layout.resolve("index.json"), JSON.writeValueAsBytes(index));
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Path archive = dir.resolve("busybox-oci.tar");
        tar(archive, layout);
        return new BusyboxImage(rootfs, tarball, archive, "sha256:" + manifestDigest);
    }

    private static String blob(Path blobs, byte[] content) throws IOException {
        String digest = sha256(content);
        Files.write(blobs.resolve(digest), content);
        return digest;
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void tar(Path archive, Path dir) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tar", "-cf", archive.toString()));
        cmd.addAll(TAR_FLAGS);
        cmd.addAll(List.of("-C", dir.toString(), "."));
        run(cmd);
    }

    private static void gzip(Path in, Path out) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("gzip", "-n", "-c", in.toString()).redirectOutput(out.toFile())
                .redirectErrorStream(false).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("gzip failed: " + err);
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
