package dev.quilt.domain.oci;

import dev.quilt.domain.QuiltException;

/** Range checks the spec's integer types imply. */
final class Ids {
    static final long U32_MAX = 0xffff_ffffL;

    private Ids() {}

    static void requireU32(String what, long v) {
        if (v < 0 || v > U32_MAX) throw QuiltException.invalid(what + " " + v + " is not between 0 and " + U32_MAX);
    }

    static String absolute(String what, String path) {
        if (path == null || !path.startsWith("/")) {
            throw QuiltException.invalid(what + " '" + path + "' is not an absolute path");
        }
        return path;
    }
}
