package dev.quilt.linux.storage;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RootFs;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.ContainerStorage;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A container's overlay layer: {@code upper}, {@code work} and the empty
 * {@code merged} mount point. The overlay itself is mounted by the container's
 * init inside its own mount namespace, so it disappears with the container and
 * can never be left mounted on the host: preparing and releasing are only
 * directories. Making it costs the same for a 2 MB or a 2 GB image.
 */
public final class OverlayStorage implements ContainerStorage {
    private final LinuxPaths paths;

    public OverlayStorage(LinuxPaths paths) {
        this.paths = paths;
    }

    @Override
    public void prepare(ContainerId id, RootFs root) {
        Path layer = paths.containerLayer(id);
        requireRoot(root);
        try {
            Files.createDirectories(paths.containers());
            Files.createDirectory(layer);
            Files.createDirectory(layer.resolve("upper"));
            Files.createDirectory(layer.resolve("work"));
            Files.createDirectory(layer.resolve("merged"));
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot make the layer of container '"
                    + id.shortForm() + "' in " + layer + ": " + dev.quilt.linux.IoErrors.why(e), e);
        }
    }

    /**
     * {@code upper} must be a directory (not a link) in the layer; overlayfs clears what it left in {@code work}
     * at the next mount, so the directory is kept as it is.
     */
    @Override
    public void prepareAgain(ContainerId id, RootFs root) {
        Path layer = paths.containerLayer(id);
        requireRoot(root);
        if (!Files.isDirectory(layer.resolve("upper"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw QuiltException.notFound("container '" + id.shortForm() + "' has no layer in " + layer
                    + " to run on again; remove it ('quilt rm') and create another");
        }
        try {
            for (String d : new String[] {"work", "merged"}) {
                if (!Files.isDirectory(layer.resolve(d), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(layer.resolve(d));
                }
            }
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot make the layer of container '"
                    + id.shortForm() + "' in " + layer + " again: " + dev.quilt.linux.IoErrors.why(e), e);
        }
    }

    private void requireRoot(RootFs root) {
        switch (root) {
            case RootFs.Image i -> {
                if (!Files.isDirectory(paths.imageRootfs(i.digest()))) {
                    throw QuiltException.notFound("image " + i.shortForm() + " has no rootfs in " + paths.images()
                            + "; import it again");
                }
            }
            case RootFs.Directory d -> {
                if (!Files.isDirectory(Path.of(d.path()))) {
                    throw QuiltException.notFound("root directory " + d.path() + " is not a directory"
                            + "; make the bundle's rootfs or fix root.path");
                }
            }
        }
    }

    @Override
    public void prepareInPlace(ContainerId id, RootFs.Directory root) {
        if (!Files.isDirectory(Path.of(root.path()))) {
            throw QuiltException.notFound("root directory " + root.path() + " is not a directory"
                    + "; make the bundle's rootfs or fix root.path");
        }
        Path dir = paths.containerLayer(id);
        try {
            Files.createDirectories(paths.containers());
            Files.createDirectory(dir);
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot make the data directory of container '"
                    + id.shortForm() + "' in " + dir + ": " + dev.quilt.linux.IoErrors.why(e), e);
        }
    }

    /**
     * GNU tar (Debian's {@code tar}, always there) with {@code --xattrs --xattrs-include=*} and numeric owners:
     * it keeps owners, modes, every xattr (overlay's {@code trusted.overlay.opaque} too) and the whiteouts
     * (character devices 0:0), which is all a layer is. The archive is written beside its target and renamed
     * into place, so a failed save leaves no half archive.
     */
    @Override
    public void saveLayer(ContainerId id, Path archive) {
        Path upper = paths.containerLayer(id).resolve("upper");
        if (!Files.isDirectory(upper, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw QuiltException.notFound("container '" + id.shortForm() + "' has no layer in "
                    + paths.containerLayer(id) + " to save");
        }
        Path tmp = archive.resolveSibling("." + archive.getFileName() + ".tmp");
        try {
            tar(List.of("--create", "--file", tmp.toString(), "--directory", upper.toString(), "."), id, "save");
            Files.move(tmp, archive, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot save the layer of container '"
                    + id.shortForm() + "' into " + archive + ": " + dev.quilt.linux.IoErrors.why(e), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the archive's directory is a draft: it goes as a whole
            }
        }
    }

    @Override
    public void prepareFromLayer(ContainerId id, RootFs root, Path archive) {
        prepare(id, root);
        try {
            tar(List.of("--extract", "--file", archive.toString(), "--same-owner", "--preserve-permissions",
                    "--directory", paths.containerLayer(id).resolve("upper").toString()), id, "restore");
        } catch (RuntimeException | IOException e) {
            release(id);
            if (e instanceof QuiltException q) throw q;
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot extract " + archive + " into the layer of"
                    + " container '" + id.shortForm() + "': " + e.getMessage(), e);
        }
    }

    /** Runs {@code tar} with the options that keep a layer whole; its first error line is the failure. */
    private static void tar(List<String> args, ContainerId id, String verb) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of("tar", "--xattrs", "--xattrs-include=*",
                "--numeric-owner", "--sparse"));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err;
        try (java.io.InputStream in = p.getErrorStream()) {
            err = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        int rc;
        try {
            rc = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        if (rc != 0) {
            String first = err.lines().filter(l -> !l.isBlank()).findFirst().orElse("exit " + rc);
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot " + verb + " the layer of container '"
                    + id.shortForm() + "': " + first);
        }
    }

    @Override
    public void release(ContainerId id) {
        Path layer = paths.containerLayer(id);
        try {
            AtomicFiles.deleteTree(layer);
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot remove " + layer + ": " + dev.quilt.linux.IoErrors.why(e)
                    + "; is it still mounted? ('quilt rm -f' stops the container first)", e);
        }
    }

    @Override
    public Set<ContainerId> list() {
        Set<ContainerId> out = new TreeSet<>();
        if (!Files.isDirectory(paths.containers())) return out;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(paths.containers())) {
            for (Path d : dirs) {
                String n = d.getFileName().toString();
                // a stray entry (no container ID, or not a directory) is not a layer, and never removed
                if (!n.startsWith(".") && Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    ContainerId.parse(n).ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot list " + paths.containers() + ": " + dev.quilt.linux.IoErrors.why(e), e);
        }
        return out;
    }

    /**
     * Nothing runs in the layer while this writes (the container is not started yet), so a walk that checks each
     * component with lstat before it steps into it cannot be raced by the container.
     */
    @Override
    public void writeInLayer(ContainerId id, String path, byte[] content) {
        if (path == null || !path.startsWith("/") || path.endsWith("/")) {
            throw QuiltException.invalid("'" + path + "' is not an absolute path of a file");
        }
        Path upper = paths.containerLayer(id).resolve("upper");
        if (!Files.isDirectory(upper, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw QuiltException.notFound("container '" + id.shortForm() + "' has no layer");
        }
        String[] parts = path.substring(1).split("/");
        Path dir = upper;
        StringBuilder shown = new StringBuilder();
        try {
            for (int i = 0; i < parts.length; i++) {
                String part = parts[i];
                if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                    throw QuiltException.invalid("'" + path + "' is not a plain path: no empty, '.' or '..' component");
                }
                shown.append('/').append(part);
                Path next = dir.resolve(part);
                boolean last = i == parts.length - 1;
                if (Files.isSymbolicLink(next)) {
                    throw QuiltException.invalid("'" + shown + "' in the layer of container '" + id.shortForm()
                            + "' is a symbolic link; " + path + " is not written through it");
                }
                if (last) {
                    if (Files.exists(next, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            && !Files.isRegularFile(next, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        throw QuiltException.invalid("'" + shown + "' in the layer of container '" + id.shortForm()
                                + "' is not a regular file");
                    }
                    AtomicFiles.write(next, content);
                    Files.setPosixFilePermissions(next, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
                } else if (!Files.exists(next, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(next, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                            java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
                } else if (!Files.isDirectory(next, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    throw QuiltException.invalid("'" + shown + "' in the layer of container '" + id.shortForm()
                            + "' is not a directory");
                }
                dir = next;
            }
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot write " + path + " in the layer of container '"
                    + id.shortForm() + "': " + dev.quilt.linux.IoErrors.why(e), e);
        }
    }
}
