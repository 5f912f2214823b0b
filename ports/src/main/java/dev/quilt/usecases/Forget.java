package dev.quilt.usecases;

import dev.quilt.domain.ContainerId;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.ContainerStorage;
import dev.quilt.ports.HostNetwork;
import dev.quilt.ports.NetworkStore;
import dev.quilt.ports.StateStore;

import java.time.Duration;

/** Removes every trace of a container that no longer runs; each step is idempotent, so it may be repeated. */
public final class Forget {
    private final StateStore state;
    private final ContainerStorage storage;
    private final HostNetwork network;
    private final NetworkStore addresses;
    private final Cgroups cgroups;

    /** How long the processes left in a cgroup get to die once killed. */
    static final Duration KILL_DEADLINE = Duration.ofSeconds(10);

    public Forget(StateStore state, ContainerStorage storage, HostNetwork network, NetworkStore addresses,
                  Cgroups cgroups) {
        this.cgroups = cgroups;
        this.state = state;
        this.storage = storage;
        this.network = network;
        this.addresses = addresses;
    }

    /**
     * Cgroup (and whatever still runs in it) first, then link, address and storage;
     * the record last: a crash half-way leaves a
     * record that points at what is left. The link goes before its address is
     * free, so no new container can get the address while the old link lives.
     * A bundle's cgroup at its {@code linux.cgroupsPath} is found from the record; a broken record's is
     * looked for in Quilt's own place only.
     */
    public void everything(ContainerId id) {
        java.util.Optional<String> cgroupsPath;
        try {
            cgroupsPath = state.read(id).flatMap(r -> r instanceof dev.quilt.domain.ContainerRecord.Readable ok
                    ? Cgroups.pathOf(ok.container().spec()) : java.util.Optional.empty());
        } catch (RuntimeException unreadable) {
            cgroupsPath = java.util.Optional.empty();
        }
        cgroups.remove(id, cgroupsPath, KILL_DEADLINE);
        everythingButTheCgroup(id);
    }

    /**
     * What one run of a container had and its next run makes anew: its cgroup (whatever still runs in it is
     * killed), host link and address. The record, name and layer stay. For a start of an exited container, and to
     * undo one that failed; a bundle's container (its cgroup at {@code linux.cgroupsPath}) never runs again.
     */
    public void theLastRun(ContainerId id) {
        cgroups.remove(id, java.util.Optional.empty(), KILL_DEADLINE);
        network.unplug(id);
        addresses.release(id);
    }

    /**
     * {@link #everything} but the cgroup: for a create whose cgroup was refused, so none was made (and the one at a
     * bundle's {@code linux.cgroupsPath} that was in the way is someone else's, never to be removed).
     */
    public void everythingButTheCgroup(ContainerId id) {
        network.unplug(id);
        addresses.release(id);
        storage.release(id);
        state.remove(id);
    }
}
