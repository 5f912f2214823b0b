package dev.quilt.linux.jni;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Peer of native/src/jni/layer_files.c: opens a directory or a regular file relative to an open directory, never
 * through a symlink as its last component ({@code O_NOFOLLOW}), so a walk that opens one level at a time cannot be
 * led out of the tree it walks. What is open is then named {@link #path}: {@code /proc/self/fd/N}, which the kernel
 * resolves to that very file, and a name under it is one component looked up in that directory. The library must
 * be loaded ({@link NativeLibrary#load}).
 */
public final class LayerFiles {
    private LayerFiles() {}

    static native int openDirectory(int dirfd, String name);

    static native int openRegular(int dirfd, String name);

    static native int getXattr(int fd, String name, byte[] buf);

    static native int closeFd(int fd);

    /** The directory {@code name} in {@code dirfd} (an absolute path with {@code dirfd} -1); not through a link. */
    public static int directory(int dirfd, String name) {
        return NativeException.check(openDirectory(dirfd, name), "openat", name);
    }

    /** The regular file {@code name} in {@code dirfd}, opened non-blocking for reading; EINVAL when not one. */
    public static int regular(int dirfd, String name) {
        return NativeException.check(openRegular(dirfd, name), "openat", name);
    }

    /** The xattr {@code name} of the open {@code fd}; empty when it has none. */
    public static Optional<String> xattr(int fd, String name) {
        byte[] buf = new byte[256];
        int n = getXattr(fd, name, buf);
        if (n < 0 && Errors.name(-n).equals("ENODATA")) return Optional.empty();
        if (n < 0 && (Errors.name(-n).equals("ENOTSUP") || Errors.name(-n).equals("EOPNOTSUPP"))) return Optional.empty();
        NativeException.check(n, "fgetxattr", name);
        return Optional.of(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
    }

    public static void close(int fd) {
        closeFd(fd);
    }

    /** {@code /proc/self/fd/FD}: the open file itself. */
    public static Path path(int fd) {
        return Path.of("/proc/self/fd", Integer.toString(fd));
    }
}
