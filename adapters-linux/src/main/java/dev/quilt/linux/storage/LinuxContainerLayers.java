package dev.quilt.linux.storage;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.LayerDiff;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RootFs;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.jni.LayerFiles;
import dev.quilt.linux.jni.NativeException;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.ports.ContainerLayers;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@link ContainerLayers} on the overlay layout of {@link OverlayStorage}: the writable layer is
 * {@code <data>/containers/<id>/upper}, the image {@code <data>/images/<hex>/rootfs} (a bundle's container with a
 * layer: its rootfs directory). Read one directory at a time through {@link LayerFiles} (each opened relative to
 * its parent, {@code O_NOFOLLOW}; lstat, readlink and listing through {@code /proc/self/fd/N}), so a container that
 * swaps a directory of its layer for a symlink meanwhile makes an entry vanish from the walk, never leads it out.
 * A whiteout is a character device 0:0; an opaque directory has {@code trusted.overlay.opaque} (or, for a
 * container in a user namespace, whose overlay is mounted with {@code userxattr}, {@code user.overlay.opaque}) =
 * {@code y}. xattrs are not exported (docker export keeps none but {@code security.capability}).
 */
public final class LinuxContainerLayers implements ContainerLayers {
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFIFO = 0010000;
    private static final String ATTRS = "unix:mode,size,lastModifiedTime,rdev,ino,dev,nlink,uid,gid";

    private final LinuxPaths paths;

    public LinuxContainerLayers(LinuxPaths paths, NativeLibrary loaded) {
        this.paths = paths;
    }

    /** An lstat through the open directory {@code dirfd}: empty when the name is gone. */
    private record Stat(int mode, long size, long mtimeNanos, long rdev, long ino, long dev, int nlink, int uid,
                        int gid) {
        int type() {
            return mode & S_IFMT;
        }

        boolean whiteout() {
            return type() == S_IFCHR && rdev == 0;
        }

        LayerDiff.Meta meta() {
            return new LayerDiff.Meta(mode, size, mtimeNanos);
        }
    }

    private static Optional<Stat> lstat(int dirfd, String name) {
        try {
            Map<String, Object> a = Files.readAttributes(LayerFiles.path(dirfd).resolve(name), ATTRS,
                    LinkOption.NOFOLLOW_LINKS);
            return Optional.of(new Stat((Integer) a.get("mode"), (Long) a.get("size"),
                    ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS), (Long) a.get("rdev"),
                    (Long) a.get("ino"), (Long) a.get("dev"), (Integer) a.get("nlink"), (Integer) a.get("uid"),
                    (Integer) a.get("gid")));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> names(int dirfd) {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(LayerFiles.path(dirfd))) {
            for (Path p : d) out.add(p.getFileName().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort(null);
        return out;
    }

    /** The directory {@code name} in {@code dirfd}; empty when it is gone or is no longer a directory. */
    private static Optional<Integer> openDir(int dirfd, String name) {
        try {
            return Optional.of(LayerFiles.directory(dirfd, name));
        } catch (NativeException e) {
            return Optional.empty();
        }
    }

    private static boolean opaque(int dirfd) {
        return LayerFiles.xattr(dirfd, "trusted.overlay.opaque").filter("y"::equals).isPresent()
                || LayerFiles.xattr(dirfd, "user.overlay.opaque").filter("y"::equals).isPresent();
    }

    private Path upper(ContainerId id) {
        Path upper = paths.containerLayer(id).resolve("upper");
        if (!Files.isDirectory(upper, LinkOption.NOFOLLOW_LINKS)) {
            throw QuiltException.notFound("container '" + id.shortForm() + "' has no layer in "
                    + paths.containerLayer(id) + " (a bundle's rootfs used in place has none)");
        }
        return upper;
    }

    private Path lower(RootFs root) {
        return switch (root) {
            case RootFs.Image i -> paths.imageRootfs(i.digest());
            case RootFs.Directory d -> Path.of(d.path());
        };
    }

    @Override
    public List<LayerDiff.Entry> walk(ContainerId id, RootFs root) {
        int u = LayerFiles.directory(-1, upper(id).toString());
        try {
            Optional<Integer> l = Optional.of(LayerFiles.directory(-1, lower(root).toString()));
            try {
                List<LayerDiff.Entry> out = new ArrayList<>();
                walk(u, l, "", out);
                return out;
            } finally {
                l.ifPresent(LayerFiles::close);
            }
        } catch (UncheckedIOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot read the layer of container '"
                    + id.shortForm() + "': " + dev.quilt.linux.IoErrors.why(e.getCause()), e);
        } finally {
            LayerFiles.close(u);
        }
    }

    private void walk(int ufd, Optional<Integer> lfd, String at, List<LayerDiff.Entry> out) {
        for (String name : names(ufd)) {
            Optional<Stat> s = lstat(ufd, name);
            if (s.isEmpty()) continue; // gone meanwhile
            String path = at + "/" + name;
            Optional<Stat> image = lfd.flatMap(l -> lstat(l, name));
            if (s.get().type() != S_IFDIR) {
                out.add(new LayerDiff.Entry(path, s.get().whiteout(), s.get().meta(), image.map(Stat::meta)));
                continue;
            }
            Optional<Integer> child = openDir(ufd, name);
            if (child.isEmpty()) continue; // swapped for something else meanwhile
            try {
                out.add(new LayerDiff.Entry(path, opaque(child.get()), s.get().meta(), image.map(Stat::meta)));
                Optional<Integer> lowerChild = image.filter(i -> i.type() == S_IFDIR).flatMap(i -> openDir(lfd.get(), name));
                try {
                    walk(child.get(), lowerChild, path, out);
                } finally {
                    lowerChild.ifPresent(LayerFiles::close);
                }
            } finally {
                LayerFiles.close(child.get());
            }
        }
    }

    @Override
    public void export(ContainerId id, RootFs root, OutputStream out) {
        int u = LayerFiles.directory(-1, upper(id).toString());
        try {
            int l = LayerFiles.directory(-1, lower(root).toString());
            try {
                TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                tar.setAddPaxHeadersForNonAsciiNames(true);
                export(Optional.of(u), Optional.of(l), "", tar, new HashMap<>());
                tar.finish();
                tar.flush();
            } finally {
                LayerFiles.close(l);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the client went away, mostly: nothing to answer
        } finally {
            LayerFiles.close(u);
        }
    }

    /** The merged directory of {@code upper} (if the layer has it) over {@code lower} (if the image shows through). */
    private void export(Optional<Integer> upper, Optional<Integer> lower, String at, TarArchiveOutputStream tar,
                        Map<String, String> linked) throws IOException {
        Map<String, Integer> from = new TreeMap<>(); // name: the directory fd it is read from
        Set<String> hidden = new HashSet<>();
        if (upper.isPresent()) {
            for (String name : names(upper.get())) {
                Optional<Stat> s = lstat(upper.get(), name);
                if (s.isEmpty()) continue;
                if (s.get().whiteout()) hidden.add(name);
                else from.put(name, upper.get());
            }
        }
        if (lower.isPresent()) {
            for (String name : names(lower.get())) {
                if (!hidden.contains(name)) from.putIfAbsent(name, lower.get());
            }
        }
        for (Map.Entry<String, Integer> e : from.entrySet()) {
            String name = e.getKey();
            int dirfd = e.getValue();
            Optional<Stat> found = lstat(dirfd, name);
            if (found.isEmpty()) continue;
            Stat s = found.get();
            String entryName = at + name;
            boolean inUpper = upper.isPresent() && dirfd == upper.get();
            switch (s.type()) {
                case S_IFDIR -> {
                    Optional<Integer> u = inUpper ? openDir(dirfd, name) : Optional.empty();
                    if (inUpper && u.isEmpty()) continue;
                    try {
                        boolean showsImage = !inUpper || !opaque(u.get());
                        Optional<Integer> l = Optional.empty();
                        if (showsImage && lower.isPresent()) {
                            Optional<Stat> below = inUpper ? lstat(lower.get(), name) : Optional.of(s);
                            if (below.isPresent() && below.get().type() == S_IFDIR) l = openDir(lower.get(), name);
                        }
                        try {
                            put(tar, entry(entryName + "/", TarConstants.LF_DIR, s));
                            export(u, l, entryName + "/", tar, linked);
                        } finally {
                            l.ifPresent(LayerFiles::close);
                        }
                    } finally {
                        u.ifPresent(LayerFiles::close);
                    }
                }
                case S_IFREG -> regular(tar, dirfd, name, entryName, s, linked);
                case S_IFLNK -> {
                    TarArchiveEntry t = entry(entryName, TarConstants.LF_SYMLINK, s);
                    t.setLinkName(Files.readSymbolicLink(LayerFiles.path(dirfd).resolve(name)).toString());
                    put(tar, t);
                }
                case S_IFCHR, S_IFBLK -> {
                    TarArchiveEntry t = entry(entryName, s.type() == S_IFCHR ? TarConstants.LF_CHR : TarConstants.LF_BLK, s);
                    t.setDevMajor((int) ((s.rdev() >>> 8) & 0xfff | (s.rdev() >>> 32) & ~0xfffL));
                    t.setDevMinor((int) (s.rdev() & 0xff | (s.rdev() >>> 12) & ~0xffL));
                    put(tar, t);
                }
                case S_IFIFO -> put(tar, entry(entryName, TarConstants.LF_FIFO, s));
                default -> { } // a socket: tar has no entry for one
            }
        }
    }

    private static void regular(TarArchiveOutputStream tar, int dirfd, String name, String entryName, Stat s,
                                Map<String, String> linked) throws IOException {
        String key = s.dev() + ":" + s.ino();
        if (s.nlink() > 1 && linked.containsKey(key)) {
            TarArchiveEntry t = entry(entryName, TarConstants.LF_LINK, s);
            t.setLinkName(linked.get(key));
            put(tar, t);
            return;
        }
        int fd;
        try {
            fd = LayerFiles.regular(dirfd, name);
        } catch (NativeException e) {
            return; // gone or replaced meanwhile
        }
        try (InputStream in = Files.newInputStream(LayerFiles.path(fd))) {
            TarArchiveEntry t = entry(entryName, TarConstants.LF_NORMAL, s);
            t.setSize(s.size());
            tar.putArchiveEntry(t);
            byte[] buf = new byte[64 * 1024];
            long left = s.size();
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) break;
                tar.write(buf, 0, n);
                left -= n;
            }
            java.util.Arrays.fill(buf, (byte) 0);
            while (left > 0) { // it shrank while read: the size in the header stands
                int n = (int) Math.min(buf.length, left);
                tar.write(buf, 0, n);
                left -= n;
            }
            tar.closeArchiveEntry();
        } finally {
            LayerFiles.close(fd);
        }
        if (s.nlink() > 1) linked.put(key, entryName);
    }

    private static TarArchiveEntry entry(String name, byte type, Stat s) {
        TarArchiveEntry t = new TarArchiveEntry(name, type, true);
        t.setMode(s.mode() & 07777);
        t.setUserId(s.uid());
        t.setGroupId(s.gid());
        t.setModTime(FileTime.from(s.mtimeNanos(), TimeUnit.NANOSECONDS));
        return t;
    }

    private static void put(TarArchiveOutputStream tar, TarArchiveEntry t) throws IOException {
        tar.putArchiveEntry(t);
        tar.closeArchiveEntry();
    }
}
