package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.Security;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntConsumer;

/**
 * Runs one more command in a running container, with the caller's stdio: in
 * every namespace of its init and in its cgroup. Nothing of the host reaches
 * the command: not the helper's binary, not an fd beyond stdio.
 */
public interface ContainerExec {
    /**
     * Where the command goes: the init it joins and the cgroup it is counted in; {@code id} the
     * container's (its session keyring is named for it); {@code security} how the command is
     * confined: the container's, adjusted by exec's own flags.
     */
    record Target(ProcessRef init, Set<Namespace> namespaces, Cgroups.Placement cgroup, ContainerId id,
                  Security security) {
        public Target {
            namespaces = Set.copyOf(namespaces);
        }
    }

    /**
     * Blocks until the command exits (an event) and returns how; without
     * {@code stdinOpen} the command's stdin is /dev/null. With {@code tty} its
     * stdio is a terminal of the container's own, relayed to the caller's. A failure
     * before the command runs (no such binary, bad cwd, the init gone) throws
     * {@link SpawnFailedException} naming the step. {@code tty} with {@code
     * stdinOpen} needs the caller's stdin to be a terminal, else it throws a
     * {@link dev.quilt.domain.QuiltException} of kind INVALID_INPUT before anything runs
     * (a pipe's end of file would never reach the command, as docker refuses it).
     */
    ExitStatus run(Target target, ProcessSpec process, boolean stdinOpen, boolean tty);

    /**
     * As {@link #run}, with {@code stdio} as the command's stdin, stdout and stderr instead of this process's (the
     * fast CLI's client fds); with {@code tty} and {@code stdinOpen}, {@code stdio.in()} must be a terminal.
     */
    ExitStatus run(Target target, ProcessSpec process, Stdio stdio, boolean stdinOpen, boolean tty);

    /**
     * How runc's exec hands the command over (runc 1.1 {@code exec --detach}, {@code --console-socket}).
     *
     * @param detach        return once the command has exec'd, leaving it to the caller's nearest child
     *                      subreaper (containerd's shim, conmon), which reaps it: no Quilt process waits for it
     * @param consoleSocket with a terminal: the AF_UNIX socket that gets the pty master (SCM_RIGHTS, named by its
     *                      peer's {@code /dev/pts/N}), runc's docs/terminals.md; empty: the terminal is relayed
     * @param preserveFds   {@code --preserve-fds N}: the caller's fds 3..3+N-1 (inherited by this process at those
     *                      numbers) are the command's 3..3+N-1; 0 to {@link #PRESERVE_FDS_MAX}
     */
    record Handoff(boolean detach, Optional<String> consoleSocket, int preserveFds) {
        /** The most fds {@code --preserve-fds} passes (quilt-exec's bound, proto.h QUILT_PRESERVE_FDS_MAX). */
        public static final int PRESERVE_FDS_MAX = 1024;

        public Handoff {
            if (preserveFds < 0 || preserveFds > PRESERVE_FDS_MAX) {
                throw dev.quilt.domain.QuiltException.invalid("--preserve-fds " + preserveFds + " must be from 0 to "
                        + PRESERVE_FDS_MAX);
            }
            consoleSocket.ifPresent(s -> {
                if (s.isEmpty() || s.indexOf('\0') >= 0) {
                    throw dev.quilt.domain.QuiltException.invalid("--console-socket needs the path of a unix socket");
                }
            });
        }
    }

    /**
     * runc's exec: the command gets the caller's stdio as they are (stdin too), or with {@code tty} a pty of the
     * container's devpts whose master goes to {@code how.consoleSocket()} (without one it is relayed to ours as
     * {@link #run} does, with our stdin only when that is a terminal). {@code started} gets the command's pid in
     * the host's pid namespace once it has exec'd (runc's {@code --pid-file}). Detached, returns empty then;
     * otherwise blocks until the command exits (an event) and returns how. Failures before the command runs
     * throw as for {@link #run}; a console socket that cannot be reached is step {@code EXEC_CONSOLE}, fds to
     * preserve that the caller did not pass are step {@code STDIO} ({@code EBADF}).
     */
    Optional<ExitStatus> handOff(Target target, ProcessSpec process, boolean tty, Handoff how, IntConsumer started);

    /**
     * How a started command runs (the Docker API's exec create and start).
     *
     * @param stdinOpen without it the command's stdin is /dev/null
     * @param tty       its stdio is a pty of the container's devpts, relayed by quilt-exec to {@code stdio} (in to the
     *                  master, the master to out); {@code stdio} need not be a terminal
     * @param rows      the pty's first size in rows (0: leave the kernel's default), with {@code tty} only
     * @param cols      the pty's first size in columns (0: as rows)
     * @param timeout   when the command is killed, with its whole process group (SIGKILL), and
     *                  {@link Session#timedOut()} says so; empty: never
     * @param exitRecord an absolute host path where the helper itself writes, atomically, how the command ended
     *                  ({@link ExecRecords#exit}), whether or not the caller is still there; empty: nowhere
     * @param outputEnds the caller's own ends of the command's stdout and stderr when they are sockets it reads
     *                  (at most two; none with {@code tty}, whose output the helper writes itself): the helper holds
     *                  copies while the command runs, and once the caller has gone (a server SIGKILLed, or stopped
     *                  past its grace) reads and drops what the command writes, so the command runs to its own end
     *                  instead of dying of SIGPIPE (141), as dockerd's shim holds its execs' pipes
     */
    record Options(boolean stdinOpen, boolean tty, int rows, int cols, Optional<Duration> timeout,
                   Optional<java.nio.file.Path> exitRecord, List<Integer> outputEnds) {
        public Options {
            outputEnds = List.copyOf(outputEnds);
            if (outputEnds.size() > 2 || (tty && !outputEnds.isEmpty())) {
                throw new IllegalArgumentException("output ends are stdout's and stderr's, without a tty: " + outputEnds);
            }
            if (rows < 0 || cols < 0 || rows > 65535 || cols > 65535) {
                throw dev.quilt.domain.QuiltException.invalid("a terminal size is 0 to 65535 rows and columns, not "
                        + rows + "x" + cols);
            }
            exitRecord.ifPresent(p -> {
                if (!p.isAbsolute()) throw new IllegalArgumentException("an exit record is an absolute path: " + p);
            });
        }

        /** Without output ends held. */
        public Options(boolean stdinOpen, boolean tty, int rows, int cols, Optional<Duration> timeout,
                       Optional<java.nio.file.Path> exitRecord) {
            this(stdinOpen, tty, rows, cols, timeout, exitRecord, List.of());
        }

        /** Without an exit record or output ends held. */
        public Options(boolean stdinOpen, boolean tty, int rows, int cols, Optional<Duration> timeout) {
            this(stdinOpen, tty, rows, cols, timeout, Optional.empty());
        }

        /** The same, with {@code ends} as {@link #outputEnds}. */
        public Options withOutputEnds(List<Integer> ends) {
            return new Options(stdinOpen, tty, rows, cols, timeout, exitRecord, ends);
        }
    }

    /**
     * A command that runs: started by {@link #start}, waited for by whoever holds it. It outlives no Quilt process
     * by design: if the holder dies, quilt-exec sees its socket close and the command goes on as an orphan of the
     * container's init (docker's exec does the same).
     */
    interface Session extends AutoCloseable {
        /** The command's pid in the host's pid namespace. */
        int pid();

        /** Blocks until the command exits (quilt-exec's RESULT, an event) and returns how. */
        ExitStatus await();

        /** Sets the pty's size (TIOCSWINSZ: the command gets SIGWINCH); without a tty it is an error of kind CONFLICT. */
        void resize(int rows, int cols);

        /** Sends {@code signal} to the command's process group; one that has exited is not an error. */
        void signal(int signal);

        /** Whether the command was killed at its {@link Options#timeout()}; meaningful once {@link #await} returned. */
        boolean timedOut();

        /** Lets go of quilt-exec's socket; a command still running goes on. */
        @Override
        void close();
    }

    /**
     * Starts the command with {@code stdio} as its stdin, stdout and stderr (or a pty relayed to them) and returns
     * once it has exec'd. Failures before it runs throw as for {@link #run}.
     */
    Session start(Target target, ProcessSpec process, Stdio stdio, Options options);

    /** How a captured command ended and what it wrote (stdout and stderr, cut at the asked-for size). */
    record Captured(ExitStatus exit, boolean timedOut, String output) {}

    /**
     * Runs the command with stdin /dev/null and its stdout and stderr kept (the
     * first {@code maxOutput} bytes), killing it at {@code timeout}: for health
     * checks. Failures before it runs throw as for {@link #run}.
     */
    Captured capture(Target target, ProcessSpec process, Duration timeout, int maxOutput);

    /**
     * A real exec into the container of a static binary of Quilt's own that
     * exits 0 at once, with the cwd and user of {@code process}: proof that an
     * exec works whatever the image holds. Failures throw as for {@link #run}.
     */
    Captured probe(Target target, ProcessSpec process, Duration timeout);

    /**
     * A created container whose first exec (its readiness probe) comes at its start: whatever makes that exec
     * cheaper may be made now, behind the caller's back and outside the container (nothing joins its namespaces or
     * cgroups, nothing runs in it), so that start only opens the gate and waits for readiness. Never blocks and
     * never fails: what could not be made is made, or done without, by the exec itself. By default nothing.
     */
    default void expect(Target target) {}
}
