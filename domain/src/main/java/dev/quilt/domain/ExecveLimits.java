package dev.quilt.domain;

import java.util.List;
import java.util.OptionalLong;

/**
 * What execve(2) takes, checked before a container or an exec is made, so that a
 * command or environment too large is one line that names it, not an E2BIG from
 * inside (limits from the kernel's fs/exec.c and include/uapi/linux/binfmts.h).
 */
public final class ExecveLimits {
    /** The longest string execve takes, its NUL included: 32 pages (MAX_ARG_STRLEN). */
    public static final int MAX_ARG_STRLEN = 32 * 4096;
    /** ARG_MAX's floor (32 pages) and ceiling (three quarters of the 8 MiB _STK_LIM), in bytes. */
    public static final long MIN_ARG_MAX = 32 * 4096, MAX_ARG_MAX = 6L * 1024 * 1024;
    /** Room kept for the program's path, which execve copies with the strings (PATH_MAX). */
    static final int PATH_ROOM = 4096;

    private ExecveLimits() {}

    /**
     * ARG_MAX in bytes for a process whose stack soft limit is {@code stackLimit}
     * (empty: unlimited): a quarter of it, within {@link #MIN_ARG_MAX} and {@link #MAX_ARG_MAX}.
     */
    public static long argMax(OptionalLong stackLimit) {
        long quarter = stackLimit.isPresent() ? stackLimit.getAsLong() / 4 : Long.MAX_VALUE;
        return Math.max(MIN_ARG_MAX, Math.min(MAX_ARG_MAX, quarter));
    }

    /**
     * Refuses (INVALID_INPUT) a string of {@code args} or {@code env} (K=V entries)
     * of {@link #MAX_ARG_STRLEN} bytes or more, and all of them together, with a
     * pointer each and room for the program's path, past {@code argMax} bytes.
     */
    public static void check(List<String> args, List<String> env, long argMax) {
        long total = PATH_ROOM + 8L * (Math.max(1, args.size()) + env.size());
        for (int i = 0; i < args.size(); i++) {
            int n = bytes(args.get(i));
            if (n >= MAX_ARG_STRLEN) {
                throw QuiltException.invalid("argument " + (i + 1) + " of the command is " + n + " bytes; " + perString());
            }
            total += n + 1;
        }
        for (String e : env) {
            int n = bytes(e);
            if (n >= MAX_ARG_STRLEN) {
                int eq = e.indexOf('=');
                String key = eq < 0 ? e : e.substring(0, eq);
                String shown = key.length() > 70 ? key.substring(0, 64) + "..." : key;
                throw QuiltException.invalid("env '" + Identifiers.printable(shown) + "' is " + n + " bytes; " + perString());
            }
            total += n + 1;
        }
        if (total > argMax) {
            throw QuiltException.invalid("the command and its environment take " + total + " bytes (with a pointer each "
                    + "and room for the program's path); the kernel takes at most " + argMax
                    + " in all (ARG_MAX, a quarter of the stack limit: ulimit -s)");
        }
    }

    private static String perString() {
        return "the kernel takes at most " + (MAX_ARG_STRLEN - 1) + " per string (MAX_ARG_STRLEN)";
    }

    /** The string's length in UTF-8, as it reaches execve (counted here: the domain does no I/O, not even a charset). */
    static int bytes(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }
}
