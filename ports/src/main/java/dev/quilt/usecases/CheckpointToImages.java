package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.domain.UserNamespace;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.ports.Checkpointer;
import dev.quilt.ports.Clock;
import dev.quilt.ports.StateStore;

import java.nio.file.Path;

/**
 * {@code quilt-runc checkpoint}: runc's layout of a checkpoint (issue 16, item 8): CRIU's images straight into a
 * directory the caller names and owns ({@code --image-path}: podman and containerd keep, tar and hand it back
 * themselves), with no store, manifest or layer copy (a bundle's rootfs is the caller's, and stays where it is).
 * The same dump as {@code quilt checkpoint}'s ({@link Checkpointer#dump}): without {@code leaveRunning} CRIU ends
 * the container's tree; with it, CRIU freezes the tree for the dump through its freezer cgroup and leaves the cgroup
 * as it was (containerd's shim pauses the container first, and resumes it after). Refused before anything is
 * dumped: a container that is not running or paused, one with a user namespace, no CRIU.
 */
public final class CheckpointToImages {
    /** How long a dump may take. */
    public static final java.time.Duration DEADLINE = java.time.Duration.ofSeconds(60);

    private final ContainerLookup lookup;
    private final StateStore state;
    private final Checkpointer checkpointer;
    private final Clock clock;

    public CheckpointToImages(ContainerLookup lookup, StateStore state, Checkpointer checkpointer, Clock clock) {
        this.lookup = lookup;
        this.state = state;
        this.checkpointer = checkpointer;
        this.clock = clock;
    }

    /**
     * What to dump and where: {@code container} an ID or name, {@code images} an absolute directory (made if
     * missing), {@code leaveRunning} and {@code tcpEstablished} as runc's flags.
     */
    public record Command(String container, Path images, boolean leaveRunning, boolean tcpEstablished) {
        public Command {
            if (container == null || container.isEmpty()) {
                throw QuiltException.invalid("checkpoint needs a container: give its ID");
            }
            if (images == null || !images.isAbsolute()) {
                throw QuiltException.invalid("the image directory must be an absolute path");
            }
        }
    }

    /** What was external at the dump (the network namespace's key, the stdio pipes by inode). */
    public CheckpointManifest.Externals checkpoint(Command cmd) {
        Container c = lookup.get(cmd.container());
        try (StateStore.Lock lock = state.lock(c.id())) {
            c = lookup.get(c.id().value());
            if (c.status() != Status.RUNNING && c.status() != Status.PAUSED) {
                throw QuiltException.conflict("container '" + c.displayName() + "' is " + c.status().word()
                        + "; only a running or paused container can be checkpointed");
            }
            if (!(c.spec().security().userns() instanceof UserNamespace.Host)) {
                throw QuiltException.invalid("checkpoint of a container with a user namespace is not supported yet");
            }
            checkpointer.criu();
            // CRIU freezes the tree through its freezer cgroup and leaves that as it was (a paused one stays paused)
            return checkpointer.dump(c, cmd.images(), new Checkpointer.Options(cmd.leaveRunning(), cmd.tcpEstablished()),
                    clock.now().plus(DEADLINE));
        }
    }
}
