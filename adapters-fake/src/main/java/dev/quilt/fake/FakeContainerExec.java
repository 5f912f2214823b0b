package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.ports.ContainerExec;
import dev.quilt.ports.SpawnFailedException;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Execs into fake containers. A command runs only while the container's init
 * lives. Health checks are scripted by their shell text: {@code exit N} exits
 * N; {@code pass after K} fails K times in a container, then passes; {@code hang}
 * times out; {@code no shell} cannot run (the image has no /bin/sh); anything else exits 0.
 * A failure injected as {@code exec.ending} is an init found ending as the exec
 * joins it: ESRCH, while the process table still lists it, as on Linux. One
 * injected as {@code exec.init-exits} is an init whose command ends while the
 * exec runs: the init exits 0 and, as a pid namespace's init does, kills the
 * exec (SIGKILL).
 */
public final class FakeContainerExec implements ContainerExec {
    private final FakeKernel kernel;
    private final Map<ContainerId, Integer> runs = new HashMap<>();
    private final List<Integer> signals = new java.util.ArrayList<>();
    private final List<String> resizes = new java.util.ArrayList<>();
    private Target last;

    public FakeContainerExec(FakeKernel kernel) {
        this.kernel = kernel;
    }

    @Override
    public ExitStatus run(Target target, ProcessSpec process, boolean stdinOpen, boolean tty) {
        return outcome(target, process.args()).exit();
    }

    /** As {@link #run}: a fake command writes nothing, so the fds are not touched. */
    @Override
    public ExitStatus run(Target target, ProcessSpec process, dev.quilt.ports.Stdio stdio, boolean stdinOpen,
                          boolean tty) {
        return outcome(target, process.args()).exit();
    }

    /**
     * A session that ends as its script says; {@code sh -c "sleep N"} (and {@code hang}) runs until a signal ends it
     * (killed by that signal) or its deadline does (SIGKILL, timed out); awaiting one with neither is a test's bug.
     * Its pid is the init's (a fake has no other); signals are recorded ({@link #signals()}), resizes too, and a
     * resize without a tty is a conflict, as on Linux.
     */
    @Override
    public Session start(Target target, ProcessSpec process, dev.quilt.ports.Stdio stdio, Options options) {
        List<String> args = process.args();
        boolean hangs = args.size() == 3 && args.get(1).equals("-c") && args.get(2).startsWith("sleep ");
        Captured c = outcome(target, hangs ? List.of("sh", "-c", "hang") : args);
        int pid = target.init().pid();
        return new Session() {
            private Integer signalled;

            @Override
            public int pid() {
                return pid;
            }

            @Override
            public synchronized ExitStatus await() {
                if (!c.timedOut()) return c.exit();
                if (signalled != null) return ExitStatus.killedBy(signalled);
                if (options.timeout().isEmpty()) throw new IllegalStateException("a fake that hangs never ends");
                return ExitStatus.killedBy(9);
            }

            @Override
            public synchronized boolean timedOut() {
                return c.timedOut() && signalled == null;
            }

            @Override
            public void resize(int rows, int cols) {
                if (!options.tty()) throw dev.quilt.domain.QuiltException.conflict("the exec has no terminal to resize");
                synchronized (FakeContainerExec.this) {
                    resizes.add(rows + "x" + cols);
                }
            }

            @Override
            public void signal(int signal) {
                synchronized (FakeContainerExec.this) {
                    signals.add(signal);
                }
                synchronized (this) {
                    if (c.timedOut() && signalled == null) signalled = signal; // a hanging one ends by it
                }
            }

            @Override
            public void close() {}
        };
    }

    /** The signals sessions were sent, in order. */
    public synchronized List<Integer> signals() {
        return List.copyOf(signals);
    }

    /** The sizes sessions were given ("ROWSxCOLS"), in order. */
    public synchronized List<String> resizes() {
        return List.copyOf(resizes);
    }

    /** As {@link #run}; {@code started} gets the container's init pid (a fake has no other), detached or not. */
    @Override
    public java.util.Optional<ExitStatus> handOff(Target target, ProcessSpec process, boolean tty, Handoff how,
                                                  java.util.function.IntConsumer started) {
        ExitStatus exit = outcome(target, process.args()).exit();
        started.accept(target.init().pid());
        return how.detach() ? java.util.Optional.empty() : java.util.Optional.of(exit);
    }

    @Override
    public Captured capture(Target target, ProcessSpec process, Duration timeout, int maxOutput) {
        return outcome(target, process.args());
    }

    @Override
    public Captured probe(Target target, ProcessSpec process, Duration timeout) {
        kernel.maybeFail("exec.probe");
        return outcome(target, List.of("true"));
    }

    /** Where the last command went, and how it was confined. */
    public synchronized java.util.Optional<Target> lastTarget() {
        return java.util.Optional.ofNullable(last);
    }

    private synchronized Captured outcome(Target target, List<String> args) {
        last = target;
        FakeKernel.FakeProcess init = kernel.find(target.init()).orElseThrow(FakeContainerExec::initGone);
        try {
            kernel.maybeFail("exec.ending");
        } catch (FakeKernel.InjectedFailure e) {
            throw initGone();
        }
        try {
            kernel.maybeFail("exec.init-exits");
        } catch (FakeKernel.InjectedFailure e) {
            kernel.exit(init, ExitStatus.exited(0), java.util.Optional.empty());
            return new Captured(ExitStatus.killedBy(9), false, "");
        }
        if (FakeProcessSpawner.missing(args)) {
            throw new SpawnFailedException(SpawnFailedException.Step.EXEC, "ENOENT",
                    "exec \"" + args.get(0) + "\": no such file or directory");
        }
        String script = args.size() == 3 && args.get(1).equals("-c") ? args.get(2) : "";
        if (script.equals("no shell")) {
            throw new SpawnFailedException(SpawnFailedException.Step.EXEC, "ENOENT",
                    "exec \"" + args.get(0) + "\": no such file or directory");
        }
        int n = runs.merge(init.container, 1, Integer::sum);
        if (script.startsWith("exit ")) {
            return new Captured(ExitStatus.exited(Integer.parseInt(script.substring(5).trim())), false, script + "\n");
        }
        if (script.startsWith("pass after ")) {
            int k = Integer.parseInt(script.substring(11).trim());
            return n > k ? new Captured(ExitStatus.exited(0), false, "ready\n")
                    : new Captured(ExitStatus.exited(1), false, "not yet\n");
        }
        if (script.equals("hang")) return new Captured(ExitStatus.killedBy(9), true, "");
        if (script.startsWith("fail then hang after ")) { // a check that gets slow: the deadline cuts it
            int k = Integer.parseInt(script.substring(21).trim());
            return n > k ? new Captured(ExitStatus.killedBy(9), true, "") : new Captured(ExitStatus.exited(1), false, "sick\n");
        }
        return new Captured(ExitStatus.exited(0), false, "");
    }

    private static SpawnFailedException initGone() {
        return new SpawnFailedException(SpawnFailedException.Step.CLONE, "ESRCH",
                "clone \"container init\": no such process");
    }
}
