package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.MountSpec;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RootFs;
import dev.quilt.domain.Status;
import dev.quilt.domain.UserNamespace;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.CheckpointStore;
import dev.quilt.ports.Checkpointer;
import dev.quilt.ports.Clock;
import dev.quilt.ports.ContainerStorage;
import dev.quilt.ports.StateStore;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code quilt checkpoint}: a running (or paused) container's process tree (CRIU), its writable layer and its
 * record, written as a draft and committed with a manifest (issue 16, item 2). Without {@code leaveRunning} the
 * dump ends the container, and its record says exited (SIGKILL, as podman's checkpoint leaves it); with it, the
 * container is frozen for the dump and the layer copy (so the layer matches the memory CRIU saw: CRIU checks the
 * sizes of open files at restore) and thawed after, or left paused if it was paused. The draft records the freeze
 * before it happens ({@link CheckpointStore.Draft#freezing}), so a checkpoint killed while it holds the container
 * frozen is found and undone ({@link ThawAbandonedFreezes}: gc, the next checkpoint or unpause). Refused before anything is
 * made: a container that is not running or paused, one made from an OCI bundle, with a user namespace, with
 * {@code --init}, with bind mounts from the host, on the host's network, with a terminal (the Checkpointer), no CRIU,
 * a name that exists.
 */
public final class CheckpointContainer {
    /** How long a dump may take. */
    public static final Duration DEADLINE = Duration.ofSeconds(60);

    private final ContainerLookup lookup;
    private final StateStore state;
    private final CheckpointStore store;
    private final Checkpointer checkpointer;
    private final ContainerStorage storage;
    private final Cgroups cgroups;
    private final Clock clock;
    private final ThawAbandonedFreezes abandoned;

    public CheckpointContainer(ContainerLookup lookup, StateStore state, CheckpointStore store,
                               Checkpointer checkpointer, ContainerStorage storage, Cgroups cgroups, Clock clock) {
        this.lookup = lookup;
        this.state = state;
        this.store = store;
        this.checkpointer = checkpointer;
        this.storage = storage;
        this.cgroups = cgroups;
        this.clock = clock;
        this.abandoned = new ThawAbandonedFreezes(lookup, state, store, cgroups);
    }

    /** What to dump, and how ({@code --name}, {@code --leave-running}, {@code --tcp-established}). */
    public record Command(String container, Optional<CheckpointName> name, boolean leaveRunning,
                          boolean tcpEstablished) {
        public Command {
            if (container == null || container.isEmpty()) {
                throw QuiltException.invalid("checkpoint needs a container: give its ID or name");
            }
        }
    }

    /** The stored checkpoint. */
    public CheckpointStore.Stored checkpoint(Command cmd) {
        Container c = lookup.get(cmd.container());
        try (StateStore.Lock lock = state.lock(c.id())) {
            // a checkpoint killed while it held the container frozen left it so: thawed before anything else
            abandoned.thawLocked(c.id());
            c = lookup.get(c.id().value());
            refuseWhatCannotBeDumped(c);
            Checkpointer.Criu criu = checkpointer.criu();
            CheckpointName name = cmd.name().orElseGet(() -> CheckpointName.at(clock.now()));
            Instant deadline = clock.now().plus(DEADLINE);
            boolean paused = c.status() == Status.PAUSED;
            try (CheckpointStore.Draft draft = store.begin(c.id(), name)) {
                boolean froze = false;
                CheckpointManifest.Externals externals;
                try {
                    if (cmd.leaveRunning() && !paused) {
                        // written before the freeze: a crash from here on leaves a draft that says who froze it
                        draft.freezing();
                        froze = true;
                        cgroups.freeze(c.id(), Cgroups.pathOf(c.spec()), PauseContainer.DEADLINE);
                    }
                    boolean recordCriu = froze;
                    externals = checkpointer.dump(c, draft.directory().resolve(CheckpointManifest.IMAGES),
                            new Checkpointer.Options(cmd.leaveRunning(), cmd.tcpEstablished()), deadline,
                            running -> {
                                if (recordCriu) draft.dumpedBy(running);
                            });
                    // the tree is dumped and either gone or frozen: its layer is still
                    storage.saveLayer(c.id(), draft.directory().resolve(CheckpointManifest.LAYER));
                    draft.saveRecord(c);
                } finally {
                    if (froze) {
                        cgroups.thaw(c.id(), Cgroups.pathOf(c.spec()));
                        draft.thawed();
                    }
                }
                RootFs.Image image = (RootFs.Image) c.spec().root();
                // the store lists the files and the record's digest into it
                return draft.commit(new CheckpointManifest(CheckpointManifest.FORMAT, name, c.id(), c.name(),
                        clock.now(), criu.version(), criu.kernelRelease(), Optional.empty(),
                        Optional.of(image.digest()), cmd.leaveRunning(), cmd.tcpEstablished(), externals,
                        java.util.List.of()));
            }
        }
    }

    private static void refuseWhatCannotBeDumped(Container c) {
        String who = "container '" + c.displayName() + "'";
        if (c.status() != Status.RUNNING && c.status() != Status.PAUSED) {
            throw QuiltException.conflict(who + " is " + c.status().word()
                    + "; only a running or paused container can be checkpointed");
        }
        if (c.spec().bundle().isPresent() || !(c.spec().root() instanceof RootFs.Image)) {
            throw QuiltException.invalid("checkpoint of a container made from an OCI bundle is not supported yet");
        }
        if (!(c.spec().security().userns() instanceof UserNamespace.Host)) {
            throw QuiltException.invalid("checkpoint of a container with a user namespace is not supported yet");
        }
        if (c.spec().init()) {
            // seen with CRIU 4.1.1: the dump passes, the restore fails ("No entry for reg-file-ID")
            throw QuiltException.invalid("checkpoint of a container with --init (or no command: Quilt's init is then its"
                    + " pid 1) is not supported yet: its pid 1 runs from a sealed memfd, which CRIU does not restore;"
                    + " give the container a command of its own, such as sleep infinity");
        }
        if (c.spec().network() == NetworkMode.HOST) {
            throw QuiltException.invalid("checkpoint of a container on the host's network is not supported: its"
                    + " network namespace is the host's");
        }
        for (MountSpec m : c.spec().security().mounts()) {
            if (m.type().equals("bind")) {
                throw QuiltException.invalid("checkpoint of a container with bind mounts from the host (-v "
                        + m.destination() + ") is not supported yet");
            }
        }
    }
}
