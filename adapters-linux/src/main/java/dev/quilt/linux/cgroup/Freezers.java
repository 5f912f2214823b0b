package dev.quilt.linux.cgroup;

import dev.quilt.domain.QuiltException;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Watches;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The two kernel freezers of a cgroup directory.
 *
 * <p>cgroup v2 (Documentation/admin-guide/cgroup-v2.rst, "Core Interface Files"):
 * writing {@code 1} to {@code cgroup.freeze} asks for the freeze, which completes
 * asynchronously; {@code cgroup.events} then says {@code frozen 1}, and the kernel
 * notifies a change of that file (inotify {@code IN_MODIFY}), so the wait is an
 * event with a deadline. The core freezer needs no controller: a hybrid host's
 * cgroup2 tree has it too. A fatal signal still ends a frozen task.
 *
 * <p>cgroup v1 (Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst):
 * writing {@code FROZEN} to {@code freezer.state} marks every task to freeze and
 * wakes it; the state reads {@code FREEZING} until the last one has entered the
 * refrigerator, and there is no notification when it becomes {@code FROZEN}.
 * Quilt does not poll for it (runc re-reads it in a loop with sleeps): a task
 * marked to freeze runs no user code again before it is thawed (it freezes on its
 * way back to user space), so {@code FREEZING} already is paused for everything a
 * user can observe. A SIGKILLed task in a v1-frozen cgroup dies only once thawed.
 */
final class Freezers {
    private Freezers() {}

    static final String V1_STATE = "freezer.state";

    /** v2: asks for the freeze and waits for {@code frozen 1}; at the deadline thaws back and fails. */
    static void freezeV2(CgroupFiles files, Path dir, String what, Duration deadline) {
        long until = System.nanoTime() + deadline.toNanos();
        int inotify = Watches.inotify();
        try {
            // the watch comes first, so a change between the write and the first read is not missed
            Watches.watch(inotify, dir.resolve("cgroup.events").toString(), Watches.mask("IN_MODIFY"));
            files.write(dir.resolve("cgroup.freeze"), "1");
            while (!frozenV2(files, dir)) {
                long left = Math.max(0, (until - System.nanoTime()) / 1_000_000);
                if (Watches.await(new int[] {inotify}, left) == Watches.TIMED_OUT) {
                    files.write(dir.resolve("cgroup.freeze"), "0");
                    throw new QuiltException(QuiltException.Kind.SYSTEM, "the processes of " + what
                            + " did not freeze within " + deadline.toSeconds()
                            + " s; look for a task in D state (ps -eo pid,stat,wchan,comm)");
                }
                Watches.drainEvents(inotify);
            }
        } finally {
            Processes.closeFd(inotify);
        }
    }

    /** The kernel's word that every task of the cgroup (and below) is frozen. */
    static boolean frozenV2(CgroupFiles files, Path dir) {
        return StatFile.parse(files.read(dir.resolve("cgroup.events"))).getOrDefault("frozen", 0L) == 1;
    }

    /** The freeze asked for and not undone: what {@code paused} means on v2. */
    static boolean requestedV2(CgroupFiles files, Path dir) {
        return files.read(dir.resolve("cgroup.freeze")).strip().equals("1");
    }

    static void thawV2(CgroupFiles files, Path dir) {
        files.write(dir.resolve("cgroup.freeze"), "0");
    }

    /** v1: FROZEN is asked for; FREEZING or FROZEN afterwards is paused (see the class comment). */
    static void freezeV1(CgroupFiles files, Path dir) {
        files.write(dir.resolve(V1_STATE), "FROZEN");
    }

    static boolean frozenV1(CgroupFiles files, Path dir) {
        return List.of("FREEZING", "FROZEN").contains(files.read(dir.resolve(V1_STATE)).strip());
    }

    static void thawV1(CgroupFiles files, Path dir) {
        files.write(dir.resolve(V1_STATE), "THAWED");
    }
}
