package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ProcessRef;
import dev.quilt.ports.ExecRecords;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Exec records in memory. Processes: every pid is running (start time 1) until {@link #end} says it is not;
 * {@link #remove} drops a container's records as its state dir's removal does, and a later save for it keeps nothing.
 */
public final class FakeExecRecords implements ExecRecords {
    private final Map<String, Exec> execs = new LinkedHashMap<>();
    private final Map<String, Exit> exits = new LinkedHashMap<>();
    private final Set<Integer> ended = new HashSet<>();
    private final Set<ContainerId> removed = new HashSet<>();
    private final Set<ContainerId> prepared = new HashSet<>();

    @Override
    public synchronized void save(Exec exec) {
        if (removed.contains(exec.container())) return; // as a removed container's directory: nothing is kept
        execs.put(exec.id(), exec);
    }

    @Override
    public synchronized void prepare(ContainerId container) {
        if (!removed.contains(container)) prepared.add(container);
    }

    /** Whether {@link #prepare} made the place of this container's records (and it was not removed since). */
    public synchronized boolean prepared(ContainerId container) {
        return prepared.contains(container);
    }

    @Override
    public synchronized void forget(ContainerId container, String execId) {
        Exec e = execs.get(execId);
        if (e != null && e.container().equals(container)) execs.remove(execId);
        exits.remove(container.value() + "/" + execId);
    }

    @Override
    public synchronized List<Exec> all() {
        return new ArrayList<>(execs.values());
    }

    @Override
    public synchronized Optional<Exit> exit(ContainerId container, String execId) {
        return Optional.ofNullable(exits.get(container.value() + "/" + execId));
    }

    @Override
    public synchronized void exited(ContainerId container, String execId, Exit exit) {
        if (removed.contains(container)) return;
        exits.put(container.value() + "/" + execId, exit);
    }

    @Override
    public Path exitRecord(ContainerId container, String execId) {
        return Path.of("/fake/run", container.value(), "execs", execId + ".exit.json");
    }

    @Override
    public synchronized Optional<ProcessRef> identify(int pid) {
        return ended.contains(pid) ? Optional.empty() : Optional.of(new ProcessRef(pid, 1));
    }

    @Override
    public synchronized boolean alive(ProcessRef process) {
        return process.startTime() == 1 && !ended.contains(process.pid());
    }

    /** The process of this pid is gone. */
    public synchronized void end(int pid) {
        ended.add(pid);
    }

    @Override
    public synchronized boolean containerKept(ContainerId container) {
        return !removed.contains(container);
    }

    /** The container's records go, as with its state dir. */
    public synchronized void remove(ContainerId container) {
        removed.add(container);
        prepared.remove(container);
        execs.values().removeIf(e -> e.container().equals(container));
        exits.keySet().removeIf(k -> k.startsWith(container.value() + "/"));
    }
}
