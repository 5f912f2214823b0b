package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.ProcessRef;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.SpawnFailedException;

import java.util.List;

/**
 * Runs scripted commands instead of programs:
 * {@code exit N} exits with N at once; {@code nosuch...} fails to exec (ENOENT);
 * anything else runs until it is signalled, and dies of the signal.
 */
public final class FakeProcessSpawner implements ProcessSpawner {
    private final FakeKernel kernel;
    private final FakeStateStore state;

    public FakeProcessSpawner(FakeKernel kernel, FakeStateStore state) {
        this.kernel = kernel;
        this.state = state;
    }

    @Override
    public Launched launch(ContainerId id, ContainerSpec spec) {
        kernel.maybeFail("spawner.launch");
        if (!kernel.layerSnapshot().contains(id)) throw new IllegalStateException("launch of " + id + " without a layer");
        List<String> args = spec.process().args();
        if (args.get(0).startsWith("nosuch")) {
            throw new SpawnFailedException(SpawnFailedException.Step.EXEC, "ENOENT",
                    "exec \"" + args.get(0) + "\": no such file or directory");
        }
        FakeKernel.FakeProcess p = kernel.spawn(id);
        if (args.get(0).equals("exit")) p.exitWith(ExitStatus.exited(Integer.parseInt(args.get(1))));
        return new Launched() {
            @Override
            public ProcessRef process() {
                return new ProcessRef(p.pid, p.startTime);
            }

            @Override
            public ExitStatus awaitExit() {
                synchronized (p) {
                    while (p.exit().isEmpty()) {
                        try {
                            p.wait(); // woken by signal(): an event, as the monitor's EXIT message is
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException("interrupted");
                        }
                    }
                }
                ExitStatus exit = p.exit().orElseThrow();
                kernel.reap(p.pid);
                state.recordExit(id, exit);
                return exit;
            }

            @Override
            public void signal(int signal) {
                synchronized (p) {
                    p.exitWith(ExitStatus.killedBy(signal));
                    p.notifyAll();
                }
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
