package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.ProcessRef;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * An in-memory machine: a process table (each container has a monitor and an
 * init, as on Linux), container layers, failure injection per operation name.
 * Every fake adapter works on one kernel, so a test can look at all of it at
 * once to find leaks.
 */
public final class FakeKernel {
    /** A process of the fake: an init (runs a scripted command) or a monitor. */
    public static final class FakeProcess {
        public final int pid;
        public final long startTime;
        public final ContainerId container;
        public final boolean monitor;
        final List<String> command;
        boolean gated;
        /** runc's process tree: the caller's subreaper reaps it, so its monitor records no exit */
        boolean handedOff;
        private ExitStatus exit;

        FakeProcess(int pid, long startTime, ContainerId container, boolean monitor, List<String> command) {
            this.pid = pid;
            this.startTime = startTime;
            this.container = container;
            this.monitor = monitor;
            this.command = command;
        }

        public synchronized Optional<ExitStatus> exit() {
            return Optional.ofNullable(exit);
        }

        public ProcessRef ref() {
            return new ProcessRef(pid, startTime);
        }
    }

    /**
     * What happens when an init exits: its monitor writes exit.json. Set by the
     * state store: the fake's, or a test's over a real store's directory.
     */
    public interface ExitRecorder {
        void record(ContainerId id, ExitStatus exit, Optional<String> error);
    }

    private final Map<Integer, FakeProcess> processes = new TreeMap<>();
    private final Set<ContainerId> layers = new HashSet<>();
    /** host ends of veths, by name, and the container whose namespace holds the other end */
    private final Map<String, ContainerId> links = new HashMap<>();
    private final Set<String> bridges = new HashSet<>();
    /** which bridge each host end is a port of */
    private final Map<String, String> portOf = new HashMap<>();
    /** links someone else made, by name, with their kind ("bridge", "veth", "dummy") */
    private final Map<String, String> foreignLinks = new HashMap<>();
    /** per bridge: the roots that use it, with the network each defines on it */
    private final Map<String, Map<String, dev.quilt.domain.Network>> bridgeUsers = new HashMap<>();
    /** what a monitor does for its container before it records the exit (gives back its address) */
    private final List<java.util.function.Consumer<ContainerId>> atExit = new java.util.ArrayList<>();
    private final Map<ContainerId, dev.quilt.domain.Resources> cgroups = new HashMap<>();
    /** cgroups the freezer holds */
    private final Set<ContainerId> frozen = new HashSet<>();
    private final Map<String, Integer> failures = new HashMap<>();
    private final Set<String> crashes = new HashSet<>();
    private ExitRecorder recorder = (id, exit, error) -> { };
    private int nextPid = 100;
    private long ticks = 1000;

    /**
     * Makes the next {@code times} calls of {@code operation} fail (operation
     * names: "state.create", "state.save", "storage.prepare", "spawner.launch", ...).
     */
    public synchronized void failNext(String operation, int times) {
        failures.put(operation, times);
    }

    /**
     * Makes the client die at its next call of {@code operation}: no catch block
     * of the use case runs, as when a CLI is SIGKILLed there.
     */
    public synchronized void crashNext(String operation) {
        crashes.add(operation);
    }

    public synchronized void clearFaults() {
        failures.clear();
        crashes.clear();
    }

    /** Throws if a failure was injected for this operation. */
    synchronized void maybeFail(String operation) {
        if (crashes.remove(operation)) throw new ClientCrash(operation);
        Integer left = failures.get(operation);
        if (left != null && left > 0) {
            failures.put(operation, left - 1);
            throw new InjectedFailure(operation);
        }
    }

    public synchronized void recorder(ExitRecorder r) {
        this.recorder = r;
    }

    synchronized FakeProcess spawn(ContainerId container, boolean monitor, List<String> command) {
        FakeProcess p = new FakeProcess(nextPid++, ticks++, container, monitor, command);
        processes.put(p.pid, p);
        return p;
    }

    synchronized Optional<FakeProcess> find(ProcessRef ref) {
        FakeProcess p = processes.get(ref.pid());
        return p != null && p.startTime == ref.startTime() && p.exit().isEmpty() ? Optional.of(p) : Optional.empty();
    }

    synchronized Optional<FakeProcess> monitorOf(ContainerId id) {
        return processes.values().stream().filter(p -> p.monitor && p.container.equals(id)).findFirst();
    }

    synchronized Optional<FakeProcess> initOf(ContainerId id) {
        return processes.values().stream().filter(p -> !p.monitor && p.container.equals(id)).findFirst();
    }

    /**
     * The init exits: it is reaped by its monitor, which records the exit and
     * leaves, unless the monitor is already dead (then the exit is lost). A handed-off
     * init is reaped by its caller's subreaper: its monitor leaves without a record.
     */
    void exit(FakeProcess init, ExitStatus status, Optional<String> error) {
        FakeProcess monitor;
        synchronized (this) {
            synchronized (init) {
                if (init.exit != null) return;
                init.exit = status;
                init.notifyAll();
            }
            processes.remove(init.pid);
            // the namespace dies with its last process, and takes the veth with it
            links.values().removeIf(init.container::equals);
            portOf.keySet().retainAll(links.keySet());
            monitor = monitorOf(init.container).orElse(null);
            if (monitor != null) processes.remove(monitor.pid);
        }
        if (monitor != null) {
            List<java.util.function.Consumer<ContainerId>> hooks;
            synchronized (this) {
                hooks = List.copyOf(atExit);
            }
            for (var hook : hooks) hook.accept(init.container);
            if (!init.handedOff) recorder.record(init.container, status, error);
        }
    }

    /** Registers what a monitor does at its container's exit, before it records the exit. */
    synchronized void atExit(java.util.function.Consumer<ContainerId> hook) {
        atExit.add(hook);
    }

    /** A monitor killed from outside: the container goes on, its exit will not be recorded. */
    public synchronized void killMonitor(ContainerId id) {
        monitorOf(id).ifPresent(m -> processes.remove(m.pid));
    }

    public synchronized Map<Integer, FakeProcess> processes() {
        return Map.copyOf(processes);
    }

    synchronized Map<String, ContainerId> links() {
        return links;
    }

    synchronized Set<String> bridges() {
        return bridges;
    }

    synchronized Map<String, String> portOf() {
        return portOf;
    }

    synchronized Map<String, Map<String, dev.quilt.domain.Network>> bridgeUsers() {
        return bridgeUsers;
    }

    synchronized Map<String, String> foreignLinks() {
        return foreignLinks;
    }

    /** A link that someone other than Quilt made: {@code kind} "bridge", "veth", "dummy". */
    public synchronized void addForeignLink(String name, String kind) {
        foreignLinks.put(name, kind);
    }

    /** A link of someone else's plugged into {@code bridge}. */
    public synchronized void plug(String link, String bridge) {
        foreignLinks.put(link, "dummy");
        portOf.put(link, bridge);
    }

    /** Removes a link of someone else's (and its place on a bridge). */
    public synchronized void removeForeignLink(String name) {
        foreignLinks.remove(name);
        portOf.remove(name);
    }

    /** Whether any link of this name exists: Quilt's bridge, a veth, or someone else's. */
    public synchronized boolean linkExists(String name) {
        return bridges.contains(name) || links.containsKey(name) || foreignLinks.containsKey(name);
    }

    public synchronized Set<String> bridgeSnapshot() {
        return Set.copyOf(bridges);
    }

    public synchronized Map<String, ContainerId> linkSnapshot() {
        return Map.copyOf(links);
    }

    synchronized Map<ContainerId, dev.quilt.domain.Resources> cgroups() {
        return cgroups;
    }

    synchronized Set<ContainerId> frozen() {
        return frozen;
    }

    public synchronized Set<ContainerId> cgroupSnapshot() {
        return Set.copyOf(cgroups.keySet());
    }

    synchronized Set<ContainerId> layers() {
        return layers;
    }

    public synchronized Set<ContainerId> layerSnapshot() {
        return Set.copyOf(layers);
    }

    /** The calling client dies here. An Error, so that use cases' catch blocks do not see it. */
    public static final class ClientCrash extends Error {
        ClientCrash(String operation) {
            super("client killed in " + operation, null, false, false);
        }
    }

    /** Thrown where a failure was injected: what a real adapter throws for EIO or ENOSPC. */
    public static final class InjectedFailure extends dev.quilt.domain.QuiltException {
        InjectedFailure(String operation) {
            super(Kind.SYSTEM, "injected failure in " + operation);
        }
    }
}
