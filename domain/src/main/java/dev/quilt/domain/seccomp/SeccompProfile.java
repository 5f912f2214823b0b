package dev.quilt.domain.seccomp;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Capability;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A seccomp profile in docker's/podman's JSON format (moby {@code profiles/seccomp},
 * containers/common {@code pkg/seccomp}), of which OCI's {@code linux.seccomp} is the
 * subset without {@code archMap}, {@code includes} and {@code excludes}. Parsed by
 * {@link SeccompProfileParser}; {@link #resolve} turns it into the filter one container
 * gets, by docker's rules (moby {@code setupSeccomp}).
 *
 * @param defaultAction   what a syscall no rule names gets
 * @param defaultErrnoRet the errno of an {@code SCMP_ACT_ERRNO} default; EPERM when absent
 * @param architectures   OCI's list of {@code SCMP_ARCH_*}; empty when {@code archMap} is used
 * @param archMap         docker's: each native arch with the sub-arches its filter also covers
 * @param syscalls        the rules, in the profile's order
 */
public record SeccompProfile(Action defaultAction, Optional<Integer> defaultErrnoRet, List<String> architectures,
                             List<ArchEntry> archMap, List<Rule> syscalls) {
    /** EPERM, the errno of an {@code SCMP_ACT_ERRNO} with no {@code errnoRet} (runc's and crun's rule). */
    public static final int EPERM = 1;

    public SeccompProfile {
        architectures = List.copyOf(architectures);
        archMap = List.copyOf(archMap);
        syscalls = List.copyOf(syscalls);
        if (!architectures.isEmpty() && !archMap.isEmpty()) {
            throw new IllegalArgumentException("both architectures and archMap");
        }
    }

    /** What a rule does; libseccomp's {@code SCMP_ACT_*}. */
    public enum Action {
        ALLOW, ERRNO, KILL, KILL_THREAD, KILL_PROCESS, TRAP, LOG, TRACE, NOTIFY;

        /** {@code SCMP_ACT_ALLOW}, as profiles spell it. */
        public String profileName() {
            return "SCMP_ACT_" + name();
        }
    }

    /** A comparison of one syscall argument; libseccomp's {@code SCMP_CMP_*}. */
    public enum Op {
        NE, LT, LE, EQ, GE, GT, MASKED_EQ;

        public String profileName() {
            return "SCMP_CMP_" + name();
        }
    }

    /** docker's {@code archMap} entry: e.g. {@code SCMP_ARCH_X86_64} with {@code SCMP_ARCH_X86} and {@code SCMP_ARCH_X32}. */
    public record ArchEntry(String architecture, List<String> subArchitectures) {
        public ArchEntry {
            subArchitectures = List.copyOf(subArchitectures);
        }
    }

    /** {@code args[]}: argument {@code index} (0-5) compared with {@code value} (and {@code valueTwo}, the mask's datum). */
    public record Arg(int index, long value, long valueTwo, Op op) {}

    /**
     * {@code includes}/{@code excludes}: capabilities (all must be held to include, any
     * held excludes), native arches in Go's names ({@code amd64}, {@code arm64}), and a
     * minimum kernel (major, minor).
     */
    public record Condition(List<String> caps, List<String> arches, Optional<KernelVersion> minKernel) {
        public static final Condition NONE = new Condition(List.of(), List.of(), Optional.empty());

        public Condition {
            caps = List.copyOf(caps);
            arches = List.copyOf(arches);
        }
    }

    /** One entry of {@code syscalls[]}. */
    public record Rule(List<String> names, Action action, Optional<Integer> errnoRet, List<Arg> args,
                       Condition includes, Condition excludes) {
        public Rule {
            names = List.copyOf(names);
            args = List.copyOf(args);
        }
    }

    /**
     * The filter for a container holding {@code caps} (their bounding set, as docker
     * compares) on {@code platform}: the architectures of the native arch's
     * {@code archMap} entry (or OCI's {@code architectures}, or the native one alone),
     * and each rule whose includes hold and whose excludes do not, with every errno
     * made explicit.
     */
    public SeccompFilter resolve(Capabilities caps, Platform platform) {
        List<String> arches = new ArrayList<>();
        if (!architectures.isEmpty()) {
            arches.addAll(architectures);
        } else {
            for (ArchEntry e : archMap) {
                if (e.architecture().equals(platform.seccompArch())) {
                    arches.add(e.architecture());
                    arches.addAll(e.subArchitectures());
                    break;
                }
            }
        }
        if (arches.isEmpty()) arches.add(platform.seccompArch());
        List<SeccompFilter.Entry> entries = new ArrayList<>();
        for (Rule r : syscalls) {
            if (!applies(r, caps, platform)) continue;
            int errno = r.action() == Action.ERRNO || r.action() == Action.TRACE ? r.errnoRet().orElse(EPERM) : 0;
            for (String name : r.names()) entries.add(new SeccompFilter.Entry(name, r.action(), errno, r.args()));
        }
        int defaultErrno = defaultAction == Action.ERRNO || defaultAction == Action.TRACE
                ? defaultErrnoRet.orElse(EPERM) : 0;
        return new SeccompFilter(defaultAction, defaultErrno, arches, entries);
    }

    private static boolean applies(Rule r, Capabilities caps, Platform platform) {
        Condition ex = r.excludes();
        if (ex.arches().contains(platform.nativeArch())) return false;
        for (String c : ex.caps()) if (holds(caps, c)) return false;
        if (ex.minKernel().isPresent() && platform.kernel().atLeast(ex.minKernel().get())) return false;
        Condition in = r.includes();
        if (!in.arches().isEmpty() && !in.arches().contains(platform.nativeArch())) return false;
        for (String c : in.caps()) if (!holds(caps, c)) return false;
        return in.minKernel().isEmpty() || platform.kernel().atLeast(in.minKernel().get());
    }

    /** A capability the kernel does not know (a newer one) is not held. */
    private static boolean holds(Capabilities caps, String name) {
        for (Capability c : caps.bounding()) {
            if (c.ociName().equals(name)) return true;
        }
        return false;
    }
}
