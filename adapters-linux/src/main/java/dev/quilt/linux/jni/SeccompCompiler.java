package dev.quilt.linux.jni;

import dev.quilt.domain.QuiltException;
import dev.quilt.domain.seccomp.SeccompFilter;
import dev.quilt.domain.seccomp.SeccompProfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Peer of native/src/jni/seccomp.c: compiles a resolved profile to a classic BPF
 * program with libseccomp ({@code seccomp_export_bpf}). The bytes are an array of
 * {@code struct sock_filter} (8 bytes each, host byte order), which
 * {@code seccomp(SECCOMP_SET_MODE_FILTER)} loads as is.
 */
public final class SeccompCompiler {
    /** sizeof(struct sock_filter). */
    public static final int INSTRUCTION_BYTES = 8;

    private SeccompCompiler() {}

    static native String version();

    static native byte[] compile(String defaultAction, int defaultErrno, String[] arches, String[] names,
                                 String[] actions, int[] errnos, int[] argCounts, int[] argIndex, String[] argOps,
                                 long[] argA, long[] argB, int[] failure);

    /** libseccomp's version, {@code 2.5.4}: what compiled a cached program. */
    public static String libseccompVersion() {
        return version();
    }

    /** The program for {@code filter}; a failure is one line naming the rule's syscall or the architecture. */
    public static byte[] compile(SeccompFilter filter) {
        List<String> arches = new ArrayList<>();
        for (String a : filter.architectures()) {
            // libseccomp's names are the SCMP_ARCH_ constant's tail, lowercased: x86_64, x32, aarch64
            arches.add(a.substring("SCMP_ARCH_".length()).toLowerCase(Locale.ROOT));
        }
        List<SeccompFilter.Entry> entries = filter.entries();
        int n = entries.size();
        String[] names = new String[n];
        String[] actions = new String[n];
        int[] errnos = new int[n];
        int[] counts = new int[n];
        List<SeccompProfile.Arg> args = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SeccompFilter.Entry e = entries.get(i);
            names[i] = e.syscall();
            actions[i] = e.action().name();
            errnos[i] = e.errno();
            counts[i] = e.args().size();
            args.addAll(e.args());
        }
        int[] index = new int[args.size()];
        String[] ops = new String[args.size()];
        long[] a = new long[args.size()];
        long[] b = new long[args.size()];
        for (int i = 0; i < args.size(); i++) {
            index[i] = args.get(i).index();
            ops[i] = args.get(i).op().name();
            a[i] = args.get(i).value();
            b[i] = args.get(i).valueTwo();
        }
        int[] failure = new int[3];
        byte[] program = compile(filter.defaultAction().name(), filter.defaultErrno(), arches.toArray(String[]::new),
                names, actions, errnos, counts, index, ops, a, b, failure);
        if (program != null) return program;
        int errno = -failure[0];
        String why = Errors.name(errno) + " (" + Errors.text(errno) + ")";
        String what = switch (failure[1]) {
            case 1 -> "architecture " + filter.architectures().get(failure[2])
                    + (Errors.name(errno).equals("EDOM") ? " is not known to libseccomp " + version() : ": " + why);
            case 2 -> "rule for " + names[failure[2]] + " (" + filter.entries().get(failure[2]).action() + "): " + why;
            case 3 -> "exporting the program: " + why;
            default -> "starting a filter with default action " + filter.defaultAction() + ": " + why;
        };
        throw QuiltException.invalid("seccomp: libseccomp refused the " + what);
    }
}
