package dev.quilt.domain.oci;

import dev.quilt.domain.QuiltException;

import java.util.List;
import java.util.Optional;

/**
 * config-linux.md "Seccomp": {@code defaultAction} for a syscall no rule names,
 * {@code defaultErrnoRet}, {@code architectures} ({@code SCMP_ARCH_X86_64}…),
 * {@code flags} ({@code SECCOMP_FILTER_FLAG_*}), {@code listenerPath} for
 * {@code SCMP_ACT_NOTIFY}, and the {@code syscalls} rules in order. Actions and
 * comparison operators are the spec's closed sets; anything else is refused.
 */
public record OciSeccomp(String defaultAction, Optional<Long> defaultErrnoRet, List<String> architectures,
                         List<String> flags, Optional<String> listenerPath, Optional<String> listenerMetadata,
                         List<Syscall> syscalls) {
    /** config-linux.md "Seccomp": the actions. */
    public static final List<String> ACTIONS = List.of("SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
            "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",
            "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY");
    /** config-linux.md "Seccomp": the comparison operators of {@code args[].op}. */
    public static final List<String> OPERATORS = List.of("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",
            "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");

    public OciSeccomp {
        architectures = List.copyOf(architectures);
        flags = List.copyOf(flags);
        syscalls = List.copyOf(syscalls);
        requireAction(defaultAction);
        architectures.forEach(OciSeccomp::requireArchitecture);
        flags.forEach(OciSeccomp::requireFlag);
    }

    /** {@code a} if it is one of {@link #ACTIONS}, else one line listing them. */
    public static String requireAction(String a) {
        if (!ACTIONS.contains(a)) {
            throw QuiltException.invalid("'" + a + "' is not a seccomp action (" + String.join(", ", ACTIONS) + ")");
        }
        return a;
    }

    /** {@code a} if it has the form {@code SCMP_ARCH_X86_64} (libseccomp's names). */
    public static String requireArchitecture(String a) {
        if (!a.matches("SCMP_ARCH_[A-Z0-9_]+")) {
            throw QuiltException.invalid("'" + a + "' is not an architecture (e.g. SCMP_ARCH_X86_64)");
        }
        return a;
    }

    /** {@code f} if it has the form {@code SECCOMP_FILTER_FLAG_LOG} (seccomp(2)). */
    public static String requireFlag(String f) {
        if (!f.matches("SECCOMP_FILTER_FLAG_[A-Z_]+")) {
            throw QuiltException.invalid("'" + f + "' is not a seccomp flag (e.g. SECCOMP_FILTER_FLAG_LOG)");
        }
        return f;
    }

    /** {@code n} if it can be a syscall's name ({@code read}, {@code _llseek}). */
    public static String requireSyscallName(String n) {
        if (!n.matches("[a-z_][a-z0-9_]*")) throw QuiltException.invalid("'" + n + "' is not a syscall name");
        return n;
    }

    /** {@code op} if it is one of {@link #OPERATORS}, else one line listing them. */
    public static String requireOperator(String op) {
        if (!OPERATORS.contains(op)) {
            throw QuiltException.invalid("'" + op + "' is not a comparison (" + String.join(", ", OPERATORS) + ")");
        }
        return op;
    }

    /** One rule: the syscalls {@code names} get {@code action} when every one of {@code args} holds. */
    public record Syscall(List<String> names, String action, Optional<Long> errnoRet, List<Arg> args) {
        public Syscall {
            names = List.copyOf(names);
            args = List.copyOf(args);
            if (names.isEmpty()) throw QuiltException.invalid("names must list at least one syscall");
            names.forEach(OciSeccomp::requireSyscallName);
            requireAction(action);
        }
    }

    /**
     * A condition on argument {@code index} (0 to 5): {@code op} compares it with
     * {@code value} ({@code SCMP_CMP_MASKED_EQ}: {@code arg & value == valueTwo});
     * values are uint64, held in a long's bits.
     */
    public record Arg(int index, long value, long valueTwo, String op) {
        public Arg {
            if (index < 0 || index > 5) throw QuiltException.invalid("index " + index + " is not between 0 and 5");
            requireOperator(op);
        }
    }
}
