package dev.quilt.domain;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * docker's and podman's confinement flags turned into a {@link Security}:
 * {@code --cap-add}/{@code --cap-drop} (names or {@code ALL}, repeatable, comma lists),
 * {@code --privileged}, {@code --security-opt no-new-privileges[=true|false]} and
 * {@code seccomp=unconfined|FILE} (the file's text read by the caller), {@code --group-add GID},
 * {@code --ulimit name=soft[:hard]} (docker's names; {@code -1} unlimited; hard defaults to soft),
 * {@code --sysctl k=v} (only sysctls a container's own namespaces hold: docker's list). Each bad
 * value is one line naming the flag.
 */
public final class SecurityFlags {
    private SecurityFlags() {}

    /** What the user typed; {@code seccompProfile} is (origin, text) of {@code seccomp=FILE}. */
    public record Given(List<String> capAdd, List<String> capDrop, boolean privileged, List<String> securityOpts,
                        Optional<Seccomp.Profile> seccompProfile, List<String> groupAdd, List<String> ulimits,
                        List<String> sysctls) {
        public Given {
            capAdd = List.copyOf(capAdd);
            capDrop = List.copyOf(capDrop);
            securityOpts = List.copyOf(securityOpts);
            groupAdd = List.copyOf(groupAdd);
            ulimits = List.copyOf(ulimits);
            sysctls = List.copyOf(sysctls);
        }
    }

    /** The {@code seccomp=FILE} of a list of {@code --security-opt}s, if one names a file (not unconfined). */
    public static Optional<String> seccompFile(List<String> securityOpts) {
        Optional<String> file = Optional.empty();
        for (String o : securityOpts) {
            String[] kv = keyValue(o);
            if (kv[0].equals("seccomp") && kv[1] != null && !kv[1].equals("unconfined")) file = Optional.of(kv[1]);
        }
        return file;
    }

    /** docker's {@code --security-opt} syntax: {@code key=value}, or the older {@code key:value}. */
    private static String[] keyValue(String o) {
        int eq = o.indexOf('=');
        int colon = o.indexOf(':');
        int at = eq >= 0 ? eq : colon;
        return at < 0 ? new String[] {o, null} : new String[] {o.substring(0, at), o.substring(at + 1)};
    }

    public static Security security(Given g, NetworkMode network) {
        Capabilities caps = g.privileged() ? Capabilities.ALL : Capabilities.DEFAULT;
        caps = caps.adjusted(split(g.capAdd()), split(g.capDrop()));
        boolean noNewPrivileges = !g.privileged(); // docker's --privileged leaves it off; a flag may still set it
        Seccomp seccomp = g.privileged() ? Seccomp.UNCONFINED : Seccomp.DEFAULT;
        for (String o : g.securityOpts()) {
            String[] kv = keyValue(o);
            switch (kv[0]) {
                case "no-new-privileges" -> noNewPrivileges = bool(o, kv[1]);
                case "seccomp" -> {
                    if (kv[1] == null || kv[1].isEmpty()) {
                        throw QuiltException.invalid("--security-opt seccomp needs a value: seccomp=unconfined or "
                                + "seccomp=FILE (a docker or OCI profile)");
                    }
                    seccomp = kv[1].equals("unconfined") ? Seccomp.UNCONFINED
                            : g.seccompProfile().map(p -> (Seccomp) p).orElseThrow(() -> QuiltException.invalid(
                                    "--security-opt seccomp=" + Identifiers.printable(kv[1]) + ": the file was not read"));
                }
                case "label", "apparmor", "mask", "unmask", "systempaths", "proc-opts" -> throw QuiltException.invalid(
                        "--security-opt " + Identifiers.printable(o) + " is not supported by quilt: use "
                                + "no-new-privileges[=false] or seccomp=unconfined|FILE");
                default -> throw QuiltException.invalid("unknown --security-opt '" + Identifiers.printable(o)
                        + "': use no-new-privileges[=true|false] or seccomp=unconfined|FILE");
            }
        }
        List<Integer> groups = new ArrayList<>();
        for (String s : g.groupAdd()) groups.add(group(s));
        List<Rlimit> rlimits = new ArrayList<>();
        for (String u : g.ulimits()) {
            Rlimit r = ulimit(u);
            rlimits.removeIf(x -> x.type().equals(r.type())); // the last one of a name wins, as in docker
            rlimits.add(r);
        }
        Map<String, String> sysctls = new LinkedHashMap<>();
        for (String s : g.sysctls()) {
            int eq = s.indexOf('=');
            if (eq <= 0) throw QuiltException.invalid("--sysctl '" + Identifiers.printable(s) + "' is not KEY=VALUE");
            String key = s.substring(0, eq);
            checkSysctl(key, network);
            sysctls.put(key, s.substring(eq + 1));
        }
        List<String> masked = g.privileged() ? List.of() : Security.DEFAULT_MASKED;
        List<String> readonly = g.privileged() ? List.of() : Security.DEFAULT_READONLY;
        return new Security(caps, noNewPrivileges, seccomp, rlimits, groups, Optional.empty(), sysctls, List.of(),
                List.of(), masked, readonly, false, g.privileged());
    }

    /** Repeated flags whose values may also be comma lists ({@code --cap-add A,B --cap-add C}), as docker takes them. */
    public static List<String> split(List<String> names) {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            for (String p : n.split(",", -1)) {
                if (p.isBlank()) throw QuiltException.invalid("an empty capability name in '" + n + "': give names, e.g. NET_ADMIN or ALL");
                out.add(p.trim());
            }
        }
        return out;
    }

    private static boolean bool(String o, String v) {
        if (v == null || v.equals("true")) return true;
        if (v.equals("false")) return false;
        throw QuiltException.invalid("--security-opt " + Identifiers.printable(o) + ": use no-new-privileges, "
                + "no-new-privileges=true or no-new-privileges=false");
    }

    /** {@code --group-add 1000}: numeric only (a name would need the image's /etc/group). */
    static int group(String s) {
        try {
            int g = Integer.parseInt(s);
            if (g >= 0) return g;
        } catch (NumberFormatException e) {
            // below
        }
        throw QuiltException.invalid("--group-add '" + Identifiers.printable(s) + "' is not a numeric group id: "
                + "give the number (names are not looked up)");
    }

    private static final Map<String, String> ULIMITS = Map.ofEntries(Map.entry("as", "RLIMIT_AS"),
            Map.entry("core", "RLIMIT_CORE"), Map.entry("cpu", "RLIMIT_CPU"), Map.entry("data", "RLIMIT_DATA"),
            Map.entry("fsize", "RLIMIT_FSIZE"), Map.entry("locks", "RLIMIT_LOCKS"),
            Map.entry("memlock", "RLIMIT_MEMLOCK"), Map.entry("msgqueue", "RLIMIT_MSGQUEUE"),
            Map.entry("nice", "RLIMIT_NICE"), Map.entry("nofile", "RLIMIT_NOFILE"), Map.entry("nproc", "RLIMIT_NPROC"),
            Map.entry("rss", "RLIMIT_RSS"), Map.entry("rtprio", "RLIMIT_RTPRIO"), Map.entry("rttime", "RLIMIT_RTTIME"),
            Map.entry("sigpending", "RLIMIT_SIGPENDING"), Map.entry("stack", "RLIMIT_STACK"));

    /** docker's {@code --ulimit nofile=1024:2048}: soft, optionally hard (default: soft); -1 unlimited. */
    static Rlimit ulimit(String u) {
        int eq = u.indexOf('=');
        String name = eq < 0 ? u : u.substring(0, eq).toLowerCase(Locale.ROOT);
        String type = ULIMITS.get(name);
        if (type == null) {
            throw QuiltException.invalid("--ulimit '" + Identifiers.printable(u) + "': unknown limit '"
                    + Identifiers.printable(name) + "'; use one of " + String.join(", ", new java.util.TreeSet<>(ULIMITS.keySet())));
        }
        if (eq < 0 || eq == u.length() - 1) {
            throw QuiltException.invalid("--ulimit '" + Identifiers.printable(u) + "' needs a value: " + name
                    + "=SOFT[:HARD]");
        }
        String[] v = u.substring(eq + 1).split(":", -1);
        if (v.length > 2) throw QuiltException.invalid("--ulimit '" + Identifiers.printable(u) + "': use " + name + "=SOFT[:HARD]");
        long soft = limit(u, v[0]);
        long hard = v.length == 2 ? limit(u, v[1]) : soft;
        if (hard != -1 && (soft == -1 || soft > hard)) {
            throw QuiltException.invalid("--ulimit '" + Identifiers.printable(u) + "': the soft limit is above the hard limit");
        }
        return new Rlimit(type, soft, hard);
    }

    private static long limit(String u, String s) {
        try {
            long v = Long.parseLong(s);
            if (v >= -1) return v;
        } catch (NumberFormatException e) {
            // below
        }
        throw QuiltException.invalid("--ulimit '" + Identifiers.printable(u) + "': '" + Identifiers.printable(s)
                + "' is not a number (-1: unlimited)");
    }

    /**
     * Only what the container's own namespaces hold, as docker allows: IPC's {@code kernel.msgmax},
     * {@code msgmnb}, {@code msgmni}, {@code sem}, {@code shmall}, {@code shmmax}, {@code shmmni},
     * {@code shm_rmid_forced} and {@code fs.mqueue.*}; the network namespace's {@code net.*}, but not
     * with {@code --network host}, where they are the host's.
     */
    static void checkSysctl(String key, NetworkMode network) {
        boolean ipc = key.matches("kernel\\.(msgmax|msgmnb|msgmni|sem|shmall|shmmax|shmmni|shm_rmid_forced)")
                || key.startsWith("fs.mqueue.");
        boolean net = key.startsWith("net.");
        if (!key.matches("[a-z0-9_.-]+") || key.contains("..")) {
            throw QuiltException.invalid("--sysctl '" + Identifiers.printable(key) + "' is not a sysctl name "
                    + "(dotted, as net.ipv4.ip_unprivileged_port_start)");
        }
        if (net && network == NetworkMode.HOST) {
            throw QuiltException.invalid("--sysctl " + key + " would change the host's network: it is not allowed "
                    + "with --network host");
        }
        if (!ipc && !net) {
            throw QuiltException.invalid("--sysctl " + key + " is not namespaced, so it would change the host: only "
                    + "kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* and net.* are allowed");
        }
    }
}
