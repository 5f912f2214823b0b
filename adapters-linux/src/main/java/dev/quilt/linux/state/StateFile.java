package dev.quilt.linux.state;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.LogLimit;
import dev.quilt.domain.Cpus;
import dev.quilt.domain.Digest;
import dev.quilt.domain.Endpoint;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.Health;
import dev.quilt.domain.HealthCheck;
import dev.quilt.domain.HealthResult;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.Ipv4Address;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.RootFs;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.Phase;
import dev.quilt.domain.PhaseMark;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.Readiness;
import dev.quilt.domain.ReadyPolicy;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static dev.quilt.linux.JsonCodec.number;
import static dev.quilt.linux.JsonCodec.object;
import static dev.quilt.linux.JsonCodec.optLong;
import static dev.quilt.linux.JsonCodec.optString;
import static dev.quilt.linux.JsonCodec.string;
import static dev.quilt.linux.JsonCodec.strings;

/**
 * state.json: a container's record as it lies on disk. Field names follow the
 * OCI state where there is one (id, status, pid); unknown fields are ignored,
 * so an older Quilt can read a newer file.
 */
final class StateFile {
    static final int VERSION = 1;

    private StateFile() {}

    static Map<String, Object> toMap(Container c) {
        ProcessSpec p = c.spec().process();
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("args", p.args());
        spec.put("env", p.env());
        spec.put("cwd", p.cwd());
        spec.put("uid", p.user().uid());
        spec.put("gid", p.user().gid());
        switch (c.spec().root()) {
            case RootFs.Image i -> spec.put("image", i.digest().value());
            case RootFs.Directory d -> spec.put("rootfs", d.path());
        }
        spec.put("hostname", c.spec().hostname().value());
        spec.put("namespaces", c.spec().namespaces().stream().map(Namespace::ociName).sorted().toList());
        spec.put("stdinOpen", c.spec().stdinOpen());
        spec.put("init", c.spec().init());
        spec.put("network", c.spec().network().word());
        spec.put("resources", resources(c.spec().resources()));
        c.spec().health().ifPresent(h -> spec.put("healthCheck", healthCheck(h)));
        spec.put("readyTimeoutNanos", c.spec().ready().timeout().toNanos());
        spec.put("keepOnFailure", c.spec().ready().keepOnFailure());
        spec.put("logMaxSize", c.spec().log().maxBytes());
        spec.put("security", SecurityRecord.toMap(c.spec().security()));
        c.spec().bundle().ifPresent(b -> spec.put("bundle", BundleRecord.toMap(b)));
        if (!c.spec().labels().isEmpty()) spec.put("labels", new LinkedHashMap<>(c.spec().labels()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", VERSION);
        m.put("id", c.id().value());
        m.put("name", c.name().map(ContainerName::value).orElse(null));
        m.put("status", c.status().word());
        m.put("pid", c.init().map(ProcessRef::pid).orElse(null));
        m.put("pidStartTime", c.init().map(ProcessRef::startTime).orElse(null));
        m.put("monitorPid", c.monitor().map(ProcessRef::pid).orElse(null));
        m.put("monitorStartTime", c.monitor().map(ProcessRef::startTime).orElse(null));
        m.put("autoRemove", c.autoRemove());
        m.put("created", c.createdAt().toString());
        m.put("started", c.startedAt().map(Instant::toString).orElse(null));
        m.put("exitCode", c.exit().map(ExitStatus::code).orElse(null));
        m.put("exitSignal", c.exit().map(ExitStatus::signal).orElse(null));
        m.put("exited", c.exitedAt().map(Instant::toString).orElse(null));
        m.put("spec", spec);
        c.endpoint().ifPresent(e -> {
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("bridge", e.bridge());
            n.put("address", e.address().toString());
            n.put("prefix", e.prefix());
            n.put("gateway", e.gateway().toString());
            n.put("mac", e.mac());
            n.put("hostLink", e.hostLink());
            m.put("endpoint", n);
        });
        m.put("readiness", c.readiness().marks().stream().map(StateFile::mark).toList());
        if (c.restartCount() > 0) m.put("restartCount", c.restartCount());
        c.health().ifPresent(h -> m.put("health", health(h)));
        return m;
    }

    /**
     * The record in {@code m}; an IOException whose message is one line saying
     * what is missing or wrong ({@code field 'spec' is missing or not an object})
     * for anything else, never a Java exception's text.
     */
    static Container fromMap(Map<String, Object> m) throws IOException {
        try {
            return parse(m);
        } catch (dev.quilt.domain.QuiltException | IllegalArgumentException e) {
            // a value the domain refuses; its message names it
            throw new IOException(String.valueOf(e.getMessage()).replace('\n', ' '), e);
        } catch (RuntimeException e) {
            throw new IOException("holds a value quilt cannot use", e);
        }
    }

    private static Container parse(Map<String, Object> m) throws IOException {
        Map<String, Object> s = object(m, "spec");
        EnumSet<Namespace> ns = EnumSet.noneOf(Namespace.class);
        for (String n : strings(s, "namespaces")) {
            for (Namespace candidate : Namespace.values()) if (candidate.ociName().equals(n)) ns.add(candidate);
        }
        ContainerSpec spec = new ContainerSpec(new ProcessSpec(strings(s, "args"), strings(s, "env"), string(s, "cwd"),
                new User((int) number(s, "uid"), (int) number(s, "gid")), false), root(s),
                new Hostname(string(s, "hostname")), ns, Boolean.TRUE.equals(s.get("stdinOpen")),
                Boolean.TRUE.equals(s.get("init")),
                s.get("network") instanceof String n ? NetworkMode.parse(n) : NetworkMode.NONE, resources(s),
                healthCheck(s), readyPolicy(s), logLimit(s), SecurityRecord.fromSpec(s),
                BundleRecord.fromSpec(s), labels(s));
        Long pid = optLong(m, "pid");
        Long start = optLong(m, "pidStartTime");
        Long monitorPid = optLong(m, "monitorPid");
        Long monitorStart = optLong(m, "monitorStartTime");
        Long code = optLong(m, "exitCode");
        Long signal = optLong(m, "exitSignal");
        Optional<ExitStatus> exit = Optional.ofNullable(code).map(c -> signal != null && signal > 0
                ? ExitStatus.killedBy(signal.intValue()) : ExitStatus.exited(c.intValue()));
        return new Container(ContainerId.of(string(m, "id")), Optional.ofNullable(optString(m, "name")).map(ContainerName::of),
                spec, status(m),
                pid == null ? Optional.empty() : Optional.of(new ProcessRef(pid.intValue(), start == null ? 0 : start)),
                monitorPid == null ? Optional.empty()
                        : Optional.of(new ProcessRef(monitorPid.intValue(), monitorStart == null ? 0 : monitorStart)),
                instant(m, "created"), optInstant(m, "started"), exit, optInstant(m, "exited"),
                Boolean.TRUE.equals(m.get("autoRemove")), endpoint(m), readiness(m), health(m),
                restartCount(m));
    }

    /** How many times it was started again; absent (older records, or never) is 0. */
    private static int restartCount(Map<String, Object> m) throws IOException {
        Long n = optLong(m, "restartCount");
        if (n == null) return 0;
        if (n < 0 || n > Integer.MAX_VALUE) throw new IOException("field 'restartCount' is " + n + ", not a count");
        return n.intValue();
    }

    private static Status status(Map<String, Object> m) throws IOException {
        String word = string(m, "status");
        for (Status s : Status.values()) if (s.word().equals(word.toLowerCase(Locale.ROOT))) return s;
        throw new IOException("field 'status' is '" + clip(word) + "', not one of creating, created, running, stopped");
    }

    private static Instant instant(Map<String, Object> m, String key) throws IOException {
        String text = string(m, key);
        try {
            return Instant.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IOException("field '" + key + "' is '" + clip(text) + "', not a time like 2026-01-01T00:00:00Z", e);
        }
    }

    private static Optional<Instant> optInstant(Map<String, Object> m, String key) throws IOException {
        return m.get(key) == null ? Optional.empty() : Optional.of(instant(m, key));
    }

    /** A value as an error message quotes it: printable, and short. */
    private static String clip(String s) {
        String shown = s.length() > 40 ? s.substring(0, 40) + "..." : s;
        return shown.codePoints().map(c -> c < 0x20 || c == 0x7f ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }

    private static Map<String, Object> healthCheck(HealthCheck h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("command", h.command());
        m.put("intervalNanos", h.interval().toNanos());
        m.put("timeoutNanos", h.timeout().toNanos());
        m.put("startIntervalNanos", h.startInterval().toNanos());
        m.put("retries", h.retries());
        return m;
    }

    /** The user's labels: an object of strings, in order; absent (older records) is none. */
    private static Map<String, String> labels(Map<String, Object> s) {
        Object v = s.get("labels");
        if (v == null) return Map.of();
        if (!(v instanceof Map<?, ?> map)) throw new IllegalArgumentException("spec.labels is not an object");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getValue() instanceof String value)) {
                throw new IllegalArgumentException("spec.labels." + e.getKey() + " is not a string");
            }
            out.put(String.valueOf(e.getKey()), value);
        }
        return out;
    }

    /** An image's digest ({@code image}) or a bundle's rootfs directory ({@code rootfs}). */
    private static RootFs root(Map<String, Object> spec) throws IOException {
        if (spec.get("rootfs") instanceof String dir) return new RootFs.Directory(dir);
        return new RootFs.Image(new Digest(string(spec, "image")));
    }

    private static Optional<HealthCheck> healthCheck(Map<String, Object> spec) throws IOException {
        if (!(spec.get("healthCheck") instanceof Map<?, ?>)) return Optional.empty();
        Map<String, Object> h = object(spec, "healthCheck");
        return Optional.of(new HealthCheck(string(h, "command"), Duration.ofNanos(number(h, "intervalNanos")),
                Duration.ofNanos(number(h, "timeoutNanos")), Duration.ofNanos(number(h, "startIntervalNanos")),
                (int) number(h, "retries")));
    }

    /** A record from before log caps existed had the default one. */
    private static LogLimit logLimit(Map<String, Object> spec) {
        Long max = optLong(spec, "logMaxSize");
        return max == null ? LogLimit.DEFAULT : new LogLimit(max);
    }

    /** A record from before readiness existed had the default policy. */
    private static ReadyPolicy readyPolicy(Map<String, Object> spec) {
        Long timeout = optLong(spec, "readyTimeoutNanos");
        return new ReadyPolicy(timeout == null ? ReadyPolicy.DEFAULT_TIMEOUT : Duration.ofNanos(timeout),
                Boolean.TRUE.equals(spec.get("keepOnFailure")));
    }

    private static Map<String, Object> mark(PhaseMark p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("phase", p.phase().word());
        m.put("at", p.at().toString());
        m.put("tookNanos", p.took().toNanos());
        m.put("skipped", p.skipped());
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Readiness readiness(Map<String, Object> m) throws IOException {
        if (!(m.get("readiness") instanceof List<?> list)) return Readiness.NONE;
        List<PhaseMark> marks = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof Map<?, ?>)) throw new IOException("readiness holds a " + o + ", not a phase");
            Map<String, Object> p = (Map<String, Object>) o;
            try {
                marks.add(new PhaseMark(Phase.parse(string(p, "phase")), instant(p, "at"),
                        Duration.ofNanos(number(p, "tookNanos")), Boolean.TRUE.equals(p.get("skipped"))));
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        try {
            return new Readiness(marks);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static Map<String, Object> health(Health h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", h.status().word());
        m.put("failingStreak", h.failingStreak());
        h.last().ifPresent(r -> {
            Map<String, Object> last = new LinkedHashMap<>();
            last.put("exitCode", r.exit().code());
            last.put("exitSignal", r.exit().signal());
            last.put("timedOut", r.timedOut());
            last.put("output", r.output());
            last.put("start", r.start().toString());
            last.put("end", r.end().toString());
            m.put("last", last);
        });
        return m;
    }

    private static Optional<Health> health(Map<String, Object> m) throws IOException {
        if (!(m.get("health") instanceof Map<?, ?>)) return Optional.empty();
        Map<String, Object> h = object(m, "health");
        Optional<HealthResult> last = Optional.empty();
        if (h.get("last") instanceof Map<?, ?>) {
            Map<String, Object> r = object(h, "last");
            long signal = number(r, "exitSignal");
            last = Optional.of(new HealthResult(signal > 0 ? ExitStatus.killedBy((int) signal)
                    : ExitStatus.exited((int) number(r, "exitCode")), Boolean.TRUE.equals(r.get("timedOut")),
                    string(r, "output"), instant(r, "start"), instant(r, "end")));
        }
        try {
            return Optional.of(new Health(Health.Status.parse(string(h, "status")), (int) number(h, "failingStreak"), last));
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** Limits as bytes, microseconds and counts; null is no limit. */
    private static Map<String, Object> resources(Resources r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("memory", r.memory().orElse(null));
        m.put("memorySwap", r.memorySwap().orElse(null));
        m.put("cpuQuota", r.cpus().map(Cpus::quotaMicros).orElse(null));
        m.put("cpuPeriod", r.cpus().map(Cpus::periodMicros).orElse(null));
        m.put("cpuShares", r.cpuShares().orElse(null));
        m.put("pids", r.pids().orElse(null));
        return m;
    }

    /** A record from before limits existed had none. */
    private static Resources resources(Map<String, Object> spec) throws IOException {
        if (!(spec.get("resources") instanceof Map<?, ?>)) return Resources.UNLIMITED;
        Map<String, Object> m = object(spec, "resources");
        Long quota = optLong(m, "cpuQuota");
        Long period = optLong(m, "cpuPeriod");
        Long shares = optLong(m, "cpuShares");
        return new Resources(Optional.ofNullable(optLong(m, "memory")), Optional.ofNullable(optLong(m, "memorySwap")),
                quota == null ? Optional.empty() : Optional.of(new Cpus(quota, period == null ? Cpus.PERIOD : period)),
                Optional.ofNullable(shares).map(Long::intValue), Optional.ofNullable(optLong(m, "pids")));
    }

    private static Optional<Endpoint> endpoint(Map<String, Object> m) throws IOException {
        if (!(m.get("endpoint") instanceof Map<?, ?>)) return Optional.empty();
        Map<String, Object> n = object(m, "endpoint");
        return Optional.of(new Endpoint(string(n, "bridge"), Ipv4Address.parse(string(n, "address")),
                (int) number(n, "prefix"), Ipv4Address.parse(string(n, "gateway")), string(n, "mac"),
                string(n, "hostLink")));
    }
}
