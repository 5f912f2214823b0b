package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Endpoint;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.Phase;
import dev.quilt.domain.PhaseMark;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.Readiness;
import dev.quilt.domain.RecordedPids;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.SpawnFailedException;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Runs scripted commands instead of programs:
 * {@code exit N} exits with N as soon as it runs; {@code nosuch...} fails to exec
 * (ENOENT); anything else (and the bare init) runs until it is signalled.
 */
public final class FakeProcessSpawner implements ProcessSpawner {
    private final FakeKernel kernel;
    private final PidsRecorder pids;

    /** Where a monitor writes its pids.json, as soon as it has cloned the init. */
    @FunctionalInterface
    public interface PidsRecorder {
        void record(ContainerId id, RecordedPids pids);
    }

    public FakeProcessSpawner(FakeKernel kernel, FakeStateStore state) {
        this(kernel, state::recordPids);
    }

    public FakeProcessSpawner(FakeKernel kernel, PidsRecorder pids) {
        this.kernel = kernel;
        this.pids = pids;
    }

    static boolean missing(List<String> command) {
        return !command.isEmpty() && command.get(0).startsWith("nosuch");
    }

    /** What a freshly exec'd command does at once. */
    static void runs(FakeKernel kernel, FakeKernel.FakeProcess init) {
        List<String> cmd = init.command;
        if (!cmd.isEmpty() && cmd.get(0).equals("exit")) {
            kernel.exit(init, ExitStatus.exited(Integer.parseInt(cmd.get(1))), Optional.empty());
        }
    }

    /**
     * The fake's restore: the images are not read (the fake has no CRIU); the restored init is a running process
     * as a detached launch's, after the same checks, and "spawner.restore" can be told to fail.
     */
    @Override
    public Launched restore(ContainerId id, ContainerSpec spec, Optional<Endpoint> endpoint, Cgroups.Placement cgroup,
                            Restore from, Instant deadline) {
        kernel.maybeFail("spawner.restore");
        restored.add(id);
        return launch(id, spec, endpoint, cgroup, Mode.DETACHED, deadline);
    }

    private final java.util.Set<ContainerId> restored = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Whether {@code id}'s init came from {@link #restore}. */
    public boolean wasRestored(ContainerId id) {
        return restored.contains(id);
    }

    @Override
    public Launched launch(ContainerId id, ContainerSpec spec, Optional<Endpoint> endpoint, Cgroups.Placement cgroup,
                           Mode mode, Instant deadline) {
        kernel.maybeFail("spawner.launch");
        if (!kernel.layerSnapshot().contains(id)) throw new IllegalStateException("launch of " + id + " without a layer");
        if (endpoint.isPresent()) {
            kernel.maybeFail("spawner.network");
            synchronized (kernel) {
                if (!kernel.bridges().contains(endpoint.get().bridge())) {
                    throw new SpawnFailedException(SpawnFailedException.Step.NETWORK, "ENODEV",
                            "network \"find bridge '" + endpoint.get().bridge() + "'\": no such device");
                }
            }
        }
        List<String> args = spec.process().args();
        if (!mode.gated() && missing(args)) {
            throw new SpawnFailedException(SpawnFailedException.Step.EXEC, "ENOENT",
                    "exec \"" + args.get(0) + "\": no such file or directory");
        }
        FakeKernel.FakeProcess monitor = kernel.spawn(id, true, List.of());
        FakeKernel.FakeProcess init = kernel.spawn(id, false, args);
        init.gated = mode.gated();
        init.handedOff = mode == Mode.HANDED_OFF;
        pids.record(id, new RecordedPids(monitor.ref(), init.ref()));
        endpoint.ifPresent(e -> {
            synchronized (kernel) {
                kernel.links().put(e.hostLink(), id);
                kernel.portOf().put(e.hostLink(), e.bridge());
            }
        });
        if (!init.gated) runs(kernel, init);
        // the fake has no clock of its own: its phases hold at the launch's start, a millisecond each
        Instant begun = deadline.minus(spec.ready().timeout());
        Readiness readiness = Readiness.NONE.then(PhaseMark.held(Phase.SPAWNED, begun, Duration.ofMillis(1)))
                .then(endpoint.isPresent() ? PhaseMark.held(Phase.NETWORK, begun, Duration.ofMillis(1))
                        : PhaseMark.skipped(Phase.NETWORK, begun));
        return new Launched() {
            @Override
            public ProcessRef process() {
                return init.ref();
            }

            @Override
            public Readiness readiness() {
                return readiness;
            }

            @Override
            public ProcessRef monitor() {
                return monitor.ref();
            }

            @Override
            public ExitStatus awaitExit() {
                synchronized (init) {
                    while (init.exit().isEmpty()) {
                        try {
                            init.wait(); // woken by the exit: an event, as the monitor's EXIT message is
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException("interrupted");
                        }
                    }
                }
                return init.exit().orElseThrow();
            }

            @Override
            public void signal(int signal) {
                kernel.exit(init, ExitStatus.killedBy(signal), Optional.empty());
            }

            @Override
            public ExitStatus kill() {
                signal(9);
                return awaitExit();
            }

            @Override
            public void close() {
            }
        };
    }
}
