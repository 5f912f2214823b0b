package dev.quilt.linux.jni;

import dev.quilt.domain.QuiltException;

/** A system call failed: names the call, the object and the errno, e.g. {@code mkdir("/x") failed: EACCES (permission denied)}. */
public final class NativeException extends QuiltException {
    private final int errno;
    private final String errnoName;

    NativeException(String syscall, String object, int errno) {
        super(kindOf(Errors.name(errno)), syscall + "(" + object + ") failed: " + Errors.name(errno)
                + " (" + Errors.text(errno) + ")");
        this.errno = errno;
        this.errnoName = Errors.name(errno);
    }

    private static Kind kindOf(String name) {
        return switch (name) {
            case "EPERM", "EACCES" -> Kind.PERMISSION;
            case "ENOENT", "ESRCH" -> Kind.NOT_FOUND;
            default -> Kind.SYSTEM;
        };
    }

    public int errno() {
        return errno;
    }

    public String errnoName() {
        return errnoName;
    }

    /** Returns {@code rc} when it is not a negative errno, else throws. */
    public static int check(int rc, String syscall, String object) {
        if (rc < 0) throw new NativeException(syscall, object, -rc);
        return rc;
    }

    public static long check(long rc, String syscall, String object) {
        if (rc < 0) throw new NativeException(syscall, object, (int) -rc);
        return rc;
    }
}
