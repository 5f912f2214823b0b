package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.ContainerProcesses;
import dev.quilt.ports.ContainerStorage;
import dev.quilt.ports.ImageStore;
import dev.quilt.ports.NetworkStore;
import dev.quilt.ports.StateStore;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code quilt gc}: removes what dead containers and crashed commands left:
 * creates that died before anything ran, stopped containers started with
 * {@code --rm}, layers and addresses without a record, the cgroups of stopped
 * containers (their exit stays on record) and cgroups without a record.
 * Containers whose record is broken are removed with what can be found of
 * them ({@link ClearBroken}). Containers busy with another command (locked)
 * are left for the next time. What lies in the run directory that Quilt did
 * not make is reported and left alone.
 */
public final class CollectGarbage {
    private final ContainerLookup lookup;
    private final StateStore state;
    private final ContainerStorage storage;
    private final Forget forget;

    private final ImageStore images;
    private final NetworkStore addresses;
    private final Cgroups cgroups;
    private final ClearBroken broken;

    public CollectGarbage(ContainerLookup lookup, StateStore state, ContainerStorage storage, ImageStore images,
                          NetworkStore addresses, Cgroups cgroups, Forget forget, ContainerProcesses processes) {
        this.cgroups = cgroups;
        this.lookup = lookup;
        this.addresses = addresses;
        this.state = state;
        this.storage = storage;
        this.images = images;
        this.forget = forget;
        this.broken = new ClearBroken(state, processes, forget);
    }

    /**
     * What was removed: {@code broken} are the removed containers whose record
     * could not be read, with the reason; {@code strays} what was left alone.
     */
    public record Report(List<ContainerId> containers, List<ContainerRecord.Broken> broken, List<ContainerId> layers,
                         int halfMade, int leases, int cgroups, List<String> strays) {}

    public Report collect() {
        int halfMade = state.sweepAbandoned() + images.sweepAbandoned();
        List<ContainerId> removed = new ArrayList<>();
        List<ContainerRecord.Broken> cleared = new ArrayList<>();
        Set<ContainerId> recorded = new HashSet<>(state.ids());
        Set<ContainerId> withCgroup = cgroups.present();
        int emptied = 0;
        for (ContainerId id : recorded) {
            Optional<StateStore.Lock> lock;
            try {
                lock = state.tryLock(id);
            } catch (QuiltException e) {
                if (e.kind() == QuiltException.Kind.NOT_FOUND) continue; // removed since we listed it
                throw e;
            }
            if (lock.isEmpty()) continue;
            try (StateStore.Lock held = lock.get()) {
                Optional<ContainerRecord> r = lookup.record(id);
                if (r.isEmpty()) continue;
                if (r.get() instanceof ContainerRecord.Broken b) {
                    broken.clear(id);
                    cleared.add(b);
                    continue;
                }
                Optional<Container> c = Optional.of(((ContainerRecord.Readable) r.get()).container());
                boolean crashedCreate = c.get().status() == Status.CREATING && c.get().monitor().isEmpty();
                boolean finishedRm = c.get().status() == Status.STOPPED && c.get().autoRemove();
                if (crashedCreate) {
                    // a restore's monitor may run on (a creating record of a restore whose CLI died): its init is
                    // killed and its exit awaited before the rest goes
                    broken.clear(id);
                    removed.add(id);
                } else if (finishedRm) {
                    forget.everything(id);
                    removed.add(id);
                } else if (c.get().status() == Status.STOPPED && withCgroup.contains(id)) {
                    cgroups.remove(id, Forget.KILL_DEADLINE);
                    emptied++;
                }
            }
        }
        List<ContainerId> layers = new ArrayList<>();
        for (ContainerId id : storage.list()) {
            if (!recorded.contains(id) && state.read(id).isEmpty()) {
                storage.release(id);
                layers.add(id);
            }
        }
        // a cgroup's container is recorded before the cgroup is made, as for leases
        for (ContainerId id : withCgroup) {
            if (!recorded.contains(id) && state.read(id).isEmpty()) {
                cgroups.remove(id, Forget.KILL_DEADLINE);
                emptied++;
            }
        }
        // a lease's holder records itself before it leases, so one without a record is left over
        int leases = addresses.reconcile(id -> state.read(id).isPresent());
        cgroups.removeParentIfUnused(); // also one left by a Quilt before this one removed parents
        return new Report(removed, cleared, layers, halfMade, leases, emptied, state.strays());
    }
}
