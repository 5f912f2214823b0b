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
     * What execve could not take: the program's name (empty), one string of the command or of the environment too
     * long, or all of them together.
     */
    public enum Part { PROGRAM, ARGUMENT, ENVIRONMENT, TOTAL }

    /**
     * The shell's and docker's exit code for a command whose program is not found (an empty name never is); the
     * other refusals are the runtime's own failure (125).
     */
    public static final int NOT_FOUND_EXIT = 127;

    /** {@link #check}'s refusal (INVALID_INPUT), with the {@link Part} it is about so a face can name its field. */
    public static final class Refused extends QuiltException {
        private final Part part;

        Refused(Part part, String message) {
            super(Kind.INVALID_INPUT, message);
            this.part = part;
        }

        public Part part() {
            return part;
        }
    }

    /**
     * ARG_MAX in bytes for a process whose stack soft limit is {@code stackLimit}
     * (empty: unlimited): a quarter of it, within {@link #MIN_ARG_MAX} and {@link #MAX_ARG_MAX}.
     */
    public static long argMax(OptionalLong stackLimit) {
        long quarter = stackLimit.isPresent() ? stackLimit.getAsLong() / 4 : Long.MAX_VALUE;
        return Math.max(MIN_ARG_MAX, Math.min(MAX_ARG_MAX, quarter));
    }

    /**
     * Refuses ({@link Refused}, INVALID_INPUT) an empty program name, which no PATH search finds and execve("")
     * refuses (ENOENT): runc's init says {@code exec: "": executable file not found in $PATH} at create, and dockerd
     * turns that into exit code 127; here it is refused before anything is made, with the words docker's clients map
     * to 127. And a string of {@code args} or {@code env} (K=V entries)
     * of {@link #MAX_ARG_STRLEN} bytes or more, and all of them together, with a
     * pointer each and room for the program's path, past {@code argMax} bytes.
     */
    public static void check(List<String> args, List<String> env, long argMax) {
        if (!args.isEmpty() && args.get(0).isEmpty()) throw emptyProgram();
        long total = PATH_ROOM + 8L * (Math.max(1, args.size()) + env.size());
        for (int i = 0; i < args.size(); i++) {
            int n = bytes(args.get(i));
            if (n >= MAX_ARG_STRLEN) {
                throw new Refused(Part.ARGUMENT, "argument " + (i + 1) + " of the command is " + n + " bytes; "
                        + perString());
            }
            total += n + 1;
        }
        for (String e : env) {
            int n = bytes(e);
            if (n >= MAX_ARG_STRLEN) {
                int eq = e.indexOf('=');
                String key = eq < 0 ? e : e.substring(0, eq);
                String shown = key.length() > 70 ? key.substring(0, 64) + "..." : key;
                throw new Refused(Part.ENVIRONMENT, "env '" + Identifiers.printable(shown) + "' is " + n + " bytes; "
                        + perString());
            }
            total += n + 1;
        }
        if (total > argMax) {
            throw new Refused(Part.TOTAL, "the command and its environment take " + total + " bytes (with a pointer each "
                    + "and room for the program's path); the kernel takes at most " + argMax
                    + " in all (ARG_MAX, a quarter of the stack limit: ulimit -s)");
        }
    }

    /** The refusal of an empty program name (see {@link #check}), wherever a command is first made. */
    static Refused emptyProgram() {
        return new Refused(Part.PROGRAM, "exec \"\": executable file not found in $PATH (the command's first word is"
                + " empty)");
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
