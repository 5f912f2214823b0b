package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Endpoint;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.Readiness;

import java.time.Instant;
import java.util.Optional;

/**
 * Brings a container's init into the world, in its namespaces on its prepared
 * storage, under a monitor process that outlives the caller.
 */
public interface ProcessSpawner {
    /** How the container is attached to its caller. */
    enum Mode {
        /** stdio is the caller's; the caller waits for the exit */
        FOREGROUND,
        /** stdout/stderr go to the container's log; the caller goes away */
        DETACHED,
        /** as DETACHED, and the init waits for {@link ContainerProcesses#start} before it execs */
        CREATED,
        /**
         * runc's process tree ({@code quilt-runc create}): as CREATED, but stdio is the caller's (or the
         * console socket's pty), and the init's parent is the caller's nearest child subreaper (conmon,
         * containerd's shim), which reaps it and so learns its exit, as with runc; the monitor is not its
         * parent and records no exit code
         */
        HANDED_OFF;

        /** Whether the init waits at its exec fifo for {@link ContainerProcesses#start}. */
        public boolean gated() {
            return this == CREATED || this == HANDED_OFF;
        }
    }

    /**
     * Starts the init and returns once the command has been exec'd (for
     * CREATED: once it waits for start). With an endpoint, the init's
     * namespace gets its link, address and route before the command runs; the
     * init is in its cgroup before it runs anything of the image's, and an
     * OOM kill there is recorded with its exit.
     * A failure on the way throws {@link SpawnFailedException} naming the step
     * and leaves no process behind. If the init has not reported by
     * {@code deadline}, a {@link NotReadyException} names the phase that did
     * not hold; the processes made are the caller's to remove (they are in the
     * container's cgroup).
     */
    Launched launch(ContainerId id, ContainerSpec spec, Optional<Endpoint> endpoint, Cgroups.Placement cgroup, Mode mode,
                    Instant deadline);

    /**
     * As {@link #launch} in {@link Mode#DETACHED}, but the init and its tree are CRIU's restore of a checkpoint
     * instead of a fresh clone: the monitor (a child subreaper) runs CRIU with the container's cgroup as the
     * cgroup root, its rootfs (overlay over the image, the checkpoint's layer as upper) as root, a fresh empty
     * network namespace and its own log pipes handed in for what was external at the dump; the restored init
     * is the monitor's child, which plugs its network (when {@code endpoint} is given) and sets its hostname
     * before it returns. A restore that outlives {@code deadline} is killed with all it restored
     * ({@link NotReadyException}); CRIU's failure is a {@link SpawnFailedException} with CRIU's error lines.
     */
    Launched restore(ContainerId id, ContainerSpec spec, Optional<Endpoint> endpoint, Cgroups.Placement cgroup,
                     Restore from, Instant deadline);

    /**
     * What to restore: CRIU's images directory, what was external at the dump, and whether established TCP
     * connections were dumped.
     */
    record Restore(java.nio.file.Path images, dev.quilt.domain.checkpoint.CheckpointManifest.Externals externals,
                   boolean tcpEstablished) {}

    /** A started init and its monitor. */
    interface Launched extends AutoCloseable {
        ProcessRef process();

        ProcessRef monitor();

        /** When the init came to exist in its namespaces, and when its network answered (or that it had none to wait for). */
        Readiness readiness();

        /** Blocks until the init exits (an event, never a poll); FOREGROUND only. */
        ExitStatus awaitExit();

        /** Sends a signal; one to a process that has already exited is not an error. */
        void signal(int signal);

        /** SIGKILL, then wait for the exit: for a container that must not go on. */
        ExitStatus kill();

        /** Lets go of the monitor; it and the container carry on. */
        @Override
        void close();
    }
}
