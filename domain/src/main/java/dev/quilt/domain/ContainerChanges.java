package dev.quilt.domain;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The events docker would have sent for a container whose record went from one reading to the next (Engine API
 * 1.41, "Monitor events", type {@code container}): {@code create}, {@code start}, {@code pause}, {@code unpause},
 * {@code oom}, {@code die} (attribute {@code exitCode}, and {@code oomKilled=true} when so), {@code destroy},
 * {@code health_status: healthy|unhealthy}. Each carries the attributes docker gives: the container's labels, then
 * {@code image} and {@code name}. Readings are compared, never replayed: what happened between two readings and
 * left no trace (a container made and removed in between) gives nothing, and nothing is invented for a first reading
 * beyond what it shows.
 */
public final class ContainerChanges {
    private ContainerChanges() {}

    /**
     * What the watcher keeps of one reading of a container: its status, whether it ever started, its exit and
     * health. {@code image} as the record names it (the image digest, or the bundle's rootfs directory).
     */
    public record Seen(ContainerId id, String name, String image, Map<String, String> labels, Status status,
                       Optional<java.time.Instant> startedAt, Optional<ExitStatus> exit, boolean oomKilled,
                       Optional<Health.Status> health) {
        public Seen {
            labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        }

        /** The reading of {@code c} (as observed now); {@code oomKilled} as its monitor recorded it. */
        public static Seen of(Container c, boolean oomKilled) {
            return new Seen(c.id(), c.displayName(), c.spec().root().describe(), c.spec().labels(), c.status(),
                    c.startedAt(), c.exit(), oomKilled, c.health().map(Health::status));
        }

        /** The attributes of its events: its labels, {@code image}, {@code name}. */
        public Map<String, String> attributes() {
            Map<String, String> a = new LinkedHashMap<>(labels);
            a.put("image", image);
            a.put("name", name);
            return a;
        }
    }

    /** One event: docker's action and attributes, for container {@code id}. */
    public record Change(String action, ContainerId id, Map<String, String> attributes) {
        public Change {
            attributes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        }
    }

    /** The events between two readings of one container; empty {@code before}: it was new, empty {@code after}: gone. */
    public static List<Change> between(Optional<Seen> before, Optional<Seen> after) {
        List<Change> out = new ArrayList<>();
        if (before.isEmpty() && after.isEmpty()) return out;
        if (after.isEmpty()) {
            Seen b = before.get();
            if (b.status().isLive() && b.startedAt().isPresent()) out.add(die(b, Optional.empty(), false));
            out.add(new Change("destroy", b.id(), b.attributes()));
            return out;
        }
        Seen a = after.get();
        Status from;
        boolean startedBefore;
        if (before.isEmpty()) {
            out.add(new Change("create", a.id(), a.attributes()));
            from = Status.CREATED;
            startedBefore = false;
        } else {
            from = before.get().status();
            startedBefore = before.get().startedAt().isPresent();
        }
        // a stopped container that runs again (a status never goes back on its own: a start of it anew); the
        // start time alone is no sign, as a reading made while a start is being recorded may lack it
        boolean restarted = from == Status.STOPPED && a.status().isLive() && a.startedAt().isPresent();
        boolean startedNow = a.startedAt().isPresent() && (!startedBefore || restarted);
        if (startedNow) {
            out.add(new Change("start", a.id(), a.attributes()));
            from = Status.RUNNING;
        }
        if (a.status() == Status.PAUSED && from != Status.PAUSED && from.isLive()) {
            out.add(new Change("pause", a.id(), a.attributes()));
        }
        if (a.status() == Status.RUNNING && from == Status.PAUSED) {
            out.add(new Change("unpause", a.id(), a.attributes()));
        }
        if (a.status() == Status.STOPPED && (from != Status.STOPPED || restarted) && a.startedAt().isPresent()) {
            if (a.oomKilled()) out.add(new Change("oom", a.id(), a.attributes()));
            out.add(die(a, a.exit(), a.oomKilled()));
        }
        Optional<Health.Status> was = before.flatMap(Seen::health);
        if (a.health().isPresent() && a.health().get() != Health.Status.STARTING && !a.health().equals(was)) {
            out.add(new Change("health_status: " + a.health().get().word(), a.id(), a.attributes()));
        }
        return out;
    }

    private static Change die(Seen s, Optional<ExitStatus> exit, boolean oomKilled) {
        Map<String, String> a = s.attributes();
        exit.ifPresent(e -> a.put("exitCode", Integer.toString(e.code()))); // 128 + N when signal N killed it
        if (oomKilled) a.put("oomKilled", "true");
        return new Change("die", s.id(), a);
    }

    /**
     * Every container's events from one set of readings to the next, in the order of {@code after} then the ones
     * gone. A caller that cannot read a record (a broken one) keeps its last reading in {@code after}, so a broken
     * record is skipped, not taken for a removal.
     */
    public static List<Change> between(Map<ContainerId, Seen> before, Map<ContainerId, Seen> after) {
        List<Change> out = new ArrayList<>();
        for (Seen a : after.values()) out.addAll(between(Optional.ofNullable(before.get(a.id())), Optional.of(a)));
        for (Seen b : before.values()) {
            if (!after.containsKey(b.id())) out.addAll(between(Optional.of(b), Optional.empty()));
        }
        return out;
    }
}
