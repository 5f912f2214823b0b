package dev.quilt.domain.oci;

import dev.quilt.domain.Capability;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Rlimit;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * config.md "Process": what runs in the container. {@code args} the command (OPTIONAL
 * since 1.1; {@code ctr oci spec} leaves it out), {@code env} as {@code KEY=VALUE},
 * {@code cwd} absolute, {@code capabilities} the five sets, {@code rlimits}
 * (getrlimit(2) names, {@code -1} for RLIM_INFINITY), {@code oomScoreAdj} -1000 to 1000
 * (proc(5)). {@code apparmorProfile} and {@code selinuxLabel} are kept as given: this
 * host family has neither LSM, and runc likewise skips a profile when the LSM is off.
 */
public record OciProcess(boolean terminal, Optional<ConsoleSize> consoleSize, User user, List<String> args,
                         List<String> env, String cwd, Optional<CapabilitySets> capabilities, List<Rlimit> rlimits,
                         boolean noNewPrivileges, Optional<Integer> oomScoreAdj, Optional<String> apparmorProfile,
                         Optional<String> selinuxLabel) {
    /** getrlimit(2)'s resources, the names {@code process.rlimits[].type} may take. */
    public static final List<String> RLIMIT_TYPES = List.of("RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA",
            "RLIMIT_FSIZE", "RLIMIT_LOCKS", "RLIMIT_MEMLOCK", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_NOFILE",
            "RLIMIT_NPROC", "RLIMIT_RSS", "RLIMIT_RTPRIO", "RLIMIT_RTTIME", "RLIMIT_SIGPENDING", "RLIMIT_STACK");

    public OciProcess {
        args = List.copyOf(args);
        env = List.copyOf(env);
        rlimits = List.copyOf(rlimits);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Rlimit r : rlimits) {
            requireRlimitType(r.type());
            // config.md: duplicated entries with the same type MUST be an error
            if (!seen.add(r.type())) throw QuiltException.invalid("rlimit " + r.type() + " is listed twice");
        }
        if (cwd == null || !cwd.startsWith("/")) {
            throw QuiltException.invalid("'" + cwd + "' is not an absolute path");
        }
        oomScoreAdj.ifPresent(o -> {
            if (o < -1000 || o > 1000) throw QuiltException.invalid(o + " is not between -1000 and 1000");
        });
    }

    /** {@code type} if it is one of {@link #RLIMIT_TYPES}, else one line listing them. */
    public static String requireRlimitType(String type) {
        if (!RLIMIT_TYPES.contains(type)) {
            throw QuiltException.invalid("'" + type + "' is not a resource limit (" + String.join(", ", RLIMIT_TYPES) + ")");
        }
        return type;
    }

    /** config.md "Process": the console's size in characters. */
    public record ConsoleSize(long height, long width) {
        public ConsoleSize {
            Ids.requireU32("height", height);
            Ids.requireU32("width", width);
        }
    }

    /**
     * config.md "POSIX process" user: {@code uid}, {@code gid} (uint32, as the kernel's
     * ids), {@code umask} (0 to 0777), {@code additionalGids}.
     */
    public record User(long uid, long gid, Optional<Integer> umask, List<Long> additionalGids) {
        public User {
            additionalGids = List.copyOf(additionalGids);
            Ids.requireU32("uid", uid);
            Ids.requireU32("gid", gid);
            for (long g : additionalGids) Ids.requireU32("additional gid", g);
            umask.ifPresent(u -> {
                if (u < 0 || u > 0777) {
                    throw QuiltException.invalid("umask " + Integer.toOctalString(u) + " is not between 0 and 0777");
                }
            });
        }
    }

    /** config.md "Linux process" capabilities: the five sets of capabilities(7). */
    public record CapabilitySets(Set<Capability> bounding, Set<Capability> effective, Set<Capability> inheritable,
                                 Set<Capability> permitted, Set<Capability> ambient) {
        public CapabilitySets {
            bounding = copy(bounding);
            effective = copy(effective);
            inheritable = copy(inheritable);
            permitted = copy(permitted);
            ambient = copy(ambient);
        }

        private static Set<Capability> copy(Set<Capability> s) {
            return s.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(s));
        }
    }
}
