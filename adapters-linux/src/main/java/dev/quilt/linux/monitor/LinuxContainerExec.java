package dev.quilt.linux.monitor;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Security;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Protocol;
import dev.quilt.linux.jni.Sockets;
import dev.quilt.ports.ContainerExec;
import dev.quilt.ports.SeccompFilters;
import dev.quilt.ports.Stdio;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;

/**
 * {@code quilt exec} through quilt-exec: the JVM spawns it (posix_spawn, our
 * stdio, the socket as fd 3, our process group so a terminal's ^C reaches it),
 * sends one EXEC message and reads the answer: FAIL, or the end of file that
 * the command's execve makes. Then it waits for quilt-exec, which exits with the
 * command's status. A captured run (health checks, the readiness probe) is
 * answered with RESULT instead, once quilt-exec has seen the command's pidfd
 * or its own timerfd fire.
 */
public final class LinuxContainerExec implements ContainerExec {
    /** How long past a captured command's own deadline we wait for quilt-exec to say so. */
    private static final Duration GRACE = Duration.ofSeconds(5);

    private final NativeLibrary lib;
    private final SeccompFilters seccomp;
    private final ExecZygotes zygotes;

    /** {@code seccomp} compiles the target's profile, which the command loads last before execve. */
    public LinuxContainerExec(NativeLibrary lib, SeccompFilters seccomp) {
        this(lib, seccomp, null);
    }

    /**
     * As {@link #LinuxContainerExec(NativeLibrary, SeccompFilters)}; while {@code zygotes} is enabled,
     * {@link #start}, {@link #capture} and {@link #probe} get their quilt-exec forked by the container's zygote
     * rather than spawned ({@link ExecZygotes}); {@link #run} and {@link #handOff} always spawn.
     */
    public LinuxContainerExec(NativeLibrary lib, SeccompFilters seccomp, ExecZygotes zygotes) {
        this.lib = lib;
        this.seccomp = seccomp;
        this.zygotes = zygotes;
    }

    @Override
    public ExitStatus run(Target target, ProcessSpec process, boolean stdinOpen, boolean tty) {
        return run(target, process, Stdio.INHERITED, stdinOpen, tty);
    }

    @Override
    public ExitStatus run(Target target, ProcessSpec process, Stdio stdio, boolean stdinOpen, boolean tty) {
        // the relay would wait for keys that never come: a pipe's end of file is no ^D to the pty (docker refuses too)
        if (tty && stdinOpen && !Processes.terminal(stdio.in())) {
            throw QuiltException.invalid("stdin is not a terminal, and -i with -t relays one: "
                    + "drop -t to read from a pipe or a file");
        }
        MessageWriter w = request(target, process, process.args(), stdinOpen);
        if (tty) w.put(Protocol.T_TTY, 1);
        int[] helper = stdio.equals(Stdio.INHERITED) ? spawn() : spawn(stdio, 0);
        int ours = helper[0];
        int pid = helper[1];
        try {
            Sockets.send(ours, w.array(), w.length(), "quilt-exec");
            byte[] buf = new byte[4096];
            int n = Sockets.receive(ours, buf, "quilt-exec");
            if (n > 0) {
                Message reply = Message.parse(buf, n);
                int status = Processes.await(pid);
                pid = -1;
                if (reply.type() == Protocol.MSG_FAIL) throw MonitorSpawner.failure(reply);
                throw new QuiltException(QuiltException.Kind.SYSTEM, "quilt-exec sent message " + reply.type()
                        + " (exit status " + status + ")");
            }
            // end of file: the command has exec'd (or quilt-exec died; its status says which)
            int status = Processes.await(pid);
            pid = -1;
            return ExitStatus.fromWaitStatus(status);
        } finally {
            Processes.closeFd(ours);
            if (pid > 0) Processes.await(pid);
        }
    }

    /**
     * runc's exec through the same quilt-exec: it answers EXEC_STARTED with the command's host pid, then FAIL or
     * the end of file of the command's execve. Detached, quilt-exec exits 0 right after that execve (its own
     * close-on-exec pipe tells it), so the command's parent is the caller's nearest child subreaper. If
     * {@code started} throws (the pid file cannot be written) the command is killed, as runc terminates it.
     */
    @Override
    public Optional<ExitStatus> handOff(Target target, ProcessSpec process, boolean tty, Handoff how,
                                        IntConsumer started) {
        // runc passes its stdin on; a terminal it relays must be ours: a pipe's end of file is no ^D to the pty,
        // and the command would wait for ever (runc: "open /dev/tty: no such device or address")
        boolean relayed = tty && how.consoleSocket().isEmpty();
        if (relayed && !Processes.terminal(0)) {
            throw QuiltException.invalid("exec --tty relays this terminal, and stdin is not one: give --console-socket,"
                    + " or leave out --tty");
        }
        boolean stdinOpen = true;
        MessageWriter w = request(target, process, process.args(), stdinOpen).put(Protocol.T_EXEC_PID_WANTED, 1);
        if (tty) w.put(Protocol.T_TTY, 1);
        how.consoleSocket().ifPresent(s -> w.put(Protocol.T_CONSOLE_SOCKET, s));
        if (how.detach()) w.put(Protocol.T_DETACH, 1);
        if (how.preserveFds() > 0) w.put(Protocol.T_PRESERVE_FDS, how.preserveFds());
        int[] helper = spawn();
        int ours = helper[0];
        int pid = helper[1];
        try {
            Sockets.send(ours, w.array(), w.length(), "quilt-exec");
            byte[] buf = new byte[4096];
            int command = -1;
            int n;
            while ((n = Sockets.receive(ours, buf, "quilt-exec")) > 0) {
                Message reply = Message.parse(buf, n);
                if (reply.type() == Protocol.MSG_EXEC_STARTED && command < 0) {
                    command = (int) reply.number(Protocol.T_PID);
                    continue;
                }
                int status = Processes.await(pid);
                pid = -1;
                if (reply.type() == Protocol.MSG_FAIL) throw MonitorSpawner.failure(reply);
                throw new QuiltException(QuiltException.Kind.SYSTEM, "quilt-exec sent message " + reply.type()
                        + " (exit status " + status + ")");
            }
            if (command < 0) { // end of file with no pid: quilt-exec died; its status says how
                int status = Processes.await(pid);
                pid = -1;
                throw new QuiltException(QuiltException.Kind.SYSTEM, "quilt-exec exited before the command ran "
                        + "(exit status " + status + ")");
            }
            // end of file: the command has exec'd
            try {
                started.accept(command);
            } catch (RuntimeException e) { // runc terminates a process whose pid file it could not write
                int pidfd = Processes.openPidfd(command);
                if (pidfd >= 0) {
                    Processes.signal(pidfd, Protocol.SIGKILL);
                    Processes.closeFd(pidfd);
                }
                throw e;
            }
            int status = Processes.await(pid);
            pid = -1;
            if (how.detach()) {
                if (status != 0) {
                    throw new QuiltException(QuiltException.Kind.SYSTEM, "quilt-exec exited with status " + status
                            + " after the command's exec");
                }
                return Optional.empty();
            }
            return Optional.of(ExitStatus.fromWaitStatus(status));
        } finally {
            Processes.closeFd(ours);
            if (pid > 0) Processes.await(pid);
        }
    }

    /**
     * An exec session: quilt-exec (in a session of its own, so a signal to the server's group is not for it) with
     * {@code stdio} as its stdio, told SESSION: it answers EXEC_STARTED with the command's host pid once the command
     * has exec'd, or FAIL; it stays, taking RESIZE and SIGNAL, and answers RESULT at the command's end.
     */
    @Override
    public Session start(Target target, ProcessSpec process, Stdio stdio, Options options) {
        MessageWriter w = request(target, process, process.args(), options.stdinOpen()).put(Protocol.T_SESSION, 1);
        if (options.tty()) {
            w.put(Protocol.T_TTY, 1);
            if (options.rows() > 0) {
                w.put(Protocol.T_ROWS, options.rows()).put(Protocol.T_COLS,
                        options.cols() > 0 ? options.cols() : options.rows());
            }
        }
        options.timeout().ifPresent(t -> w.put(Protocol.T_TIMEOUT_MS, Math.max(1, t.toMillis())));
        options.exitRecord().ifPresent(p -> w.put(Protocol.T_EXIT_RECORD, p.toString()));
        // our output ends, for its session to hold (exec/session.h): sent right behind the EXEC, read by it once the
        // command runs, off the command's path
        Helper h = launch(target, w, stdio, Processes.SPAWN_SETSID, 4096,
                options.outputEnds().stream().mapToInt(Integer::intValue).toArray());
        try {
            byte[] buf = new byte[4096];
            Message reply = h.next(buf);
            if (reply != null && reply.type() == Protocol.MSG_EXEC_STARTED) {
                LinuxSession s = new LinuxSession(h, (int) reply.number(Protocol.T_PID), options.tty());
                h = null;
                return s;
            }
            if (reply != null && reply.type() == Protocol.MSG_FAIL) throw MonitorSpawner.failure(reply);
            if (reply != null) throw new QuiltException(QuiltException.Kind.SYSTEM, "quilt-exec sent message " + reply.type());
            throw new QuiltException(QuiltException.Kind.SYSTEM, "quilt-exec exited before the command ran "
                    + "(exit status " + h.status() + ")");
        } finally {
            if (h != null) h.close();
        }
    }

    /**
     * One quilt-exec of an exec: our end of its socket, and the process: our child when spawned (reaped here), or a
     * zygote's child when forked, whose pid FORKED told and whose own wait status the zygote sends as EXEC_EXITED
     * after everything it said (then the end of file). {@link #next} hides both FORKED and EXEC_EXITED.
     */
    private static final class Helper {
        final int sock;
        private final int spawned;  // our child, or -1
        private int forked = -1;    // a zygote's child, from FORKED
        private int exited = -1;    // forked: its wait status from EXEC_EXITED, -1 until then
        private boolean reaped;
        boolean late;               // the deadline of next(buf, deadline) came first
        private Message pending;    // forked: a first message that came before FORKED

        Helper(int sock, int spawned) {
            this.sock = sock;
            this.spawned = spawned;
        }

        /**
         * Reads the first message on a socket handed to a zygote: false at the end of file with no message at all
         * (the zygote went with the FORK unread, or its fork failed: nothing was forked). Anything else means a
         * child runs: FORKED (the zygote's, as a rule first) gives its pid; a child's word that came before it
         * is kept for {@link #next}.
         */
        boolean forked(int capacity) {
            byte[] buf = new byte[capacity];
            int n = Sockets.receive(sock, buf, "quilt-exec");
            if (n <= 0) return false;
            Message m = Message.parse(buf, n);
            if (m.type() == Protocol.MSG_FORKED) forked = (int) m.number(Protocol.T_PID);
            else pending = m;
            return true;
        }

        /** The next message of quilt-exec's; null at its end (the end of file, or EXEC_EXITED). */
        Message next(byte[] buf) {
            return next(buf, null);
        }

        /** As {@link #next(byte[])} with a deadline; null with {@link #late} set when it came first. */
        Message next(byte[] buf, Instant deadline) {
            if (pending != null) {
                Message m = pending;
                pending = null;
                if (m.type() != Protocol.MSG_EXEC_EXITED) return m;
                int signal = (int) m.number(Protocol.T_SIGNAL);
                exited = signal > 0 ? signal & 0x7f : ((int) m.number(Protocol.T_EXIT_CODE) & 0xff) << 8;
                return null;
            }
            while (true) {
                int n = deadline == null ? Sockets.receive(sock, buf, "quilt-exec")
                        : Sockets.receive(sock, buf, "quilt-exec", deadline);
                if (n == Sockets.TIMED_OUT) {
                    late = true;
                    return null;
                }
                if (n == 0) return null;
                Message m = Message.parse(buf, n);
                if (m.type() == Protocol.MSG_FORKED) {
                    forked = (int) m.number(Protocol.T_PID);
                } else if (m.type() == Protocol.MSG_EXEC_EXITED) {
                    int signal = (int) m.number(Protocol.T_SIGNAL);
                    exited = signal > 0 ? signal & 0x7f : ((int) m.number(Protocol.T_EXIT_CODE) & 0xff) << 8;
                    return null;
                } else {
                    return m;
                }
            }
        }

        /**
         * Its wait status once it has ended: spawned, waitpid's; forked, EXEC_EXITED's (read on to it). -1 when
         * nobody can say: a forked quilt-exec whose zygote died too, so no status came before the end of file.
         */
        int status() {
            if (spawned > 0) {
                if (reaped) return exited;
                reaped = true;
                exited = Processes.await(spawned);
                return exited;
            }
            byte[] buf = new byte[4096];
            while (exited < 0 && next(buf) != null) {
                // what it said after the message that ended our reading: not ours any more
            }
            return exited;
        }

        /** SIGKILL to it (a captured run that never answered). */
        void kill() {
            int pid = spawned > 0 ? spawned : forked;
            if (pid <= 0 || (spawned > 0 && reaped)) return;
            int pidfd = Processes.openPidfd(pid);
            if (pidfd >= 0) {
                Processes.signal(pidfd, Protocol.SIGKILL);
                Processes.closeFd(pidfd);
            }
        }

        /** Our end closed; a spawned one not yet reaped is waited for (it exits: its answer is given). */
        void close() {
            Processes.closeFd(sock);
            if (spawned > 0 && !reaped) {
                reaped = true;
                Processes.await(spawned);
            }
        }

        /** Closed now; a spawned one is reaped by a thread that waits for just that (a session let go of). */
        void release() {
            Processes.closeFd(sock);
            if (spawned > 0 && !reaped) {
                reaped = true;
                Thread.ofPlatform().daemon().name("quilt-exec-reaper-" + spawned).start(() -> Processes.await(spawned));
            }
        }
    }

    /**
     * quilt-exec for {@code w}: forked by the container's zygote when zygotes are on and one takes it, else spawned
     * (posix_spawn, {@code flags}). The EXEC is sent on the socket first, so a forked child finds it waiting.
     * {@code capacity}: the largest message the caller reads (a captured run's RESULT holds its output). A
     * zygote that went with our FORK unread, or whose fork failed, closed the fds it carried: the end of file with
     * no message at all, nothing ran, and quilt-exec is spawned instead; so a dead zygote never fails an exec.  (Only a zygote that died right
     * after its fork, before FORKED, with a child that died too before its first word, looks the same.)
     */
    private Helper launch(Target target, MessageWriter w, Stdio stdio, int flags, int capacity) {
        return launch(target, w, stdio, flags, capacity, new int[0]);
    }

    /**
     * As {@link #launch(Target, MessageWriter, Stdio, int, int)}, with an FDS of {@code held} right behind the EXEC
     * (none when empty): both are queued before a zygote forks, so a session reads the FDS in its first turn.
     */
    private Helper launch(Target target, MessageWriter w, Stdio stdio, int flags, int capacity, int[] held) {
        int[] pair = Sockets.pair();
        boolean sent = false;
        try {
            if (zygotes != null && zygotes.enabled()) {
                Sockets.send(pair[0], w.array(), w.length(), "quilt-exec");
                if (held.length > 0) Sockets.sendFds(pair[0], held, "quilt-exec");
                sent = true;
                int[] fds = stdio.fds();
                if (zygotes.fork(target.id().toString(), target.init(), target.cgroup(),
                        new int[] {fds[0], fds[1], fds[2], pair[1]})) {
                    Processes.closeFd(pair[1]);
                    pair[1] = -1;
                    Helper h = new Helper(pair[0], -1);
                    if (h.forked(capacity)) {
                        pair[0] = -1;
                        return h;
                    }
                    // the end of file with no message: nothing was forked
                    Processes.closeFd(pair[0]);
                    pair = Sockets.pair();
                    sent = false;
                }
            }
            int pid = stdio.equals(Stdio.INHERITED) ? Processes.spawn(lib.exec().toString(), pair[1], flags)
                    : Processes.spawn(lib.exec().toString(), pair[1], flags, stdio.fds());
            Helper h = new Helper(pair[0], pid);
            pair[0] = -1;
            if (!sent) {
                Sockets.send(h.sock, w.array(), w.length(), "quilt-exec");
                if (held.length > 0) Sockets.sendFds(h.sock, held, "quilt-exec");
            }
            return h;
        } finally {
            Processes.closeFd(pair[0]);
            Processes.closeFd(pair[1]);
        }
    }

    /**
     * A running session: quilt-exec's socket and quilt-exec itself ({@link Helper}: our child, reaped here, or a
     * zygote's). Sends go beside a blocked {@link #await} on the same socket (a SOCK_SEQPACKET socket takes both at
     * once); the socket is closed by whichever of {@link #await} and {@link #close} comes last, never under a reader.
     * The end is RESULT (a spawned quilt-exec, which exits right after it, is then reaped; a forked one is its
     * zygote's to reap, so nothing waits for it); one that ends without RESULT (killed) gives its own status.
     */
    private static final class LinuxSession implements Session {
        private final Helper helper;
        private final int command;
        private final boolean tty;
        private int sock;
        private boolean awaiting;
        private boolean closeAsked;
        private ExitStatus exit;
        private boolean timedOut;

        LinuxSession(Helper helper, int command, boolean tty) {
            this.helper = helper;
            this.sock = helper.sock;
            this.command = command;
            this.tty = tty;
        }

        @Override
        public int pid() {
            return command;
        }

        @Override
        public ExitStatus await() {
            synchronized (this) {
                while (awaiting) waitQuietly();
                if (exit != null) return exit;
                if (sock < 0) throw new IllegalStateException("the session was closed before its end was awaited");
                awaiting = true;
            }
            ExitStatus got = null;
            boolean late = false;
            try {
                byte[] buf = new byte[4096];
                Message m;
                while ((m = helper.next(buf)) != null) {
                    if (m.type() != Protocol.MSG_RESULT) continue;
                    int signal = (int) m.number(Protocol.T_SIGNAL);
                    got = signal > 0 ? ExitStatus.killedBy(signal) : ExitStatus.exited((int) m.number(Protocol.T_EXIT_CODE));
                    late = m.number(Protocol.T_TIMED_OUT) != 0;
                    break;
                }
                if (got == null) { // it died without RESULT: its own status says how
                    int status = helper.status();
                    // -1: a forked one whose zygote died too, so nobody saw its end; it dies without RESULT only
                    // when killed, SIGKILL (its container's cgroup, the OOM killer) is what kills it
                    got = status < 0 ? ExitStatus.killedBy(Protocol.SIGKILL) : ExitStatus.fromWaitStatus(status);
                }
            } finally {
                synchronized (this) {
                    awaiting = false;
                    if (got != null) {
                        exit = got;
                        timedOut = late;
                    }
                    helper.close(); // a spawned one exits right after RESULT: reaped now, as before zygotes
                    sock = -1;
                    notifyAll();
                }
            }
            return got;
        }

        private void waitQuietly() {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new QuiltException(QuiltException.Kind.SYSTEM, "interrupted while waiting for an exec");
            }
        }

        @Override
        public void resize(int rows, int cols) {
            if (!tty) throw QuiltException.conflict("the exec has no terminal to resize");
            if (rows < 1 || cols < 1 || rows > 65535 || cols > 65535) {
                throw QuiltException.invalid("a terminal size is 1 to 65535 rows and columns, not " + rows + "x" + cols);
            }
            send(new MessageWriter(Protocol.MSG_RESIZE).put(Protocol.T_ROWS, rows).put(Protocol.T_COLS, cols));
        }

        @Override
        public void signal(int signal) {
            if (signal < 1 || signal > 64) throw QuiltException.invalid("signal " + signal + " is not 1 to 64");
            send(new MessageWriter(Protocol.MSG_SIGNAL).put(Protocol.T_SIGNAL, signal));
        }

        /** A control message; a command that has ended (the socket gone) is not an error. */
        private synchronized void send(MessageWriter w) {
            if (sock < 0 || exit != null) return;
            try {
                Sockets.send(sock, w.array(), w.length(), "quilt-exec");
            } catch (RuntimeException e) {
                // quilt-exec has ended: the command is over, and await says how
            }
        }

        @Override
        public synchronized boolean timedOut() {
            return timedOut;
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closeAsked || sock < 0 || awaiting) {
                    closeAsked = true;
                    return;
                }
                closeAsked = true;
                sock = -1;
                helper.release(); // a spawned quilt-exec is our child: reaped when it ends, by a thread that waits for it
            }
        }
    }

    @Override
    public Captured capture(Target target, ProcessSpec process, Duration timeout, int maxOutput) {
        MessageWriter w = request(target, process, process.args(), false)
                .put(Protocol.T_CAPTURE, maxOutput)
                .put(Protocol.T_TIMEOUT_MS, Math.max(1, timeout.toMillis()));
        return captured(target, w, timeout);
    }

    @Override
    public Captured probe(Target target, ProcessSpec process, Duration timeout) {
        MessageWriter w = request(target, process, List.of("quilt-init", "--probe"), false)
                .put(Protocol.T_PROBE_PATH, lib.init().toString())
                .put(Protocol.T_CAPTURE, 1024)
                .put(Protocol.T_TIMEOUT_MS, Math.max(1, timeout.toMillis()));
        try {
            return captured(target, w, timeout);
        } finally {
            // the probe was spawned (a container's first exec): its zygote is made now, behind the answer
            if (zygotes != null) zygotes.warm(target.id().toString(), target.init(), target.cgroup());
        }
    }

    /** The container's zygote, made now on the thread that makes them ahead of use ({@link ExecZygotes#expect}). */
    @Override
    public void expect(Target target) {
        if (zygotes != null) zygotes.expect(target.id().toString(), target.init(), target.cgroup());
    }

    private Captured captured(Target target, MessageWriter w, Duration timeout) {
        Helper h = launch(target, w, Stdio.INHERITED, 0, Protocol.MSG_MAX);
        try {
            byte[] buf = new byte[Protocol.MSG_MAX];
            Message reply = h.next(buf, Instant.now().plus(timeout).plus(GRACE));
            if (h.late) {
                h.kill();
                throw new QuiltException(QuiltException.Kind.SYSTEM, "quilt-exec did not answer within "
                        + timeout.plus(GRACE).toMillis() + " ms; it was killed");
            }
            if (reply == null) {
                throw new QuiltException(QuiltException.Kind.SYSTEM, "quilt-exec exited without an answer (status "
                        + h.status() + ")");
            }
            if (reply.type() == Protocol.MSG_FAIL) throw MonitorSpawner.failure(reply);
            if (reply.type() != Protocol.MSG_RESULT) {
                throw new QuiltException(QuiltException.Kind.SYSTEM, "quilt-exec sent message " + reply.type());
            }
            int signal = (int) reply.number(Protocol.T_SIGNAL);
            ExitStatus exit = signal > 0 ? ExitStatus.killedBy(signal)
                    : ExitStatus.exited((int) reply.number(Protocol.T_EXIT_CODE));
            return new Captured(exit, reply.number(Protocol.T_TIMED_OUT) != 0,
                    reply.get(Protocol.T_OUTPUT).orElse(""));
        } finally {
            h.close();
        }
    }

    private MessageWriter request(Target target, ProcessSpec process, List<String> args, boolean stdinOpen) {
        MessageWriter w = new MessageWriter(Protocol.MSG_EXEC)
                .put(Protocol.T_PID, target.init().pid())
                .put(Protocol.T_START_TIME, target.init().startTime())
                .put(Protocol.T_CWD, process.cwd())
                .put(Protocol.T_UID, process.user().uid())
                .put(Protocol.T_GID, process.user().gid())
                .put(Protocol.T_STDIN_NULL, stdinOpen ? 0 : 1);
        long flags = 0;
        for (Namespace ns : target.namespaces()) flags |= Protocol.cloneFlag(ns);
        w.put(Protocol.T_NS_FLAGS, flags);
        target.cgroup().unified().ifPresent(d -> w.put(Protocol.T_CGROUP_V2, d));
        for (String d : target.cgroup().controllers()) w.put(Protocol.T_CGROUP_V1, d);
        for (String a : args) w.put(Protocol.T_ARG, a);
        for (String e : process.env()) w.put(Protocol.T_ENV, e);
        w.putRecords(confinement(target));
        return w;
    }

    /** A container's confinement records as last made, and the {@link Security} they were made from. */
    private record Confinement(Security security, byte[] records) {}

    /** How many containers' confinement records are kept; past it, all are dropped and made again. */
    private static final int CONFINEMENTS_KEPT = 1024;

    private final Map<ContainerId, Confinement> confinements = new ConcurrentHashMap<>();

    /**
     * The target's confinement records ({@link ConfineRecords}: capabilities, the seccomp program of ~12 KB,
     * rlimits…), made once per container and confinement: a lookup of an unchanged record gives the very same
     * {@link Security} object, so every exec, probe and health check of a container after its first copies the
     * bytes instead of making them again. A confinement that differs (exec's --privileged or --cap-add, a changed
     * record) is a different object, and is made anew.
     */
    private byte[] confinement(Target target) {
        Confinement known = confinements.get(target.id());
        if (known != null && known.security() == target.security()) return known.records();
        MessageWriter part = MessageWriter.part();
        ConfineRecords.put(part, target.id(), target.security(), seccomp);
        byte[] records = part.records();
        if (confinements.size() >= CONFINEMENTS_KEPT) confinements.clear();
        confinements.put(target.id(), new Confinement(target.security(), records));
        return records;
    }

    /** As {@link #spawn()}, with {@code stdio} as its stdin, stdout and stderr. */
    private int[] spawn(Stdio stdio, int flags) {
        int[] pair = Sockets.pair();
        try {
            return new int[] {pair[0], Processes.spawn(lib.exec().toString(), pair[1], flags, stdio.fds())};
        } catch (RuntimeException e) {
            Processes.closeFd(pair[0]);
            throw e;
        } finally {
            Processes.closeFd(pair[1]);
        }
    }

        /** quilt-exec with the other end of a fresh socket pair as its fd 3: our end, and its pid. */
    private int[] spawn() {
        int[] pair = Sockets.pair();
        try {
            return new int[] {pair[0], Processes.spawn(lib.exec().toString(), pair[1], 0)};
        } catch (RuntimeException e) {
            Processes.closeFd(pair[0]);
            throw e;
        } finally {
            Processes.closeFd(pair[1]);
        }
    }
}
