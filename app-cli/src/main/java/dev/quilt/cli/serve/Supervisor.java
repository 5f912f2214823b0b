package dev.quilt.cli.serve;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Expiry;
import dev.quilt.domain.HealthCheck;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.ports.Activity;
import dev.quilt.ports.Clock;
import dev.quilt.usecases.CheckHealth;
import dev.quilt.usecases.RemoveContainer;
import dev.quilt.usecases.StopContainer;

import javax.inject.Inject;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * What the server does on its own for every container of its root, whoever made it, from the readings of the
 * {@link StateWatcher} (so a restarted server adopts every record at its first reading):
 * <ul>
 *   <li>health checks on their schedule: a running container with a health check is checked every
 *       {@link HealthCheck#interval()} (a timer; the first one an interval after the server saw it running), each
 *       check run by {@link CheckHealth} on a worker thread, never two at once for one container; the check saves
 *       the record, and the watcher publishes {@code health_status} when the health changed. Paused, stopped or
 *       removed: no more checks;</li>
 *   <li>the {@link Expiry} labels: one timer per container at its next deadline, computed from recorded times
 *       ({@code startedAt}, the {@link Activity} mark), so a deadline that passed while no server ran is due at
 *       once. At the deadline the container goes through {@link StopContainer} or {@link RemoveContainer} (forced),
 *       and its {@code die} / {@code destroy} events carry {@code reason=ttl} or {@code reason=idle-timeout}; a stop
 *       also publishes {@code stop} with that reason;</li>
 *   <li>activity: an event another part publishes about a container with an idle timeout (exec_*, attach,
 *       archive, kill…) is marked as its last activity, which moves its deadline.</li>
 * </ul>
 * Stopping the supervisor cancels its timers and leaves every container as it is.
 */
@javax.inject.Singleton
public final class Supervisor implements Background {
    /** How long a stop at a deadline waits for SIGTERM before SIGKILL (docker's default stop timeout). */
    static final Duration STOP_GRACE = Duration.ofSeconds(10);

    private final StateWatcher watcher;
    private final EventBus bus;
    private final CheckHealth health;
    private final StopContainer stop;
    private final RemoveContainer remove;
    private final Activity activity;
    private final Clock clock;
    private final PrintStream err;

    private final Map<ContainerId, Entry> entries = new HashMap<>();
    private ScheduledExecutorService timers;
    private ExecutorService workers;
    private AutoCloseable listening;
    private AutoCloseable busSubscription;

    /** What the supervisor holds for one container. */
    private static final class Entry {
        Container last;
        ScheduledFuture<?> check;
        boolean checking;
        ScheduledFuture<?> expiry;
        Instant expiryAt;
        boolean expiring;
        /** A deadline whose action failed: not tried again until the deadline moves (no loop on a refusal). */
        Instant gaveUp;
    }

    @Inject
    public Supervisor(StateWatcher watcher, EventBus bus, CheckHealth health, StopContainer stop,
                      RemoveContainer remove, Activity activity, Clock clock) {
        this(watcher, bus, health, stop, remove, activity, clock, System.err);
    }

    public Supervisor(StateWatcher watcher, EventBus bus, CheckHealth health, StopContainer stop,
                      RemoveContainer remove, Activity activity, Clock clock, PrintStream err) {
        this.watcher = watcher;
        this.bus = bus;
        this.health = health;
        this.stop = stop;
        this.remove = remove;
        this.activity = activity;
        this.clock = clock;
        this.err = err;
    }

    @Override
    public void start() {
        synchronized (this) {
            if (timers != null) return;
            timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "quilt-supervisor-timer"));
            workers = Executors.newCachedThreadPool(r -> daemon(r, "quilt-supervisor"));
        }
        busSubscription = bus.subscribe(Long.MAX_VALUE, this::activity); // outside our lock: the bus holds its own
        listening = watcher.listen(this::seen);
    }

    @Override
    public void stop() {
        try {
            if (listening != null) listening.close();
            if (busSubscription != null) busSubscription.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        synchronized (this) {
            if (timers == null) return;
            timers.shutdownNow();
            workers.shutdownNow(); // a check or stop in flight ends with the process; its container is untouched
            timers = null;
            workers = null;
            entries.clear();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** A reading of every container: arms, moves or cancels each one's timers. */
    synchronized void seen(Map<ContainerId, Container> now) {
        if (timers == null) return;
        for (Iterator<Map.Entry<ContainerId, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<ContainerId, Entry> e = it.next();
            if (!now.containsKey(e.getKey())) {
                cancel(e.getValue());
                it.remove();
            }
        }
        for (Container c : now.values()) {
            Entry e = entries.computeIfAbsent(c.id(), id -> new Entry());
            e.last = c;
            scheduleCheck(c, e);
            scheduleExpiry(c, e);
        }
    }

    private static void cancel(Entry e) {
        if (e.check != null) e.check.cancel(false);
        if (e.expiry != null) e.expiry.cancel(false);
    }

    private void scheduleCheck(Container c, Entry e) {
        boolean due = c.status() == Status.RUNNING && c.spec().health().isPresent();
        if (!due) {
            if (e.check != null) e.check.cancel(false);
            e.check = null;
            return;
        }
        if (e.check != null || e.checking) return;
        e.check = timers.schedule(() -> runCheck(c.id()), c.spec().health().get().interval().toNanos(),
                TimeUnit.NANOSECONDS);
    }

    private void runCheck(ContainerId id) {
        synchronized (this) {
            Entry e = entries.get(id);
            if (e == null || workers == null) return;
            e.check = null;
            e.checking = true;
            workers.execute(() -> check(id));
        }
    }

    private void check(ContainerId id) {
        try {
            health.now(id.value());
        } catch (QuiltException ex) {
            // stopped or removed meanwhile: the next reading cancels the schedule
        } catch (RuntimeException ex) {
            say("health check of " + id.shortForm() + " failed to run: " + ex.getMessage());
        } finally {
            synchronized (this) {
                Entry e = entries.get(id);
                if (e != null && timers != null) {
                    e.checking = false;
                    scheduleCheck(e.last, e);
                }
            }
        }
    }

    private void scheduleExpiry(Container c, Entry e) {
        if (e.expiring) return;
        Optional<Expiry.Due> due = due(c);
        if (due.isEmpty()) {
            if (e.expiry != null) e.expiry.cancel(false);
            e.expiry = null;
            e.expiryAt = null;
            return;
        }
        if (e.expiry != null && due.get().at().equals(e.expiryAt)) return;
        if (due.get().at().equals(e.gaveUp)) return;
        if (e.expiry != null) e.expiry.cancel(false);
        long delay = Math.max(0, Duration.between(clock.now(), due.get().at()).toNanos());
        e.expiryAt = due.get().at();
        e.expiry = timers.schedule(() -> expire(c.id()), delay, TimeUnit.NANOSECONDS);
    }

    private Optional<Expiry.Due> due(Container c) {
        if (c.startedAt().isEmpty()) return Optional.empty();
        Expiry x;
        try {
            x = Expiry.of(c.spec().labels());
        } catch (QuiltException bad) {
            return Optional.empty(); // a record made before the rule was checked (or by hand): no deadline
        }
        if (!x.any()) return Optional.empty();
        Optional<Instant> last = x.idle().isPresent() ? activity.last(c.id()) : Optional.empty();
        return x.next(c.startedAt().get(), last, c.status().isLive());
    }

    private void expire(ContainerId id) {
        synchronized (this) {
            Entry e = entries.get(id);
            if (e == null || workers == null) return;
            Optional<Expiry.Due> due = due(e.last);
            e.expiry = null;
            e.expiryAt = null;
            if (due.isEmpty()) return;
            if (due.get().at().isAfter(clock.now())) {
                scheduleExpiry(e.last, e); // activity moved it
                return;
            }
            e.expiring = true;
            Expiry.Due d = due.get();
            workers.execute(() -> act(id, d));
        }
    }

    private void act(ContainerId id, Expiry.Due d) {
        watcher.reason(id, d);
        boolean failed = false;
        try {
            switch (d.action()) {
                case STOP -> {
                    stop.stop(id.value(), STOP_GRACE);
                    Map<String, String> attrs = new LinkedHashMap<>();
                    Container c = lastOf(id);
                    if (c != null) {
                        attrs.putAll(c.spec().labels());
                        attrs.put("image", c.spec().root().describe());
                        attrs.put("name", c.displayName());
                    }
                    attrs.put("reason", d.reason().word());
                    bus.publish(new ApiEvent("container", "stop", id.value(), attrs,
                            StateWatcher.nanos(Instant.now())));
                }
                case REMOVE -> remove.remove(id.value(), true);
            }
            say("container " + id.shortForm() + ": " + d.action().word() + " at its " + d.reason().word()
                    + " deadline");
        } catch (QuiltException ex) {
            if (ex.kind() != QuiltException.Kind.NOT_FOUND) {
                failed = true;
                say("container " + id.shortForm() + ": its " + d.reason().word() + " " + d.action().word()
                        + " failed: " + ex.getMessage());
            }
        } catch (RuntimeException ex) {
            failed = true;
            say("container " + id.shortForm() + ": its " + d.reason().word() + " " + d.action().word()
                    + " failed: " + ex.getMessage());
        } finally {
            watcher.refresh(); // the next reading: a stopped one may still have a remove due, a removed one is gone
            synchronized (this) {
                Entry e = entries.get(id);
                if (e != null) {
                    e.expiring = false;
                    if (failed) e.gaveUp = d.at();
                    if (timers != null && e.last != null) scheduleExpiry(e.last, e);
                }
            }
        }
    }

    private synchronized Container lastOf(ContainerId id) {
        Entry e = entries.get(id);
        return e == null ? null : e.last;
    }

    /** An event another part published: activity for a container with an idle timeout. */
    private void activity(ApiEvent ev) {
        if (!ev.type().equals("container") || StateWatcher.isLifecycle(ev.action())) return;
        if (ev.attributes().containsKey("reason")) return; // our own stop
        ContainerId id;
        try {
            id = ContainerId.of(ev.id());
        } catch (QuiltException notAnId) {
            return;
        }
        Container c = lastOf(id);
        if (c == null || !c.spec().labels().containsKey(Expiry.IDLE)) return;
        long nanos = ev.timeNano();
        Instant at = Instant.ofEpochSecond(nanos / 1_000_000_000L, nanos % 1_000_000_000L);
        ExecutorService w;
        synchronized (this) {
            w = workers;
        }
        if (w != null) w.execute(() -> activity.mark(id, at)); // a file's time: not on the publisher's thread
    }

    private void say(String line) {
        err.println("quilt serve: " + line);
        err.flush();
    }
}
