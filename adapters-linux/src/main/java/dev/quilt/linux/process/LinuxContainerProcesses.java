package dev.quilt.linux.process;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RecordedExit;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.ProcStat;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Protocol;
import dev.quilt.linux.jni.StartGate;
import dev.quilt.linux.jni.Watches;
import dev.quilt.ports.ContainerProcesses;
import dev.quilt.ports.SpawnFailedException;
import dev.quilt.ports.StateStore;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Signals through pidfds opened from pid and start time (a reused pid is never
 * signalled); waits on inotify (exit.json appearing) together with the
 * monitor's pidfd in one epoll, with the deadline as the epoll timeout. A
 * monitor that was killed leaves an init that runs on: then the wait is on the
 * init's own pidfd, so stop, kill and wait still work, without an exit code.
 */
public final class LinuxContainerProcesses implements ContainerProcesses {
    private final LinuxPaths paths;
    private final StateStore state;
    private Map<String, Integer> signals;

    public LinuxContainerProcesses(LinuxPaths paths, StateStore state) {
        this.paths = paths;
        this.state = state;
    }

    @Override
    public boolean isAlive(ProcessRef process) {
        return ProcStat.alive(process);
    }

    @Override
    public void signal(ProcessRef process, int signal) {
        int pidfd = pidfd(process);
        if (pidfd < 0) return;
        try {
            Processes.signal(pidfd, signal);
        } finally {
            Processes.closeFd(pidfd);
        }
    }

    /** A pidfd for exactly this process, or -1 when it is gone (checked after opening: no race with reuse). */
    private static int pidfd(ProcessRef process) {
        int fd = Processes.openPidfd(process.pid());
        if (fd >= 0 && !ProcStat.alive(process)) {
            Processes.closeFd(fd);
            return -1;
        }
        return fd;
    }

    @Override
    public WaitOutcome awaitExit(ContainerId id, ProcessRef monitor, Optional<ProcessRef> init,
                                 Optional<Duration> deadline) {
        String dir = paths.containerState(id).toString();
        int inotify = Watches.inotify();
        int monitorFd = -1, initFd = -1;
        boolean initLooked = false, initOutlived = false;
        try {
            // watch first, then look: an exit written in between is not missed
            Watches.watch(inotify, dir, Watches.mask("IN_MOVED_TO") | Watches.mask("IN_CREATE")
                    | Watches.mask("IN_DELETE_SELF") | Watches.mask("IN_MOVE_SELF"));
            monitorFd = pidfd(monitor);
            long end = deadline.map(d -> System.nanoTime() + d.toNanos()).orElse(Long.MAX_VALUE);
            while (true) {
                Optional<RecordedExit> exit = state.recordedExit(id);
                if (exit.isPresent()) return new Exited(exit.get());
                if (!Files.isDirectory(paths.containerState(id))) {
                    throw new dev.quilt.domain.NoSuchContainerException(id.shortForm(),
                            "container '" + id.shortForm() + "' was removed while we waited");
                }
                if (monitorFd < 0) {
                    // the monitor is gone; it may have written the file just before it left
                    Optional<RecordedExit> last = state.recordedExit(id);
                    if (last.isPresent()) return new Exited(last.get());
                    if (!initLooked) { // killed while its init runs on: nobody will write one; wait for the init
                        initLooked = true;
                        initFd = init.map(LinuxContainerProcesses::pidfd).orElse(-1);
                        initOutlived = initFd >= 0;
                    }
                    if (initFd < 0) return new MonitorGone(initOutlived);
                }
                long left = deadline.isEmpty() ? -1 : Math.max(0, (end - System.nanoTime()) / 1_000_000);
                int ready = Watches.await(new int[] {inotify, monitorFd >= 0 ? monitorFd : initFd}, left);
                if (ready == Watches.TIMED_OUT) return new TimedOut();
                if (ready == 0) {
                    Watches.drainEvents(inotify);
                } else if (monitorFd >= 0) {
                    Processes.closeFd(monitorFd);
                    monitorFd = -1;
                } else {
                    Processes.closeFd(initFd);
                    initFd = -1;
                }
            }
        } finally {
            Processes.closeFd(monitorFd);
            Processes.closeFd(initFd);
            Processes.closeFd(inotify);
        }
    }

    @Override
    public boolean startPending(ContainerId id) {
        return Files.exists(paths.execFifo(id));
    }

    @Override
    public void start(ContainerId id, ProcessRef init) {
        String fifo = paths.execFifo(id).toString();
        if (!startPending(id)) {
            throw QuiltException.conflict("container '" + id.shortForm() + "' has been started already");
        }
        int pidfd = pidfd(init);
        if (pidfd < 0) throw QuiltException.conflict("container '" + id.shortForm() + "' is not waiting to start: its init is gone");
        StartGate.Outcome outcome;
        try {
            // a start whose caller died after it opened the gate (a server SIGKILLed mid-call) left the fifo and a
            // "created" record behind, and the init has exec'd its command: no writer will ever come, so waiting
            // on the fifo would be forever. Its exe says which side of the gate it is on (checked after the pidfd
            // was opened and the start time matched, so the pid is still this init)
            outcome = pastTheGate(init) ? new StartGate.Started() : StartGate.open(fifo, pidfd);
        } finally {
            Processes.closeFd(pidfd);
        }
        try {
            Files.deleteIfExists(paths.execFifo(id)); // started once; a second start is a conflict
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot remove " + fifo + ": " + dev.quilt.linux.IoErrors.why(e), e);
        }
        switch (outcome) {
            case StartGate.Started s -> { }
            case StartGate.NotWaiting n -> throw QuiltException.conflict(
                    "container '" + id.shortForm() + "' is not waiting to start: its init is gone");
            case StartGate.ExecFailed f when f.reason().startsWith("HOOK ") -> // a startContainer hook failed
                    throw new SpawnFailedException(SpawnFailedException.Step.HOOK, "ECANCELED", f.reason().substring(5));
            case StartGate.ExecFailed f -> {
                int space = f.reason().indexOf(' '); // "ENOENT exec "x": no such file or directory"
                throw new SpawnFailedException(SpawnFailedException.Step.EXEC,
                        space < 0 ? "EIO" : f.reason().substring(0, space), f.reason().substring(space + 1));
            }
        }
    }

    /**
     * Whether the init has left its gate: until its execve it is a clone of quilt-monitor, run from the sealed
     * copy {@code /memfd:quilt-monitor (deleted)}; after, its exe is the command's (or quilt-init's memfd).
     */
    private static boolean pastTheGate(ProcessRef init) {
        try {
            String exe = Files.readSymbolicLink(java.nio.file.Path.of("/proc", String.valueOf(init.pid()), "exe")).toString();
            return !exe.startsWith("/memfd:quilt-monitor");
        } catch (IOException e) {
            return false; // gone: the gate's wait sees it through the pidfd
        }
    }

    @Override
    public synchronized int signalNumber(String nameOrNumber) {
        String s = nameOrNumber.strip();
        int max = Processes.maxSignal();
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
            int n = s.length() > 3 ? -1 : Integer.parseInt(s);
            if (n >= 1 && n <= max) return n;
            throw QuiltException.invalid("invalid signal '" + nameOrNumber + "': use a name like TERM or a number from 1 to " + max);
        }
        if (signals == null) {
            signals = new HashMap<>();
            for (int i = 1; i <= max; i++) {
                String name = Processes.nameOf(i);
                if (name != null) signals.putIfAbsent(name, i);
            }
        }
        String key = s.toUpperCase(Locale.ROOT);
        if (key.startsWith("SIG")) key = key.substring(3);
        Integer n = signals.get(key);
        if (n == null) {
            throw QuiltException.invalid("invalid signal '" + nameOrNumber + "': use a name like TERM, KILL, HUP or a number");
        }
        return n;
    }

    @Override
    public int sigkill() {
        return Protocol.SIGKILL;
    }

    @Override
    public int sigterm() {
        return signalNumber("TERM");
    }
}
