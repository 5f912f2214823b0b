package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.RecordedExit;
import dev.quilt.domain.RecordedPids;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.ports.StateStore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Records in memory. It also keeps every status change it was asked to write,
 * so property tests can check that each one was legal.
 */
public final class FakeStateStore implements StateStore {
    /** One write: the status before (empty for a new record) and after. */
    public record Transition(ContainerId id, Optional<Status> from, Status to) {}

    private final FakeKernel kernel;
    private final Map<ContainerId, Container> records = new HashMap<>();
    private final Map<ContainerName, ContainerId> names = new HashMap<>();
    private final Map<ContainerId, RecordedExit> exits = new HashMap<>();
    private final Map<ContainerId, RecordedPids> pids = new HashMap<>();
    private final java.util.Set<ContainerId> locked = new java.util.HashSet<>();
    private final List<Transition> transitions = new ArrayList<>();
    private final List<Runnable> changeListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public FakeStateStore(FakeKernel kernel) {
        this.kernel = kernel;
        kernel.recorder(this::recordExit);
    }

    @Override
    public synchronized Lock createLocked(Container container) {
        kernel.maybeFail("state.create");
        if (records.containsKey(container.id())) {
            throw QuiltException.conflict("container id '" + container.id() + "' is already in use");
        }
        if (locked.contains(container.id())) throw new IllegalStateException("a new record that is locked already");
        records.put(container.id(), container);
        transitions.add(new Transition(container.id(), Optional.empty(), container.status()));
        changed();
        return tryLock(container.id()).orElseThrow();
    }

    @Override
    public int sweepAbandoned() {
        return 0; // a fake create is one step: nothing is ever half-made
    }

    @Override
    public synchronized void save(Container container) {
        kernel.maybeFail("state.save");
        Container old = records.get(container.id());
        if (old == null) throw new IllegalStateException("save of unknown container " + container.id());
        records.put(container.id(), container);
        if (old.status() != container.status()) {
            transitions.add(new Transition(container.id(), Optional.of(old.status()), container.status()));
        }
        changed();
    }

    @Override
    public synchronized Optional<ContainerRecord> read(ContainerId id) {
        return Optional.ofNullable(records.get(id)).map(ContainerRecord.Readable::new);
    }

    @Override
    public synchronized List<ContainerRecord> list() {
        return records.values().stream().<ContainerRecord>map(ContainerRecord.Readable::new).toList();
    }

    @Override
    public synchronized void remove(ContainerId id) {
        kernel.maybeFail("state.remove");
        Container c = records.remove(id);
        if (c != null) c.name().ifPresent(n -> names.remove(n, id));
        exits.remove(id);
        pids.remove(id);
        if (c != null) changed();
    }

    @Override
    public synchronized void claimName(ContainerName name, ContainerId id) {
        ContainerId holder = names.get(name);
        if (holder != null && records.containsKey(holder)) {
            throw QuiltException.conflict("the name '" + name + "' is in use by container '" + holder.shortForm() + "'");
        }
        names.put(name, id);
    }

    @Override
    public synchronized void releaseName(ContainerName name, ContainerId id) {
        names.remove(name, id);
    }

    @Override
    public synchronized Optional<ContainerId> byName(ContainerName name) {
        return Optional.ofNullable(names.get(name));
    }

    @Override
    public synchronized Optional<RecordedExit> recordedExit(ContainerId id) {
        return Optional.ofNullable(exits.get(id));
    }

    @Override
    public synchronized Optional<RecordedPids> recordedPids(ContainerId id) {
        return Optional.ofNullable(pids.get(id));
    }

    @Override
    public synchronized void clearLastRun(ContainerId id) {
        kernel.maybeFail("state.clearLastRun");
        exits.remove(id);
        pids.remove(id);
    }

    @Override
    public synchronized List<ContainerId> ids() {
        return List.copyOf(records.keySet());
    }

    /** Records in memory are never damaged, and nothing else lies among them. */
    @Override
    public List<String> strays() {
        return List.of();
    }

    @Override
    public synchronized Lock lock(ContainerId id) {
        return tryLock(id).orElseThrow(() -> new IllegalStateException(
                "lock of " + id + " is held: a single-threaded scenario would wait forever"));
    }

    @Override
    public synchronized Optional<Lock> tryLock(ContainerId id) {
        if (!records.containsKey(id)) throw new dev.quilt.domain.NoSuchContainerException(id.shortForm(), "no container '" + id.shortForm() + "'");
        if (!locked.add(id)) return Optional.empty();
        return Optional.of(() -> {
            synchronized (FakeStateStore.this) {
                locked.remove(id);
            }
        });
    }

    /** Locks a crashed client took with it: the kernel releases them when a process dies. */
    public synchronized void releaseAllLocks() {
        locked.clear();
    }

    synchronized void recordExit(ContainerId id, ExitStatus exit, Optional<String> error) {
        if (records.containsKey(id)) exits.put(id, new RecordedExit(exit, java.time.Instant.EPOCH, error, false));
        changed();
    }

    synchronized void recordPids(ContainerId id, RecordedPids p) {
        if (records.containsKey(id)) pids.put(id, p);
    }

    /**
     * Runs {@code r} after every write (a record made, saved or removed, an exit recorded): what inotify tells on
     * Linux ({@link FakeStateChanges}). {@code r} must not block. Closing the result stops it.
     */
    public AutoCloseable onChange(Runnable r) {
        changeListeners.add(r);
        return () -> changeListeners.remove(r);
    }

    private void changed() {
        for (Runnable r : changeListeners) r.run();
    }

    public synchronized List<Transition> transitions() {
        return List.copyOf(transitions);
    }

    public synchronized Map<ContainerName, ContainerId> names() {
        return Map.copyOf(names);
    }
}
