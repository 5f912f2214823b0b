package dev.quilt.linux.jni;

import java.util.Locale;

/** Peer of native/src/jni/errors.c: errno names and texts from the C library, never hard-coded. */
public final class Errors {
    private Errors() {}

    static native String errnoName(int errno);

    static native String errnoText(int errno);

    static native int errnoValue(String name);

    static native int protocolValue(String name);

    public static String name(int errno) {
        return errnoName(errno);
    }

    /** strerror(), lowercased at the start as our messages are: "no such file or directory". */
    public static String text(int errno) {
        String s = errnoText(errno);
        return s.isEmpty() ? s : s.substring(0, 1).toLowerCase(Locale.ROOT) + s.substring(1);
    }

    public static int value(String name) {
        int v = errnoValue(name);
        if (v < 0) throw new IllegalArgumentException("errno " + name + " is not known to the native library");
        return v;
    }
}
