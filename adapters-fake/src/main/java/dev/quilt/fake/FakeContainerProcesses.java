package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.ContainerProcesses;
import dev.quilt.ports.SpawnFailedException;
import dev.quilt.ports.StateStore;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Signals, waits and starts on the fake kernel. Any signal ends a fake process. */
public final class FakeContainerProcesses implements ContainerProcesses {
    private static final Map<String, Integer> SIGNALS = Map.of("HUP", 1, "INT", 2, "QUIT", 3, "KILL", 9, "USR1", 10,
            "USR2", 12, "TERM", 15);

    private final FakeKernel kernel;
    private final StateStore state;

    /** {@code state}: where the kernel's monitors record exits (the fake store, or a real one a test writes to). */
    public FakeContainerProcesses(FakeKernel kernel, StateStore state) {
        this.kernel = kernel;
        this.state = state;
    }

    @Override
    public boolean isAlive(ProcessRef process) {
        return kernel.find(process).isPresent();
    }

    @Override
    public void signal(ProcessRef process, int signal) {
        kernel.find(process).filter(p -> !p.monitor)
                .ifPresent(p -> kernel.exit(p, ExitStatus.killedBy(signal), Optional.empty()));
    }

    @Override
    public WaitOutcome awaitExit(ContainerId id, ProcessRef monitor, Optional<ProcessRef> init,
                                 Optional<Duration> deadline) {
        var exit = state.recordedExit(id);
        if (exit.isPresent()) return new Exited(exit.get());
        boolean initAlive = init.map(this::isAlive).orElse(false);
        if (!isAlive(monitor) && !initAlive) return new MonitorGone(false);
        if (deadline.isPresent()) return new TimedOut(); // fake processes only end when told to
        throw new IllegalStateException("waiting for " + id + " would block forever: nothing will stop it");
    }

    @Override
    public boolean startPending(ContainerId id) {
        return kernel.initOf(id).map(p -> p.gated && p.exit().isEmpty()).orElse(false);
    }

    @Override
    public void start(ContainerId id, ProcessRef init) {
        kernel.maybeFail("processes.start");
        FakeKernel.FakeProcess p = kernel.find(init).filter(x -> x.gated).orElseThrow(() ->
                QuiltException.conflict("container '" + id.shortForm() + "' is not waiting to start"));
        p.gated = false;
        if (FakeProcessSpawner.missing(p.command)) {
            String reason = "exec \"" + p.command.get(0) + "\": no such file or directory";
            kernel.exit(p, ExitStatus.exited(127), Optional.of(reason));
            throw new SpawnFailedException(SpawnFailedException.Step.EXEC, "ENOENT", reason);
        }
        FakeProcessSpawner.runs(kernel, p);
    }

    @Override
    public int signalNumber(String nameOrNumber) {
        String s = nameOrNumber.toUpperCase().replaceFirst("^SIG", "");
        if (s.matches("\\d{1,2}") && Integer.parseInt(s) >= 1 && Integer.parseInt(s) <= 64) return Integer.parseInt(s);
        Integer n = SIGNALS.get(s);
        if (n == null) throw QuiltException.invalid("invalid signal '" + nameOrNumber + "'");
        return n;
    }

    @Override
    public int sigkill() {
        return 9;
    }

    @Override
    public int sigterm() {
        return 15;
    }
}
