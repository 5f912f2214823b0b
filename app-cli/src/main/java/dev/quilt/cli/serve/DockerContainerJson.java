package dev.quilt.cli.serve;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Capability;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Cpus;
import dev.quilt.domain.Endpoint;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.Health;
import dev.quilt.domain.HealthCheck;
import dev.quilt.domain.HealthResult;
import dev.quilt.domain.MountSpec;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.PhaseMark;
import dev.quilt.domain.RecordedExit;
import dev.quilt.domain.RootFs;
import dev.quilt.domain.Status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A container in the Engine API's shapes (API 1.41): {@link #inspect} is {@code GET /containers/{id}/json}'s
 * ContainerInspectResponse, {@link #summary} one item of {@code GET /containers/json}. Quilt's statuses are
 * docker's words ({@link #state}); {@code Quilt} in inspect holds the readiness phases with their timings, as
 * {@code quilt inspect} has them, and {@code Ready}. Times are RFC 3339 with nanoseconds (inspect) and unix
 * seconds (list); a time that never came is docker's zero time, {@code 0001-01-01T00:00:00Z}.
 */
public final class DockerContainerJson {
    static final String ZERO_TIME = "0001-01-01T00:00:00Z";

    private DockerContainerJson() {}

    /** What the container shows about its image: the name it is known by (else its ID) and its ID. */
    public record ImageRef(String name, String id) {}

    /** Docker's word for the status: created, running, paused, exited (a crashed create is dead). */
    static String state(Container c) {
        return switch (c.status()) {
            case CREATING -> c.monitor().isPresent() ? "created" : "dead";
            case CREATED -> "created";
            case RUNNING -> "running";
            case PAUSED -> "paused";
            case STOPPED -> "exited";
        };
    }

    /** The ID of a container's image, or of its rootfs directory (an OCI bundle's), for the API. */
    static String imageId(Container c) {
        return c.spec().root() instanceof RootFs.Image i ? i.digest().value() : "";
    }

    public static Map<String, Object> inspect(Container c, Optional<RecordedExit> recorded, ImageRef image) {
        ContainerSpec s = c.spec();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", c.id().value());
        m.put("Created", c.createdAt().toString());
        List<String> args = s.process().args();
        m.put("Path", args.isEmpty() ? "quilt-init" : args.get(0));
        m.put("Args", args.isEmpty() ? List.of() : args.subList(1, args.size()));
        m.put("State", stateJson(c, recorded));
        m.put("Image", image.id());
        m.put("ResolvConfPath", "");
        m.put("HostnamePath", "");
        m.put("HostsPath", "");
        m.put("LogPath", "");
        m.put("Name", "/" + c.name().map(Object::toString).orElse(c.id().value()));
        m.put("RestartCount", c.restartCount());
        m.put("Driver", "overlay2");
        m.put("Platform", "linux");
        m.put("MountLabel", "");
        m.put("ProcessLabel", "");
        m.put("AppArmorProfile", "");
        m.put("ExecIDs", null);
        m.put("HostConfig", hostConfig(c));
        m.put("GraphDriver", Map.of("Name", "overlay2", "Data", Map.of()));
        m.put("Mounts", mounts(s));
        m.put("Config", config(c, image));
        m.put("NetworkSettings", networkSettings(c));
        m.put("Quilt", quilt(c));
        return m;
    }

    private static Map<String, Object> stateJson(Container c, Optional<RecordedExit> recorded) {
        Map<String, Object> st = new LinkedHashMap<>();
        String word = state(c);
        st.put("Status", word);
        st.put("Running", c.status() == Status.RUNNING || c.status() == Status.PAUSED);
        st.put("Paused", c.status() == Status.PAUSED);
        st.put("Restarting", false);
        st.put("OOMKilled", recorded.map(RecordedExit::oomKilled).orElse(false));
        st.put("Dead", word.equals("dead"));
        st.put("Pid", c.status().isLive() && c.status() != Status.CREATED ? c.init().map(p -> p.pid()).orElse(0) : 0);
        st.put("ExitCode", c.exit().map(DockerContainerJson::exitCode).orElse(0));
        st.put("Error", recorded.flatMap(RecordedExit::error).orElse(""));
        st.put("StartedAt", c.startedAt().map(Instant::toString).orElse(ZERO_TIME));
        st.put("FinishedAt", c.exitedAt().map(Instant::toString).orElse(ZERO_TIME));
        health(c).ifPresent(h -> st.put("Health", h));
        return st;
    }

    /** docker's exit code: the code, which is 128 + the signal for a process a signal ended. */
    static int exitCode(ExitStatus e) {
        return e.code();
    }

    private static Optional<Map<String, Object>> health(Container c) {
        if (c.spec().health().isEmpty()) return Optional.empty();
        Health now = c.health().orElse(Health.STARTING);
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("Status", now.status().word());
        h.put("FailingStreak", now.failingStreak());
        List<Map<String, Object>> log = new ArrayList<>();
        now.last().ifPresent(r -> log.add(healthLog(r)));
        h.put("Log", log);
        return Optional.of(h);
    }

    private static Map<String, Object> healthLog(HealthResult r) {
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("Start", r.start().toString());
        l.put("End", r.end().toString());
        l.put("ExitCode", r.timedOut() ? -1 : exitCode(r.exit()));
        l.put("Output", r.output());
        return l;
    }

    private static Map<String, Object> hostConfig(Container c) {
        ContainerSpec s = c.spec();
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("NetworkMode", networkName(s.network()));
        h.put("AutoRemove", c.autoRemove());
        h.put("Init", s.init());
        h.put("Privileged", s.security().privileged());
        h.put("ReadonlyRootfs", s.security().readonlyRootfs());
        h.put("Memory", s.resources().memory().orElse(0L));
        h.put("MemorySwap", s.resources().memory().isEmpty() ? 0L : s.resources().memorySwap().orElse(-1L));
        h.put("NanoCpus", s.resources().cpus().map(DockerContainerJson::nanoCpus).orElse(0L));
        // the same limit as the CFS pair it is kept as (the record does not say which form it was given in); the keys
        // are there either way, as dockerd's, so a client's template of {{.HostConfig.CpuQuota}} finds them
        h.put("CpuQuota", s.resources().cpus().map(dev.quilt.domain.Cpus::quotaMicros).orElse(0L));
        h.put("CpuPeriod", s.resources().cpus().map(dev.quilt.domain.Cpus::periodMicros).orElse(0L));
        h.put("CpuShares", s.resources().cpuShares().orElse(0));
        h.put("PidsLimit", s.resources().pids().orElse(-1L));
        List<String> binds = new ArrayList<>();
        Map<String, String> tmpfs = new LinkedHashMap<>();
        for (MountSpec mount : s.security().mounts()) {
            if (mount.type().equals("bind")) {
                binds.add(mount.source() + ":" + mount.destination() + (mount.options().contains("ro") ? ":ro" : ""));
            } else if (mount.type().equals("tmpfs")) {
                tmpfs.put(mount.destination(), String.join(",", mount.options()));
            }
        }
        h.put("Binds", binds);
        h.put("Tmpfs", tmpfs);
        Set<Capability> bounding = s.security().capabilities().bounding();
        Set<Capability> defaults = Capabilities.DEFAULT.bounding();
        List<String> add = new ArrayList<>(), drop = new ArrayList<>();
        if (!s.security().privileged()) {
            for (Capability cap : EnumSet.allOf(Capability.class)) {
                if (bounding.contains(cap) && !defaults.contains(cap)) add.add(cap.ociName().substring(4));
                if (!bounding.contains(cap) && defaults.contains(cap)) drop.add(cap.ociName().substring(4));
            }
        }
        h.put("CapAdd", add);
        h.put("CapDrop", drop);
        h.put("GroupAdd", s.security().additionalGids().stream().map(String::valueOf).toList());
        h.put("Sysctls", s.security().sysctls());
        h.put("Ulimits", s.security().rlimits().stream().map(r -> Map.of("Name", r.type().replaceFirst("^RLIMIT_", "")
                .toLowerCase(java.util.Locale.ROOT), "Soft", r.soft(), "Hard", r.hard())).toList());
        h.put("RestartPolicy", Map.of("Name", "no", "MaximumRetryCount", 0));
        h.put("LogConfig", Map.of("Type", "json-file", "Config", Map.of()));
        h.put("PortBindings", Map.of());
        return h;
    }

    /** A CFS quota as docker's NanoCpus: quota / period × 1e9. */
    static long nanoCpus(Cpus c) {
        return c.quotaMicros() * (1_000_000_000L / c.periodMicros());
    }

    static String networkName(NetworkMode mode) {
        return mode == NetworkMode.BRIDGE ? "bridge" : mode.word();
    }

    private static List<Map<String, Object>> mounts(ContainerSpec s) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (MountSpec mount : s.security().mounts()) {
            if (!mount.type().equals("bind") && !mount.type().equals("tmpfs")) continue;
            Map<String, Object> m = new LinkedHashMap<>();
            boolean ro = mount.options().contains("ro");
            m.put("Type", mount.type());
            m.put("Source", mount.type().equals("bind") ? mount.source() : "");
            m.put("Destination", mount.destination());
            m.put("Mode", ro ? "ro" : "");
            m.put("RW", !ro);
            m.put("Propagation", mount.type().equals("bind") ? "rprivate" : "");
            out.add(m);
        }
        return out;
    }

    private static Map<String, Object> config(Container c, ImageRef image) {
        ContainerSpec s = c.spec();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Hostname", s.hostname().value());
        m.put("Domainname", "");
        m.put("User", s.process().user().uid() == 0 && s.process().user().gid() == 0 ? ""
                : s.process().user().uid() + ":" + s.process().user().gid());
        m.put("AttachStdin", false);
        m.put("AttachStdout", false);
        m.put("AttachStderr", false);
        m.put("Tty", false);
        m.put("OpenStdin", s.stdinOpen());
        m.put("StdinOnce", false);
        m.put("Env", s.process().env());
        m.put("Cmd", s.process().args());
        m.put("Entrypoint", null);
        m.put("Image", image.name());
        m.put("Volumes", null);
        m.put("WorkingDir", s.process().cwd());
        m.put("Labels", s.labels());
        m.put("StopSignal", "SIGTERM");
        s.health().ifPresent(h -> m.put("Healthcheck", healthcheck(h, s)));
        return m;
    }

    private static Map<String, Object> healthcheck(HealthCheck h, ContainerSpec s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Test", List.of("CMD-SHELL", h.command()));
        m.put("Interval", h.interval().toNanos());
        m.put("Timeout", h.timeout().toNanos());
        m.put("StartPeriod", s.ready().timeout().toNanos());
        m.put("StartInterval", h.startInterval().toNanos());
        m.put("Retries", h.retries());
        return m;
    }

    private static Map<String, Object> networkSettings(Container c) {
        Optional<Endpoint> e = c.endpoint().filter(x -> c.status() != Status.STOPPED);
        Map<String, Object> n = new LinkedHashMap<>();
        n.put("Bridge", e.map(Endpoint::bridge).orElse(""));
        n.put("SandboxID", "");
        n.put("Ports", Map.of());
        n.put("SandboxKey", "");
        n.put("EndpointID", e.map(Endpoint::hostLink).orElse(""));
        n.put("Gateway", e.map(x -> x.gateway().toString()).orElse(""));
        n.put("IPAddress", e.map(x -> x.address().toString()).orElse(""));
        n.put("IPPrefixLen", e.map(Endpoint::prefix).orElse(0));
        n.put("MacAddress", e.map(Endpoint::mac).orElse(""));
        n.put("Networks", networks(c));
        return n;
    }

    /** {@code {"bridge": {IPAddress…}}} (or {@code none}, {@code host}, with empty addresses). */
    static Map<String, Object> networks(Container c) {
        Optional<Endpoint> e = c.endpoint().filter(x -> c.status() != Status.STOPPED);
        Map<String, Object> one = new LinkedHashMap<>();
        one.put("NetworkID", c.spec().network() == NetworkMode.BRIDGE ? c.endpoint().map(Endpoint::bridge).orElse("")
                : c.spec().network().word());
        one.put("EndpointID", e.map(Endpoint::hostLink).orElse(""));
        one.put("Gateway", e.map(x -> x.gateway().toString()).orElse(""));
        one.put("IPAddress", e.map(x -> x.address().toString()).orElse(""));
        one.put("IPPrefixLen", e.map(Endpoint::prefix).orElse(0));
        one.put("MacAddress", e.map(Endpoint::mac).orElse(""));
        one.put("Aliases", null);
        return Map.of(networkName(c.spec().network()), one);
    }

    /** Quilt's own: each readiness phase with when it held and how long its work took, and whether all hold. */
    private static Map<String, Object> quilt(Container c) {
        Map<String, Object> q = new LinkedHashMap<>();
        List<Map<String, Object>> phases = new ArrayList<>();
        for (PhaseMark p : c.readiness().marks()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Phase", p.phase().word());
            m.put("At", p.at().toString());
            m.put("Millis", p.took().toNanos() / 1e6);
            m.put("Skipped", p.skipped());
            phases.add(m);
        }
        q.put("Phases", phases);
        q.put("Ready", c.readiness().next().isEmpty());
        // issue 16: which path a persisted create took and why
        dev.quilt.domain.Restored.of(c.spec().labels()).ifPresent(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            r.from().ifPresent(f -> m.put("From", f));
            m.put("Path", r.path().word());
            m.put("Reason", r.reason());
            q.put("Restored", m);
        });
        return q;
    }

    /** One item of {@code GET /containers/json}. */
    public static Map<String, Object> summary(Container c, ImageRef image, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", c.id().value());
        m.put("Names", List.of("/" + c.name().map(Object::toString).orElse(c.id().value())));
        m.put("Image", image.name());
        m.put("ImageID", image.id());
        m.put("Command", String.join(" ", c.spec().process().args()));
        m.put("Created", c.createdAt().getEpochSecond());
        m.put("Ports", List.of());
        m.put("Labels", c.spec().labels());
        m.put("State", state(c));
        m.put("Status", status(c, now));
        m.put("SizeRw", 0);
        m.put("SizeRootFs", 0);
        m.put("HostConfig", Map.of("NetworkMode", networkName(c.spec().network())));
        m.put("NetworkSettings", Map.of("Networks", networks(c)));
        m.put("Mounts", mounts(c.spec()));
        return m;
    }

    /** docker ps's status: "Up 3 seconds", "Up 2 minutes (Paused)", "Exited (0) 5 seconds ago", "Created". */
    static String status(Container c, Instant now) {
        return switch (c.status()) {
            case CREATING, CREATED -> state(c).equals("dead") ? "Dead" : "Created";
            case RUNNING, PAUSED -> "Up " + humanDuration(Duration.between(c.startedAt().orElse(c.createdAt()), now))
                    + (c.status() == Status.PAUSED ? " (Paused)" : healthSuffix(c));
            case STOPPED -> "Exited (" + c.exit().map(DockerContainerJson::exitCode).orElse(-1) + ") "
                    + humanDuration(Duration.between(c.exitedAt().orElse(c.createdAt()), now)) + " ago";
        };
    }

    private static String healthSuffix(Container c) {
        if (c.spec().health().isEmpty()) return "";
        String w = c.health().orElse(Health.STARTING).status().word();
        return w.equals("starting") ? " (health: starting)" : " (" + w + ")";
    }

    /** docker's go-units HumanDuration: "Less than a second", "3 seconds", "About a minute", "5 hours"… */
    static String humanDuration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 1) return "Less than a second";
        if (s == 1) return "1 second";
        if (s < 60) return s + " seconds";
        long min = s / 60;
        if (min == 1) return "About a minute";
        if (min < 60) return min + " minutes";
        long h = Math.round(s / 3600.0);
        if (h == 1) return "About an hour";
        if (h < 48) return h + " hours";
        if (h < 24 * 7 * 2) return h / 24 + " days";
        if (h < 24 * 30 * 2) return h / 24 / 7 + " weeks";
        if (h < 24 * 365 * 2) return h / 24 / 30 + " months";
        return h / 24 / 365 + " years";
    }
}
