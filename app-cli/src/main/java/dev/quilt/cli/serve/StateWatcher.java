package dev.quilt.cli.serve;

import dev.quilt.domain.BrokenRecordException;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerChanges;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.Expiry;
import dev.quilt.domain.RecordedExit;
import dev.quilt.domain.Status;
import dev.quilt.ports.StateChanges;
import dev.quilt.ports.StateStore;
import dev.quilt.usecases.ContainerLookup;

import java.io.PrintStream;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Sees every face's changes to the root's records (a CLI's {@code run -d}, a {@code quilt-runc create}, a monitor
 * writing an exit, an {@code rm}) through {@link StateChanges}, reads the records again, and publishes on the
 * {@link EventBus} the events docker would have sent ({@link ContainerChanges}): {@code create}, {@code start},
 * {@code pause}, {@code unpause}, {@code oom}, {@code die}, {@code destroy}, {@code health_status: …}. Its first
 * reading is the baseline: nothing is invented for what happened while no server ran. A record it cannot read is
 * skipped with one line on stderr (its last reading is kept). The other parts do not publish these actions; a
 * change the kernel does not tell (a pause: the freezer is no file Quilt writes) is seen at {@link #refresh}, which
 * the watcher also runs when another part publishes an event about a container.
 */
@javax.inject.Singleton
public final class StateWatcher implements Background {
    /** Actions this watcher publishes; an event with any other action comes from a request (activity). */
    public static final Set<String> LIFECYCLE = Set.of("create", "start", "pause", "unpause", "oom", "die",
            "destroy", "health_status");

    /** A reading of every container the watcher could read, after each change. */
    public interface Listener {
        void seen(Map<ContainerId, Container> now);
    }

    private final EventBus bus;
    private final ContainerLookup lookup;
    private final StateStore state;
    private final StateChanges changes;
    private final PrintStream err;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final Map<ContainerId, Expiry.Due> reasons = new ConcurrentHashMap<>();
    private final Set<ContainerId> brokenSaid = new HashSet<>();

    private Map<ContainerId, ContainerChanges.Seen> seen = Map.of();
    private Map<ContainerId, Container> readings = Map.of();
    private StateChanges.Watch watch;
    private Thread thread;
    private AutoCloseable busSubscription;
    private volatile java.util.concurrent.ExecutorService refresher;
    private final java.util.concurrent.atomic.AtomicBoolean refreshPending = new java.util.concurrent.atomic.AtomicBoolean();

    @javax.inject.Inject
    public StateWatcher(EventBus bus, ContainerLookup lookup, StateStore state, StateChanges changes) {
        this(bus, lookup, state, changes, System.err);
    }

    public StateWatcher(EventBus bus, ContainerLookup lookup, StateStore state, StateChanges changes, PrintStream err) {
        this.bus = bus;
        this.lookup = lookup;
        this.state = state;
        this.changes = changes;
        this.err = err;
    }

    /** Watches from now: the current records are the baseline; then a thread waits for each change. */
    @Override
    public synchronized void start() {
        if (thread != null) return;
        watch = changes.watch(); // before the baseline: a change after it is not missed
        scan(false);
        StateChanges.Watch w = watch;
        thread = new Thread(() -> {
            while (w.await()) {
                try {
                    refresh();
                } catch (RuntimeException e) { // one bad reading never stops the watcher
                    say("the state watcher's reading failed: " + e);
                }
            }
        }, "quilt-state-watcher");
        thread.setDaemon(true);
        thread.start();
        refresher = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "quilt-state-refresh");
            t.setDaemon(true);
            return t;
        });
        busSubscription = bus.subscribe(Long.MAX_VALUE, e -> {
            if (refreshesAfter(e)) refreshLater();
        });
    }

    @Override
    public void stop() {
        Thread t;
        synchronized (this) {
            t = thread;
            if (t == null) return;
            thread = null;
            watch.close();
            refresher.shutdown();
            refresher = null;
            try {
                busSubscription.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Whether another part's event asks for a reading of every record: a request about a container ({@code kill},
     * {@code stop}, {@code update}…) may have changed what no file says (the freezer). Not this watcher's own
     * actions, and not an exec's ({@code exec_create}, {@code exec_start}, {@code exec_die}): running a command in
     * a container changes none of its records, and what an exec could end (its container's init) the monitor
     * writes, which the watch sees. Three readings of every container per exec were the server's largest cost
     * after the exec itself on a 2-core machine.
     */
    static boolean refreshesAfter(ApiEvent e) {
        return e.type().equals("container") && !isLifecycle(e.action()) && !e.action().startsWith("exec_");
    }

    /** Whether {@code action} is one the watcher publishes (a {@code health_status: …} counts). */
    public static boolean isLifecycle(String action) {
        int colon = action.indexOf(':');
        return LIFECYCLE.contains(colon < 0 ? action : action.substring(0, colon));
    }

    /**
     * Adds {@code l}; it is given the current reading at once (when the watcher has started) and every later one.
     * Closing the result removes it.
     */
    public AutoCloseable listen(Listener l) {
        Map<ContainerId, Container> now;
        synchronized (this) {
            listeners.add(l);
            now = thread == null ? null : readings;
        }
        if (now != null) l.seen(now);
        return () -> listeners.remove(l);
    }

    /**
     * Tells the watcher that Quilt itself is about to act on container {@code id} at a deadline: its next
     * {@code die} (and for a removal its {@code destroy}) carries {@code reason=…} (the TTL's, the idle timeout's).
     * A stop's reason ends with its {@code die}: a later {@code rm} by someone else is not the deadline's.
     */
    public void reason(ContainerId id, Expiry.Due due) {
        reasons.put(id, due);
    }

    /** Reads every record again now and publishes what changed. */
    public void refresh() {
        scan(true);
    }

    /**
     * As {@link #refresh}, from a thread that must not read records (an event's publisher): one reading on the
     * watcher's own refresh thread; requests that come while one is pending share it.
     */
    private void refreshLater() {
        java.util.concurrent.ExecutorService r = refresher;
        if (r == null || !refreshPending.compareAndSet(false, true)) return;
        try {
            r.execute(() -> {
                refreshPending.set(false);
                refresh();
            });
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
            refreshPending.set(false);
        }
    }

    private void scan(boolean publish) {
        Map<ContainerId, Container> read = new LinkedHashMap<>();
        List<ContainerChanges.Change> out;
        synchronized (this) {
            Map<ContainerId, ContainerChanges.Seen> now = new LinkedHashMap<>();
            List<ContainerRecord> records;
            try {
                records = lookup.records();
            } catch (RuntimeException e) {
                err.println("quilt serve: cannot read the containers' records: " + e.getMessage());
                err.flush();
                return;
            }
            for (ContainerRecord r : records) {
                switch (r) {
                    case ContainerRecord.Readable ok -> {
                        Container c = ok.container();
                        brokenSaid.remove(c.id());
                        read.put(c.id(), c);
                        now.put(c.id(), named(ContainerChanges.Seen.of(c, oomKilled(c)), c));
                    }
                    case ContainerRecord.Broken b -> {
                        if (brokenSaid.add(b.id())) {
                            err.println("quilt serve: skipping container " + b.id().shortForm() + ": " + b.reason());
                            err.flush();
                        }
                        ContainerChanges.Seen last = seen.get(b.id());
                        if (last != null) now.put(b.id(), last);
                        Container lastRead = readings.get(b.id());
                        if (lastRead != null) read.put(b.id(), lastRead);
                    }
                }
            }
            brokenSaid.retainAll(now.keySet());
            out = publish ? ContainerChanges.between(seen, now) : List.of();
            seen = now;
            readings = read;
            for (ContainerChanges.Change ch : out) bus.publish(event(ch));
            for (Listener l : listeners) { // in order: a later reading never overtakes
                try {
                    l.seen(read);
                } catch (RuntimeException e) {
                    say("a listener of the state watcher failed: " + e);
                }
            }
        }
    }

    /**
     * The container's name while its claim does not show: a create's first reading (the name the record asks
     * for) and an rm's last ones (the name it had): docker's {@code create} and {@code destroy} name the container.
     */
    private ContainerChanges.Seen named(ContainerChanges.Seen s, Container observed) {
        if (observed.name().isPresent()) return s;
        ContainerChanges.Seen last = seen.get(s.id());
        String name;
        if (last != null && !last.name().equals(s.id().shortForm())) {
            name = last.name(); // an rm releases the name before the directory goes: destroy still names it
        } else if (observed.status() == Status.CREATING) {
            name = state.read(s.id()).filter(r -> r instanceof ContainerRecord.Readable)
                    .map(r -> ((ContainerRecord.Readable) r).container().displayName()).orElse(s.name());
        } else {
            return s;
        }
        return new ContainerChanges.Seen(s.id(), name, s.image(), s.labels(), s.status(), s.startedAt(), s.exit(),
                s.oomKilled(), s.health());
    }

    private boolean oomKilled(Container c) {
        if (c.status() != Status.STOPPED) return false;
        try {
            return state.recordedExit(c.id()).map(RecordedExit::oomKilled).orElse(false);
        } catch (BrokenRecordException e) {
            return false;
        }
    }

    private ApiEvent event(ContainerChanges.Change ch) {
        Map<String, String> attrs = new LinkedHashMap<>(ch.attributes());
        Optional<Expiry.Due> why = Optional.ofNullable(reasons.get(ch.id()));
        if (why.isPresent() && (ch.action().equals("die") || ch.action().equals("destroy"))) {
            attrs.put("reason", why.get().reason().word());
            if (ch.action().equals("destroy") || why.get().action() == Expiry.Action.STOP) reasons.remove(ch.id());
        }
        if (ch.action().equals("destroy")) reasons.remove(ch.id());
        return new ApiEvent("container", ch.action(), ch.id().value(), attrs, nanos(Instant.now()));
    }

    private void say(String line) {
        err.println("quilt serve: " + line);
        err.flush();
    }

    static long nanos(Instant i) {
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
