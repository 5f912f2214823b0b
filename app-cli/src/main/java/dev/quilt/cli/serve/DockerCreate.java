package dev.quilt.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quilt.cli.MountOptions;
import dev.quilt.cli.SecurityOptions;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.Cpus;
import dev.quilt.domain.HealthCheck;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.LogLimit;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ReadyPolicy;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Security;
import dev.quilt.domain.User;
import dev.quilt.usecases.ContainerRequest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The body of {@code POST /containers/create} (Engine API 1.41 "ContainerConfig" with its {@code HostConfig}) as
 * the {@link ContainerRequest} every face makes. What maps: Image (checked by the route), Entrypoint then Cmd (none:
 * Quilt's init alone, a persistent sandbox), Env, WorkingDir, User ({@code uid[:gid]} numbers), Hostname, Labels,
 * StopSignal (SIGTERM only), Healthcheck ({@code CMD}, {@code CMD-SHELL}, {@code NONE}; durations in ns;
 * StartPeriod is the readiness deadline), NetworkDisabled, and HostConfig's Memory, MemorySwap (bytes), NanoCpus
 * (10<sup>-9</sup> CPUs), CpuShares, PidsLimit, Binds, Tmpfs, ReadonlyRootfs, CapAdd, CapDrop, Privileged,
 * SecurityOpt, NetworkMode ({@link NetworkModes}), AutoRemove, Init, Ulimits, Sysctls, Devices, GroupAdd, by the
 * same rules as {@code quilt run}'s flags ({@link SecurityOptions#fromApi}, {@link MountOptions#fromApi}).
 * Fields it does not know are ignored (docker's clients send many); a field it knows but cannot honour is refused
 * when it holds anything but its zero value ({@link #REFUSED}); every refusal is a 400 naming the field.
 */
public final class DockerCreate {
    /** Docker's CFS period for NanoCpus (moby daemon: {@code quota = NanoCPUs * period / 1e9}), in µs. */
    static final long PERIOD_MICROS = Cpus.PERIOD;

    /** Fields Quilt knows and cannot honour: their path and what to do instead. */
    static final Map<String, String> REFUSED = refused();

    private DockerCreate() {}

    private static Map<String, String> refused() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("Tty", "a container has no terminal of its own; create it without Tty and exec with Tty for one");
        m.put("OpenStdin", "a container takes no stdin; leave it false and exec with AttachStdin to send input");
        m.put("StdinOnce", "a container takes no stdin; leave it false and exec with AttachStdin to send input");
        m.put("Domainname", "leave it empty and set Hostname");
        m.put("MacAddress", "addresses come from the root's bridge; leave it empty");
        m.put("Volumes", "anonymous volumes are not supported; bind a host directory with HostConfig.Binds");
        m.put("HostConfig.PortBindings", "ports are not published; reach the container at NetworkSettings.IPAddress"
                + " on the bridge");
        m.put("HostConfig.PublishAllPorts", "ports are not published; reach the container at its bridge address");
        m.put("HostConfig.Links", "links are not supported; reach the other container at its bridge address");
        m.put("HostConfig.VolumesFrom", "bind the same host directory with HostConfig.Binds instead");
        m.put("HostConfig.VolumeDriver", "only host directories (HostConfig.Binds) and tmpfs are supported");
        m.put("HostConfig.Mounts", "use HostConfig.Binds (host:ctr[:ro|rw]) or HostConfig.Tmpfs");
        m.put("HostConfig.ExtraHosts", "leave it empty; write /etc/hosts through the archive API");
        m.put("HostConfig.Dns", "leave it empty; the container uses Quilt's resolv.conf");
        m.put("HostConfig.DnsOptions", "leave it empty; the container uses Quilt's resolv.conf");
        m.put("HostConfig.DnsSearch", "leave it empty; the container uses Quilt's resolv.conf");
        m.put("HostConfig.CpuQuota", "give HostConfig.NanoCpus (CPUs x 1e9) instead");
        m.put("HostConfig.CpuPeriod", "give HostConfig.NanoCpus (CPUs x 1e9) instead");
        m.put("HostConfig.CpuRealtimePeriod", "real-time CPU time is not supported; leave it 0");
        m.put("HostConfig.CpuRealtimeRuntime", "real-time CPU time is not supported; leave it 0");
        m.put("HostConfig.CpusetCpus", "cpusets are not supported; give HostConfig.NanoCpus");
        m.put("HostConfig.CpusetMems", "cpusets are not supported; leave it empty");
        m.put("HostConfig.CpuCount", "give HostConfig.NanoCpus instead");
        m.put("HostConfig.CpuPercent", "give HostConfig.NanoCpus instead");
        m.put("HostConfig.BlkioWeight", "block I/O limits are not supported; leave it 0");
        m.put("HostConfig.BlkioWeightDevice", "block I/O limits are not supported; leave it empty");
        m.put("HostConfig.BlkioDeviceReadBps", "block I/O limits are not supported; leave it empty");
        m.put("HostConfig.BlkioDeviceWriteBps", "block I/O limits are not supported; leave it empty");
        m.put("HostConfig.BlkioDeviceReadIOps", "block I/O limits are not supported; leave it empty");
        m.put("HostConfig.BlkioDeviceWriteIOps", "block I/O limits are not supported; leave it empty");
        m.put("HostConfig.MemoryReservation", "give HostConfig.Memory, a hard limit, instead");
        m.put("HostConfig.KernelMemory", "kernel memory limits are not supported; leave it 0");
        m.put("HostConfig.KernelMemoryTCP", "kernel memory limits are not supported; leave it 0");
        m.put("HostConfig.OomKillDisable", "the OOM killer stays on; leave it false");
        m.put("HostConfig.OomScoreAdj", "leave it 0");
        m.put("HostConfig.ShmSize", "leave it 0, or mount a tmpfs on /dev/shm with HostConfig.Tmpfs");
        m.put("HostConfig.PidMode", "a container has its own pid namespace; leave it empty");
        m.put("HostConfig.UTSMode", "a container has its own uts namespace; leave it empty");
        m.put("HostConfig.Cgroup", "leave it empty");
        m.put("HostConfig.CgroupParent", "Quilt places every container under its own cgroup; leave it empty");
        m.put("HostConfig.DeviceCgroupRules", "give the device itself in HostConfig.Devices");
        m.put("HostConfig.DeviceRequests", "GPU requests are not supported; leave it empty");
        m.put("HostConfig.StorageOpt", "storage options are not supported; leave it empty");
        m.put("HostConfig.MaskedPaths", "the masked paths are Quilt's defaults; use Privileged to lift them");
        m.put("HostConfig.ReadonlyPaths", "the read-only paths are Quilt's defaults; use Privileged to lift them");
        m.put("HostConfig.IOMaximumBandwidth", "leave it 0");
        m.put("HostConfig.IOMaximumIOps", "leave it 0");
        return Map.copyOf(m);
    }

    /** Values of string fields that are the default in other words ({@code "no"} restart, a private IPC…). */
    private static final Map<String, Set<String>> ACCEPTED = Map.of(
            "HostConfig.IpcMode", Set.of("", "private", "shareable"),
            "HostConfig.UsernsMode", Set.of("", "host"),
            "HostConfig.CgroupnsMode", Set.of("", "private"),
            "HostConfig.Runtime", Set.of("", "quilt", "runc"),
            "HostConfig.Isolation", Set.of("", "default"),
            "HostConfig.LogConfig.Type", Set.of("", "json-file"),
            "HostConfig.RestartPolicy.Name", Set.of("", "no"));

    private static final Map<String, String> ACCEPTED_ELSE = Map.of(
            "HostConfig.IpcMode", "a container has its own IPC namespace; leave it empty",
            "HostConfig.UsernsMode", "leave it empty (the host's user namespace)",
            "HostConfig.CgroupnsMode", "a container has its own cgroup namespace; leave it empty or private",
            "HostConfig.Runtime", "Quilt is the runtime; leave it empty",
            "HostConfig.Isolation", "leave it empty",
            "HostConfig.LogConfig.Type", "Quilt keeps each container's log itself; leave it empty",
            "HostConfig.RestartPolicy.Name", "restart policies are not supported; use \"no\" and restart it with"
                    + " POST /containers/{id}/restart");

    /**
     * The request the body asks for, named {@code name}.
     *
     * @throws ApiException 400 naming the field that is wrong or that Quilt cannot honour
     */
    public static ContainerRequest request(JsonNode body, Optional<ContainerName> name) {
        return request(body, name, n -> false);
    }

    /**
     * As {@link #request(JsonNode, Optional)}; a {@code HostConfig.NetworkMode} that {@code networks} knows (a name
     * made with {@code POST /networks/create}) is the root's bridge ({@link NetworkModes}).
     */
    public static ContainerRequest request(JsonNode body, Optional<ContainerName> name,
                                           java.util.function.Predicate<String> networks) {
        if (!body.isObject()) throw ApiException.badRequest("the request body must be a JSON object (docker's"
                + " container config)");
        JsonNode host = body.path("HostConfig");
        if (!host.isMissingNode() && !host.isNull() && !host.isObject()) {
            throw ApiException.badRequest("invalid HostConfig: must be an object");
        }
        refusals(body);
        String image = text(body, "Image");
        List<String> args = new ArrayList<>(strings(body, "Entrypoint"));
        args.addAll(strings(body, "Cmd"));
        List<String> env = strings(body, "Env");
        String cwd = text(body, "WorkingDir");
        User user = field("User", () -> user(text(body, "User")));
        Optional<Hostname> hostname = field("Hostname", () -> Optional.of(text(body, "Hostname"))
                .filter(h -> !h.isEmpty()).map(Hostname::new));
        Map<String, String> labels = labels(body);
        stopSignal(text(body, "StopSignal"));
        JsonNode stopTimeout = body.path("StopTimeout");
        if (!zero(stopTimeout) && !(stopTimeout.isIntegralNumber() && stopTimeout.asLong() == 10)) {
            throw refusedField("StopTimeout", "a container keeps no stop timeout of its own; leave it out and give"
                    + " ?t= to stop");
        }
        Optional<HealthCheck> health = field("Healthcheck", () -> health(body.path("Healthcheck")));
        ReadyPolicy ready = field("Healthcheck.StartPeriod", () -> ready(body.path("Healthcheck")));

        String modeName = text(host, "NetworkMode");
        if (modeName.startsWith("container:")) {
            throw refusedField("HostConfig.NetworkMode", "joining another container's network is not supported;"
                    + " use bridge, none or host");
        }
        NetworkMode network = NetworkModes.resolve(modeName, networks).orElseThrow(() -> ApiException.badRequest(
                "invalid HostConfig.NetworkMode '" + modeName + "': use bridge, none or host"));
        if (body.path("NetworkDisabled").asBoolean(false)) network = NetworkMode.NONE;
        NetworkMode net = network;
        Resources resources = resources(host);
        Security security = field("HostConfig", () -> SecurityOptions.fromApi(strings(host, "CapAdd"),
                strings(host, "CapDrop"), host.path("Privileged").asBoolean(false), strings(host, "SecurityOpt"),
                strings(host, "GroupAdd"), ulimits(host), sysctls(host), net));
        boolean noCommand = args.isEmpty();
        ContainerRequest req = new ContainerRequest(image.isEmpty() ? Optional.empty() : Optional.of(image), name,
                args, env, k -> Optional.empty(), hostname, cwd.isEmpty() ? "/" : cwd, user,
                host.path("AutoRemove").asBoolean(false), false, noCommand || host.path("Init").asBoolean(false),
                network, resources, health, ready, LogLimit.DEFAULT, security, labels);
        return field("HostConfig", () -> MountOptions.fromApi(req, strings(host, "Binds"), tmpfs(host),
                host.path("ReadonlyRootfs").asBoolean(false), devices(host)));
    }

    private static void refusals(JsonNode body) {
        for (Map.Entry<String, String> r : REFUSED.entrySet()) {
            if (!zero(at(body, r.getKey()))) throw refusedField(r.getKey(), r.getValue());
        }
        for (Map.Entry<String, Set<String>> a : ACCEPTED.entrySet()) {
            JsonNode v = at(body, a.getKey());
            if (zero(v)) continue;
            if (!v.isTextual() || !a.getValue().contains(v.asText())) {
                throw refusedField(a.getKey(), ACCEPTED_ELSE.get(a.getKey()));
            }
        }
        JsonNode logConfig = at(body, "HostConfig.LogConfig.Config");
        if (!zero(logConfig)) {
            throw refusedField("HostConfig.LogConfig.Config", "Quilt keeps each container's log itself; leave it"
                    + " empty");
        }
        JsonNode swappiness = at(body, "HostConfig.MemorySwappiness");
        if (!zero(swappiness) && swappiness.asLong() != -1) {
            throw refusedField("HostConfig.MemorySwappiness", "leave it out (or -1)");
        }
    }

    private static ApiException refusedField(String field, String instead) {
        return ApiException.badRequest(field + " is not supported by quilt: " + instead);
    }

    /** The node at a dotted path, missing when any step is. */
    static JsonNode at(JsonNode body, String path) {
        JsonNode n = body;
        for (String step : path.split("\\.")) n = n.path(step);
        return n;
    }

    /**
     * Docker's zero value: absent, null, false, 0, "", an empty list or object; a port map whose every value is
     * null or empty (docker-compose's {@code {"80/tcp": null}} publishes nothing).
     */
    static boolean zero(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) return true;
        if (n.isBoolean()) return !n.asBoolean();
        if (n.isNumber()) return n.asDouble() == 0;
        if (n.isTextual()) return n.asText().isEmpty();
        if (n.isArray()) return n.isEmpty();
        if (n.isObject()) {
            for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) if (!zero(it.next())) return false;
            return true;
        }
        return false;
    }

    /** Quilt's flag names in its messages, and the create body's fields they are. */
    private static final List<Map.Entry<String, String>> FLAG_FIELDS = List.of(
            Map.entry("--cap-add", "HostConfig.CapAdd"), Map.entry("--cap-drop", "HostConfig.CapDrop"),
            Map.entry("--security-opt", "HostConfig.SecurityOpt"), Map.entry("--group-add", "HostConfig.GroupAdd"),
            Map.entry("--ulimit", "HostConfig.Ulimits"), Map.entry("--sysctl", "HostConfig.Sysctls"),
            Map.entry("--volume", "HostConfig.Binds"), Map.entry("--tmpfs", "HostConfig.Tmpfs"),
            Map.entry("--device", "HostConfig.Devices"), Map.entry("--privileged", "HostConfig.Privileged"),
            Map.entry("--network", "HostConfig.NetworkMode"), Map.entry("--health-check", "Healthcheck.Test"),
            Map.entry("--health-interval", "Healthcheck.Interval"), Map.entry("--health-timeout", "Healthcheck.Timeout"),
            Map.entry("--health-start-interval", "Healthcheck.StartInterval"),
            Map.entry("--health-retries", "Healthcheck.Retries"), Map.entry("--ready-timeout", "Healthcheck.StartPeriod"),
            Map.entry("--cpus", "HostConfig.NanoCpus"));

    /**
     * Runs {@code f}; a refusal of Quilt's rules becomes a 400 that names {@code field}, with the flag names of
     * Quilt's own line turned into the body's field names.
     */
    static <T> T field(String field, Supplier<T> f) {
        try {
            return f.get();
        } catch (QuiltException e) {
            if (e.kind() != QuiltException.Kind.INVALID_INPUT) throw e;
            throw ApiException.badRequest("invalid " + field + ": " + inFields(e.getMessage()));
        }
    }

    static String inFields(String message) {
        String m = message;
        for (Map.Entry<String, String> f : FLAG_FIELDS) m = m.replace(f.getKey(), f.getValue());
        return m;
    }

    static String text(JsonNode parent, String field) {
        JsonNode n = parent.path(field);
        if (n.isMissingNode() || n.isNull()) return "";
        if (!n.isTextual()) throw ApiException.badRequest("invalid " + field + ": must be a string");
        return n.asText();
    }

    /** A list of strings; docker's clients send a lone string too (Cmd, Entrypoint, CapAdd). */
    static List<String> strings(JsonNode parent, String field) {
        JsonNode n = parent.path(field);
        if (n.isMissingNode() || n.isNull()) return List.of();
        if (n.isTextual()) return n.asText().isEmpty() ? List.of() : List.of(n.asText());
        if (!n.isArray()) throw ApiException.badRequest("invalid " + field + ": must be a list of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) throw ApiException.badRequest("invalid " + field + ": must be a list of strings");
            out.add(e.asText());
        }
        return out;
    }

    /** {@code uid[:gid]} numbers; a user name is refused: Quilt reads no image's user database. */
    static User user(String s) {
        if (s.isEmpty()) return User.ROOT;
        if (!s.matches("[0-9]+(:[0-9]+)?")) {
            throw QuiltException.invalid("'" + s + "' is not numeric: quilt resolves no user names; give UID or"
                    + " UID:GID");
        }
        return User.parse(s);
    }

    private static Map<String, String> labels(JsonNode body) {
        JsonNode n = body.path("Labels");
        Map<String, String> out = new LinkedHashMap<>();
        if (n.isMissingNode() || n.isNull()) return out;
        if (!n.isObject()) throw ApiException.badRequest("invalid Labels: must be an object of strings");
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw ApiException.badRequest("invalid Labels: the value of '" + e.getKey() + "' must be a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    private static void stopSignal(String s) {
        String t = s.toUpperCase(java.util.Locale.ROOT);
        if (!s.isEmpty() && !Set.of("SIGTERM", "TERM", "15").contains(t)) {
            throw refusedField("StopSignal", "stop sends SIGTERM, then SIGKILL at the timeout; leave it empty or"
                    + " SIGTERM");
        }
    }

    /** Docker's Healthcheck: Test {@code ["CMD", arg…]}, {@code ["CMD-SHELL", cmd]}, {@code ["NONE"]}. */
    static Optional<HealthCheck> health(JsonNode h) {
        if (h.isMissingNode() || h.isNull()) return Optional.empty();
        if (!h.isObject()) throw ApiException.badRequest("invalid Healthcheck: must be an object");
        List<String> test = strings(h, "Test");
        if (test.isEmpty() || test.get(0).equals("NONE")) return Optional.empty();
        String command = switch (test.get(0)) {
            case "CMD" -> {
                if (test.size() < 2) throw QuiltException.invalid("Test [\"CMD\"] needs a command after CMD");
                yield String.join(" ", test.subList(1, test.size()).stream().map(DockerCreate::quoted).toList());
            }
            case "CMD-SHELL" -> {
                if (test.size() != 2) throw QuiltException.invalid("Test [\"CMD-SHELL\", ...] takes one command");
                yield test.get(1);
            }
            default -> throw QuiltException.invalid("Test must start with CMD, CMD-SHELL or NONE, not '"
                    + test.get(0) + "'");
        };
        return Optional.of(new HealthCheck(command, nanos(h, "Interval", HealthCheck.DEFAULT_INTERVAL),
                nanos(h, "Timeout", HealthCheck.DEFAULT_TIMEOUT),
                nanos(h, "StartInterval", HealthCheck.DEFAULT_START_INTERVAL),
                (int) Math.min(Integer.MAX_VALUE, h.path("Retries").asLong(0) > 0 ? h.path("Retries").asLong()
                        : HealthCheck.DEFAULT_RETRIES)));
    }

    /** Docker's StartPeriod (ns) is how long the container may take to become healthy: the readiness deadline. */
    static ReadyPolicy ready(JsonNode h) {
        if (!h.isObject()) return ReadyPolicy.DEFAULT;
        Duration start = nanos(h, "StartPeriod", Duration.ZERO);
        return start.isZero() ? ReadyPolicy.DEFAULT : new ReadyPolicy(start, false);
    }

    private static Duration nanos(JsonNode h, String field, Duration zero) {
        JsonNode n = h.path(field);
        if (zero(n)) return zero;
        if (!n.isIntegralNumber() || n.asLong() < 0) {
            throw ApiException.badRequest("invalid Healthcheck." + field + ": must be a whole number of nanoseconds"
                    + " (0: the default)");
        }
        return Duration.ofNanos(n.asLong());
    }

    /** A word as {@code sh} reads it back: as is when plain, else in single quotes. */
    static String quoted(String s) {
        if (!s.isEmpty() && s.matches("[A-Za-z0-9_@%+=:,./-]+")) return s;
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /**
     * Memory, MemorySwap (bytes; 0: twice Memory, -1: unlimited swap), NanoCpus, CpuShares (0: none), PidsLimit
     * (null or 0: Quilt's default of {@link Resources#DEFAULT_PIDS}, -1: none); each refusal names its field.
     */
    static Resources resources(JsonNode host) {
        long memory = number(host, "Memory");
        long swap = number(host, "MemorySwap");
        long nanoCpus = number(host, "NanoCpus");
        long shares = number(host, "CpuShares");
        long pids = number(host, "PidsLimit");
        if (memory != 0 && memory < Resources.MIN_MEMORY) {
            throw ApiException.badRequest("invalid HostConfig.Memory: " + memory + " bytes is too small: a container"
                    + " needs at least " + Resources.MIN_MEMORY + " (6 MiB); 0 is no limit");
        }
        Optional<Long> mem = memory == 0 ? Optional.empty() : Optional.of(memory);
        Optional<Long> memSwap;
        if (swap == 0) {
            memSwap = mem.map(m -> m * 2);
        } else if (mem.isEmpty()) {
            throw ApiException.badRequest("invalid HostConfig.MemorySwap: it needs HostConfig.Memory as well");
        } else if (swap == -1) {
            memSwap = Optional.empty();
        } else if (swap < memory) {
            throw ApiException.badRequest("invalid HostConfig.MemorySwap: " + swap + " is less than HostConfig.Memory "
                    + memory + ": it counts memory and swap together (-1: unlimited swap)");
        } else {
            memSwap = Optional.of(swap);
        }
        if (nanoCpus < 0) throw ApiException.badRequest("invalid HostConfig.NanoCpus: must not be negative (0: no limit)");
        Optional<Cpus> cpus = nanoCpus == 0 ? Optional.empty() : Optional.of(cpusOf(nanoCpus));
        if (shares != 0 && (shares < Resources.MIN_SHARES || shares > Resources.MAX_SHARES)) {
            throw ApiException.badRequest("invalid HostConfig.CpuShares: must be " + Resources.MIN_SHARES + " to "
                    + Resources.MAX_SHARES + " (0: none), not " + shares);
        }
        if (pids < -1) throw ApiException.badRequest("invalid HostConfig.PidsLimit: must be at least 1, or -1 for no limit");
        Optional<Long> pidsLimit = pids == 0 ? Optional.of(Resources.DEFAULT_PIDS)
                : pids < 0 ? Optional.empty() : Optional.of(pids);
        return new Resources(mem, memSwap, cpus, shares == 0 ? Optional.empty() : Optional.of((int) shares),
                pidsLimit);
    }

    /** NanoCpus as a CFS quota over docker's 100 ms period; under 0.01 CPU is refused as the kernel refuses it. */
    static Cpus cpusOf(long nanoCpus) {
        // nanoCpus * 100000 / 1e9 without overflow: the quota is nanoCpus / 10000
        long quota = nanoCpus / (1_000_000_000L / PERIOD_MICROS);
        if (quota < Cpus.MIN_QUOTA) {
            throw ApiException.badRequest("invalid HostConfig.NanoCpus: must be at least 10000000 (0.01 CPU), not "
                    + nanoCpus);
        }
        return new Cpus(quota, PERIOD_MICROS);
    }

    private static long number(JsonNode parent, String field) {
        JsonNode n = parent.path(field);
        if (n.isMissingNode() || n.isNull()) return 0;
        if (!n.isIntegralNumber()) throw ApiException.badRequest("invalid HostConfig." + field + ": must be an integer");
        return n.asLong();
    }

    /** {@code [{"Name": "nofile", "Soft": 1024, "Hard": 2048}]} as {@code nofile=1024:2048}. */
    static List<String> ulimits(JsonNode host) {
        List<String> out = new ArrayList<>();
        JsonNode n = host.path("Ulimits");
        if (zero(n)) return out;
        if (!n.isArray()) throw ApiException.badRequest("invalid HostConfig.Ulimits: must be a list");
        for (JsonNode u : n) {
            if (!u.path("Name").isTextual() || !u.path("Soft").isIntegralNumber() || !u.path("Hard").isIntegralNumber()) {
                throw ApiException.badRequest("invalid HostConfig.Ulimits: each is {\"Name\": ..., \"Soft\": N,"
                        + " \"Hard\": N}");
            }
            out.add(u.path("Name").asText() + "=" + u.path("Soft").asLong() + ":" + u.path("Hard").asLong());
        }
        return out;
    }

    static List<String> sysctls(JsonNode host) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : stringMap(host, "Sysctls").entrySet()) out.add(e.getKey() + "=" + e.getValue());
        return out;
    }

    /** {@code {"/run": "rw,size=64m"}} as {@code /run:rw,size=64m}. */
    static List<String> tmpfs(JsonNode host) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : stringMap(host, "Tmpfs").entrySet()) {
            out.add(e.getValue().isEmpty() ? e.getKey() : e.getKey() + ":" + e.getValue());
        }
        return out;
    }

    /** {@code [{"PathOnHost", "PathInContainer", "CgroupPermissions"}]} as {@code HOST:CTR:PERMS}. */
    static List<String> devices(JsonNode host) {
        List<String> out = new ArrayList<>();
        JsonNode n = host.path("Devices");
        if (zero(n)) return out;
        if (!n.isArray()) throw ApiException.badRequest("invalid HostConfig.Devices: must be a list");
        for (JsonNode d : n) {
            String onHost = text(d, "PathOnHost");
            if (onHost.isEmpty()) throw ApiException.badRequest("invalid HostConfig.Devices: PathOnHost is required");
            String inCtr = text(d, "PathInContainer");
            String perms = text(d, "CgroupPermissions");
            out.add(onHost + ":" + (inCtr.isEmpty() ? onHost : inCtr) + ":" + (perms.isEmpty() ? "rwm" : perms));
        }
        return out;
    }

    private static Map<String, String> stringMap(JsonNode parent, String field) {
        JsonNode n = parent.path(field);
        Map<String, String> out = new LinkedHashMap<>();
        if (zero(n)) return out;
        if (!n.isObject()) throw ApiException.badRequest("invalid HostConfig." + field + ": must be an object of strings");
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual() && !e.getValue().isNull()) {
                throw ApiException.badRequest("invalid HostConfig." + field + ": the value of '" + e.getKey()
                        + "' must be a string");
            }
            out.put(e.getKey(), e.getValue().isNull() ? "" : e.getValue().asText());
        }
        return out;
    }
}
