package dev.quilt.domain.seccomp;

import java.util.List;

/**
 * A profile resolved for one container: what libseccomp is given to compile. Every
 * errno is explicit (EPERM where the profile named none); rules are flattened to one
 * syscall each, in the profile's order. {@link #canonical()} names it for the cache.
 *
 * @param architectures {@code SCMP_ARCH_*} names, the native one first
 */
public record SeccompFilter(SeccompProfile.Action defaultAction, int defaultErrno, List<String> architectures,
                            List<Entry> entries) {
    public SeccompFilter {
        architectures = List.copyOf(architectures);
        entries = List.copyOf(entries);
    }

    /** One syscall's rule: {@code errno} is the errno of ERRNO (or TRACE's message), else 0. */
    public record Entry(String syscall, SeccompProfile.Action action, int errno, List<SeccompProfile.Arg> args) {
        public Entry {
            args = List.copyOf(args);
        }
    }

    /** A stable text of everything the program depends on, one line per item. */
    public String canonical() {
        StringBuilder b = new StringBuilder();
        b.append("default ").append(defaultAction).append(' ').append(defaultErrno).append('\n');
        for (String a : architectures) b.append("arch ").append(a).append('\n');
        for (Entry e : entries) {
            b.append("rule ").append(e.syscall()).append(' ').append(e.action()).append(' ').append(e.errno());
            for (SeccompProfile.Arg a : e.args()) {
                b.append(' ').append(a.index()).append(':').append(a.op()).append(':')
                        .append(Long.toUnsignedString(a.value())).append(':').append(Long.toUnsignedString(a.valueTwo()));
            }
            b.append('\n');
        }
        return b.toString();
    }
}
