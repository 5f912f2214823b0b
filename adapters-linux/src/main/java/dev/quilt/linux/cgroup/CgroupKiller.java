package dev.quilt.linux.cgroup;

import dev.quilt.domain.QuiltException;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Watches;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Kills what is left in a cgroup that has no {@code cgroup.kill}: the pids it
 * lists get a pidfd each and SIGKILL through it, then we wait on each pidfd
 * until it reports the exit. A process forked while we read the list is in the
 * next read; with the v1 freezer around the read, that is one more round at most.
 */
final class CgroupKiller {
    private static final int SIGKILL = 9;
    /** Rounds are event waits, not retries on a timer; a cgroup that still refills after this many is forking faster than it dies. */
    private static final int MAX_ROUNDS = 32;

    private CgroupKiller() {}

    /** Between {@code freeze} and {@code thaw} the list is read and signalled; nothing left at the end, or an error. */
    static void killAll(String what, Supplier<Set<Integer>> members, Runnable freeze, Runnable thaw, Duration deadline) {
        long until = System.nanoTime() + deadline.toNanos();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            if (members.get().isEmpty()) return;
            List<Integer> pidfds = new ArrayList<>();
            try {
                freeze.run();
                try {
                    // read again once frozen: what forked since the check above is in this list
                    for (int pid : members.get()) {
                        int fd = Processes.openPidfd(pid);
                        if (fd < 0) continue; // gone on its own
                        pidfds.add(fd);
                        Processes.signal(fd, SIGKILL);
                    }
                } finally {
                    thaw.run(); // a frozen process cannot die of its SIGKILL
                }
                for (int fd : pidfds) {
                    long left = Math.max(0, (until - System.nanoTime()) / 1_000_000);
                    if (Watches.await(new int[] {fd}, left) == Watches.TIMED_OUT) {
                        throw new QuiltException(QuiltException.Kind.SYSTEM, "processes in " + what
                                + " did not die within " + deadline.toSeconds() + " s of SIGKILL; look for a task in D state (ps -eo pid,stat,comm)");
                    }
                }
            } finally {
                pidfds.forEach(Processes::closeFd);
            }
        }
        if (!members.get().isEmpty()) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, what + " refills faster than its processes die; try 'quilt rm -f' again");
        }
    }

    /**
     * Signals every member once: a pidfd per pid listed, kept only if the pid is still listed after the
     * pidfd was taken (a pid that died and was reused outside meanwhile is not), the signal through it.
     *
     * @return how many were signalled
     */
    static int signalAll(Supplier<Set<Integer>> members, int signal) {
        List<Integer> pidfds = new ArrayList<>();
        List<Integer> pids = new ArrayList<>();
        try {
            for (int pid : members.get()) {
                int fd = Processes.openPidfd(pid);
                if (fd < 0) continue; // gone on its own
                pidfds.add(fd);
                pids.add(pid);
            }
            Set<Integer> still = members.get();
            int sent = 0;
            for (int i = 0; i < pids.size(); i++) {
                if (!still.contains(pids.get(i))) continue;
                Processes.signal(pidfds.get(i), signal);
                sent++;
            }
            return sent;
        } finally {
            pidfds.forEach(Processes::closeFd);
        }
    }

    /** The pids in a cgroup.procs file's text. */
    static Set<Integer> pids(String procs) {
        Set<Integer> out = new java.util.HashSet<>();
        for (String line : procs.split("\n")) {
            if (!line.isBlank()) out.add(Integer.parseInt(line.strip()));
        }
        return out;
    }
}
