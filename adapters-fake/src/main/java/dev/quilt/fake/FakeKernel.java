package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ExitStatus;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * An in-memory machine: a process table, container layers, state records,
 * images. Every fake adapter works on one kernel, so a test can look at all of
 * it at once to find leaks. Failures are injected per operation name.
 */
public final class FakeKernel {
    /** A process the fake has started: alive until it is given an exit. */
    public static final class FakeProcess {
        public final int pid;
        public final long startTime;
        public final ContainerId container;
        private ExitStatus exit;

        FakeProcess(int pid, long startTime, ContainerId container) {
            this.pid = pid;
            this.startTime = startTime;
            this.container = container;
        }

        public synchronized Optional<ExitStatus> exit() {
            return Optional.ofNullable(exit);
        }

        synchronized void exitWith(ExitStatus status) {
            if (exit == null) exit = status;
        }
    }

    private final Map<Integer, FakeProcess> processes = new TreeMap<>();
    private final Set<ContainerId> layers = new HashSet<>();
    private final Map<String, Integer> failures = new HashMap<>();
    private int nextPid = 100;
    private long ticks = 1000;

    /**
     * Makes the next {@code times} calls of {@code operation} fail (operation
     * names: "state.create", "state.save", "storage.prepare", "spawner.launch", ...).
     */
    public synchronized void failNext(String operation, int times) {
        failures.put(operation, times);
    }

    /** Throws if a failure was injected for this operation. */
    synchronized void maybeFail(String operation) {
        Integer left = failures.get(operation);
        if (left != null && left > 0) {
            failures.put(operation, left - 1);
            throw new InjectedFailure(operation);
        }
    }

    synchronized FakeProcess spawn(ContainerId container) {
        FakeProcess p = new FakeProcess(nextPid++, ticks++, container);
        processes.put(p.pid, p);
        return p;
    }

    /** Reaps: the process leaves the table (what a monitor does when init exits). */
    synchronized void reap(int pid) {
        processes.remove(pid);
    }

    public synchronized Map<Integer, FakeProcess> processes() {
        return Map.copyOf(processes);
    }

    synchronized Set<ContainerId> layers() {
        return layers;
    }

    public synchronized Set<ContainerId> layerSnapshot() {
        return Set.copyOf(layers);
    }

    /** Thrown where a failure was injected: what a real adapter throws for EIO or ENOSPC. */
    public static final class InjectedFailure extends dev.quilt.domain.QuiltException {
        InjectedFailure(String operation) {
            super(Kind.SYSTEM, "injected failure in " + operation);
        }
    }
}
