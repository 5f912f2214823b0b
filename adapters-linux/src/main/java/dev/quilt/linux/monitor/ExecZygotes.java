package dev.quilt.linux.monitor;

import dev.quilt.domain.ProcessRef;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Protocol;
import dev.quilt.linux.jni.Sockets;
import dev.quilt.ports.Cgroups;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The server's exec zygotes (native/src/exec/zygote.h): one resident quilt-exec per running container init, which
 * forks each exec's quilt-exec, so an exec start, a readiness probe or a health check pays a fork of a small
 * process instead of a posix_spawn from the sealed memfd (the loader, libc's start, every signal reset).
 *
 * <p>Off until {@link #enable()} ({@code quilt serve} turns it on; the one-shot CLI has nothing for a zygote to
 * outlive) and off again after {@link #close()}. A container's first exec (as a rule its readiness probe) is
 * spawned, and its zygote made behind it ({@link #warm}: on a thread of its own once the probe has ended, so
 * neither the probe nor the answer that follows it waits for one) or, failing that, at its second exec; once
 * however many execs race for it (the map's compute), keyed by
 * the container's ID and its init's pid <em>and</em> start time (a restarted container has a new init, so a new
 * zygote). It is spawned as quilt-exec is (sealed memfd, a session of
 * its own, /dev/null as stdio) and told ZYGOTE with the container's cgroup dirs, whose files each exec's command
 * writes itself into (it opens them once, for all), and the probe's binary, quilt-init, of which it makes the one
 * sealed copy every readiness probe and health check execs (each made its own before: ~0.3 ms on the way to ready);
 * it joins nothing of the container (not its pid namespace, not its
 * cgroups: CRIU's dump, {@code top}, {@code pids.max} and the freezer never see it) and exits when its init does or
 * when its control socket closes (this JVM gone, or {@link #close()}). The JVM is its parent: one daemon thread per
 * zygote waits for its exit (it holds no lock) and drops it from the map.
 *
 * <p>A zygote that cannot take a FORK (its socket refuses it: it exited, or was killed) is dropped and the next
 * one made; {@link #fork} returning false sends the caller to posix_spawn. A zygote that dies with a FORK unread
 * closes the fds it carried: the caller sees the end of file before FORKED and spawns (see
 * {@link LinuxContainerExec}). So a dead zygote never fails an exec.
 */
public final class ExecZygotes implements AutoCloseable {
    private record Key(String container, int pid, long startTime) {}

    /** One zygote: its pid (our child) and our end of its control socket, closed once under the lock. */
    private static final class Zygote {
        final int pid;
        private int control;

        Zygote(int pid, int control) {
            this.pid = pid;
            this.control = control;
        }

        /** 0, or -errno: the zygote could not take it (gone: EPIPE, ECONNRESET; closed here: ENOTCONN). */
        synchronized int fork(int[] fds) {
            if (control < 0) return -Errno.ENOTCONN;
            return Sockets.sendFork(control, fds);
        }

        synchronized void close() {
            Processes.closeFd(control);
            control = -1;
        }
    }

    /** errno values the fork's answer is compared with (read from the library, never written down here). */
    private static final class Errno {
        static final int EBADF = dev.quilt.linux.jni.Errors.value("EBADF");
        static final int ENOTCONN = dev.quilt.linux.jni.Errors.value("ENOTCONN");
    }

    /** How many containers with one exec so far are remembered; past it the memory starts again (see fork). */
    private static final int SEEN_MAX = 4096;

    private final NativeLibrary lib;
    private final Map<Key, Zygote> zygotes = new ConcurrentHashMap<>();
    private final java.util.Set<Key> seen = ConcurrentHashMap.newKeySet();
    /** The one thread that makes zygotes ahead of use ({@link #warm}). */
    private final java.util.concurrent.ExecutorService ahead = java.util.concurrent.Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("quilt-exec-zygote-ahead").factory());
    private volatile boolean enabled;
    /** How many FORKs a zygote took (tests). */
    private final java.util.concurrent.atomic.AtomicLong forks = new java.util.concurrent.atomic.AtomicLong();

    public ExecZygotes(NativeLibrary lib) {
        this.lib = lib;
    }

    /** Turns zygotes on: later execs go through them. */
    public void enable() {
        enabled = true;
    }

    public boolean enabled() {
        return enabled;
    }

    /**
     * Asks the zygote of {@code container}'s init {@code init} (made now if there is none) to fork a quilt-exec with
     * {@code fds}: stdin, stdout, stderr and the child's end of the exec's socket, which the caller has already sent
     * the EXEC on. True when a zygote took the FORK; false when zygotes are off or none could take it (the caller
     * spawns quilt-exec itself). Never throws for a zygote's failure.
     */
    boolean fork(String container, ProcessRef init, Cgroups.Placement cgroup, int[] fds) {
        if (!enabled) return false;
        Key key = new Key(container, init.pid(), init.startTime());
        // a container's first exec is spawned, and its zygote made at its second: most containers take one exec
        // only (the readiness probe), which a zygote would make dearer (a spawn and a fork) and which is on the
        // path to ready; a forgotten first one (past SEEN_MAX) costs one more spawn, nothing else
        if (!zygotes.containsKey(key)) {
            if (seen.size() >= SEEN_MAX) seen.clear();
            if (seen.add(key)) return false;
            seen.remove(key);
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            Zygote z;
            try {
                z = zygotes.computeIfAbsent(key, k -> spawn(k, cgroup));
            } catch (RuntimeException e) { // could not spawn one: posix_spawn of the exec itself says why, if it must
                return false;
            }
            int rc = z.fork(fds);
            if (rc == 0) {
                forks.incrementAndGet();
                return true;
            }
            if (rc == -Errno.EBADF) return false; // one of the caller's fds is not open: no fault of the zygote's
            zygotes.remove(key, z); // gone or broken: its reaper has or will have it; the next try makes a new one
            z.close();
            if (!enabled) return false;
        }
        return false;
    }

    /**
     * Makes the zygote of {@code container}'s init {@code init} behind the caller's back, if zygotes are on, the
     * container has had its first exec and it has none: on the one thread that makes them ahead of use, so the next
     * exec forks at once. Called once a readiness probe has ended; a failure is the next exec's to meet (it spawns).
     */
    void warm(String container, ProcessRef init, Cgroups.Placement cgroup) {
        if (!enabled) return;
        Key key = new Key(container, init.pid(), init.startTime());
        if (zygotes.containsKey(key) || !seen.contains(key)) return;
        try {
            ahead.execute(() -> {
                if (!enabled || !seen.remove(key)) return; // off meanwhile, or an exec has made it already
                try {
                    zygotes.computeIfAbsent(key, k -> spawn(k, cgroup));
                } catch (RuntimeException e) {
                    // no zygote: the next exec spawns quilt-exec, and says why if that fails too
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // closed meanwhile: nothing to make
        }
    }

    /**
     * Makes the zygote of a created container's init {@code init} now, on the one thread that makes them ahead of
     * use, as if the container had had its first exec: its start's readiness probe (the exec that would otherwise
     * be spawned) then forks, and start only opens the gate and waits. Nothing when zygotes are off; a failure is
     * the probe's to meet (it spawns). The zygote joins nothing of the container, so it may wait beside a created
     * init as beside a running one, and it exits with that init.
     */
    void expect(String container, ProcessRef init, Cgroups.Placement cgroup) {
        if (!enabled) return;
        seen.add(new Key(container, init.pid(), init.startTime()));
        warm(container, init, cgroup);
    }

    /** Returns once what the thread that makes zygotes ahead of use was given before this call is done (tests). */
    void settled() throws InterruptedException, java.util.concurrent.ExecutionException {
        ahead.submit(() -> { }).get();
    }

    /** How many execs a zygote has forked so far (tests). */
    long forks() {
        return forks.get();
    }

    /** How many zygotes are alive now (tests). */
    int size() {
        return zygotes.size();
    }

    /** A zygote of {@code key}'s init, told the container's {@code cgroup} dirs, which it opens once for all execs. */
    private Zygote spawn(Key key, Cgroups.Placement cgroup) {
        if (!enabled) throw new IllegalStateException("exec zygotes are off");
        int[] pair = Sockets.pair();
        int nul = -1;
        int pid;
        try {
            nul = Processes.openDevNull();
            pid = Processes.spawn(lib.exec().toString(), pair[1], Processes.SPAWN_SETSID, new int[] {nul, nul, nul});
        } catch (RuntimeException e) {
            Processes.closeFd(pair[0]);
            throw e;
        } finally {
            Processes.closeFd(pair[1]);
            Processes.closeFd(nul);
        }
        Zygote z = new Zygote(pid, pair[0]);
        try {
            MessageWriter w = new MessageWriter(Protocol.MSG_ZYGOTE)
                    .put(Protocol.T_PID, key.pid())
                    .put(Protocol.T_START_TIME, key.startTime());
            cgroup.unified().ifPresent(d -> w.put(Protocol.T_CGROUP_V2, d));
            for (String d : cgroup.controllers()) w.put(Protocol.T_CGROUP_V1, d);
            // the readiness probe's and health checks' binary: copied (sealed) once by the zygote, not per probe
            w.put(Protocol.T_PROBE_PATH, lib.init().toString());
            Sockets.send(pair[0], w.array(), w.length(), "quilt-exec zygote");
        } catch (RuntimeException e) {
            z.close(); // its end of file: it exits, and the reaper below takes it
        }
        // our child: reaped by a thread that waits for just that, then forgotten
        Thread.ofPlatform().daemon().name("quilt-exec-zygote-" + pid).start(() -> {
            try {
                Processes.await(pid);
            } finally {
                zygotes.remove(key, z);
                z.close();
            }
        });
        return z;
    }

    /** Off, and every zygote's control socket closed: each exits (its forked execs run on). */
    @Override
    public void close() {
        enabled = false;
        seen.clear();
        for (Map.Entry<Key, Zygote> e : zygotes.entrySet()) {
            zygotes.remove(e.getKey(), e.getValue());
            e.getValue().close();
        }
    }
}
