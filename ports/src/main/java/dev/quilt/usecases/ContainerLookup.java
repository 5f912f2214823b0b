package dev.quilt.usecases;

import dev.quilt.domain.BrokenRecordException;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.Observed;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.NoSuchContainerException;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RecordedExit;
import dev.quilt.domain.RecordedPids;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.Clock;
import dev.quilt.ports.ContainerProcesses;
import dev.quilt.ports.StateStore;

import java.util.List;
import java.util.Optional;

/**
 * Finds a container by ID, name or unique ID prefix, and sees it as it is now.
 * A container whose record is broken is found like any other; seeing it fails
 * with the {@link BrokenRecordException} that says so, and the listing holds
 * it as a {@link ContainerRecord.Broken} value. A running container whose cgroup
 * the freezer holds is seen paused.
 */
public final class ContainerLookup {
    private final StateStore state;
    private final ContainerProcesses processes;
    private final Clock clock;
    private final Optional<Cgroups> freezer;

    /** A lookup that sees paused containers: {@code cgroups} answers whether the freezer holds one. */
    public ContainerLookup(StateStore state, ContainerProcesses processes, Clock clock, Cgroups cgroups) {
        this(state, processes, clock, Optional.of(cgroups));
    }

    /**
     * A lookup for a root whose containers are never paused (tests of the other
     * verbs): a frozen container would read as running.
     */
    public ContainerLookup(StateStore state, ContainerProcesses processes, Clock clock) {
        this(state, processes, clock, Optional.empty());
    }

    private ContainerLookup(StateStore state, ContainerProcesses processes, Clock clock, Optional<Cgroups> freezer) {
        this.state = state;
        this.processes = processes;
        this.clock = clock;
        this.freezer = freezer;
    }

    /** The container {@code ref} names, readable or broken; NOT_FOUND or an ambiguity otherwise. */
    public ContainerId resolve(String ref) {
        if (isValid(() -> ContainerId.of(ref)) && state.read(ContainerId.of(ref)).isPresent()) return ContainerId.of(ref);
        if (isValid(() -> ContainerName.of(ref))) {
            Optional<ContainerId> named = state.byName(ContainerName.of(ref));
            if (named.isPresent() && holds(named.get(), ContainerName.of(ref))) return named.get();
        }
        List<ContainerId> matches = ref.isEmpty() ? List.of()
                : state.ids().stream().filter(id -> id.value().startsWith(ref)).toList();
        if (matches.size() > 1) {
            throw new dev.quilt.domain.AmbiguousContainerException(ref, "'" + ref + "' is the start of " + matches.size()
                    + " container ids; give more of it, or the name");
        }
        if (matches.isEmpty()) {
            throw new NoSuchContainerException(ref, "no container '" + ref + "'; 'quilt ps -a' lists them");
        }
        return matches.get(0);
    }

    /**
     * The container that holds {@code name}, and nothing else: no ID or ID prefix is tried, as runc's
     * container IDs are only names here ({@code quilt-runc}).
     */
    public Optional<ContainerId> named(ContainerName name) {
        return state.byName(name).filter(id -> holds(id, name));
    }

    /**
     * Whether {@code id} has a record that holds {@code name}: a claim its record does not hold is one a rename cut
     * short left ({@link RenameContainer}), and names nothing. A broken record cannot say, and is taken to.
     */
    private boolean holds(ContainerId id, ContainerName name) {
        Optional<ContainerRecord> r = state.read(id);
        if (r.isEmpty()) return false;
        return !(r.get() instanceof ContainerRecord.Readable ok) || ok.container().name().equals(Optional.of(name));
    }

    private static boolean isValid(Runnable parse) {
        try {
            parse.run();
            return true;
        } catch (QuiltException e) {
            return false;
        }
    }

    /**
     * The record as it is now: exited meanwhile, started by a CLI that died, or lost.
     *
     * @throws BrokenRecordException when one of its files cannot be read
     */
    public Optional<Container> observe(ContainerId id) {
        return state.load(id).map(this::observe);
    }

    /** As {@link #observe(ContainerId)}, with a broken record as a value instead of an error. */
    public Optional<ContainerRecord> record(ContainerId id) {
        return state.read(id).map(this::observe);
    }

    private ContainerRecord observe(ContainerRecord stored) {
        if (!(stored instanceof ContainerRecord.Readable ok)) return stored;
        try {
            return new ContainerRecord.Readable(observe(ok.container()));
        } catch (BrokenRecordException e) {
            return e.broken(); // its exit.json or pids.json
        }
    }

    public Container observe(Container stored) {
        Container record = claimedName(stored);
        Optional<RecordedExit> exit = state.recordedExit(record.id());
        Optional<RecordedPids> pids = record.init().isPresent() ? Optional.empty() : state.recordedPids(record.id());
        Optional<ProcessRef> init = record.init().or(() -> pids.map(RecordedPids::init));
        Optional<ProcessRef> monitor = record.monitor().or(() -> pids.map(RecordedPids::monitor));
        boolean initAlive = exit.isEmpty() && init.map(processes::isAlive).orElse(false);
        boolean monitorAlive = exit.isEmpty() && monitor.map(processes::isAlive).orElse(false);
        if (exit.isEmpty() && !initAlive && !monitorAlive && (init.isPresent() || monitor.isPresent())) {
            // the monitor writes exit.json and then leaves: it may have done both between the read above and the
            // look at it, so a monitor seen gone is asked again; what it wrote is there now, and a second miss means
            // none will come (a killed monitor, a handed-off init)
            exit = state.recordedExit(record.id());
        }
        boolean startPending = initAlive && processes.startPending(record.id());
        // only a live, started container can be paused: the others cost no cgroup read
        boolean frozen = initAlive && !startPending && freezer.map(f -> f.isFrozen(record.id(), Cgroups.pathOf(record.spec()))).orElse(false);
        return Observed.derive(record, new Observed.Facts(exit.map(RecordedExit::status), exit.map(RecordedExit::at),
                pids.map(RecordedPids::init), pids.map(RecordedPids::monitor), initAlive, monitorAlive,
                startPending, frozen), clock.now());
    }

    /**
     * True while an observed container's init runs on after its monitor was
     * killed: {@link Observed#monitorGone}.
     */
    public boolean monitorGone(Container observed) {
        return Observed.monitorGone(observed.status(), observed.init().map(processes::isAlive).orElse(false),
                observed.monitor().map(processes::isAlive).orElse(false));
    }

    /**
     * The claim is the authority on names: a record whose claim failed (and
     * whose clean-up failed too, or was cut short) does not show the name.
     */
    private Container claimedName(Container c) {
        if (c.name().isEmpty() || state.byName(c.name().get()).filter(c.id()::equals).isPresent()) return c;
        return new Container(c.id(), Optional.empty(), c.spec(), c.status(), c.init(), c.monitor(), c.createdAt(),
                c.startedAt(), c.exit(), c.exitedAt(), c.autoRemove(), c.endpoint(), c.readiness(), c.health(),
                c.restartCount());
    }

    public Container get(String ref) {
        // by its full ID (as the API's clients pass it back): the record read once, not once to find it and once
        // more to see it
        if (isValid(() -> ContainerId.of(ref))) {
            Optional<ContainerRecord> r = state.read(ContainerId.of(ref));
            if (r.isPresent()) {
                return switch (r.get()) {
                    case ContainerRecord.Readable ok -> observe(ok.container());
                    case ContainerRecord.Broken broken -> throw broken.error();
                };
            }
        }
        ContainerId id = resolve(ref);
        return observe(id).orElseThrow(() -> new NoSuchContainerException(ref, "container '" + ref + "' was removed meanwhile"));
    }

    /** Every container as it is now, broken ones included: one bad record never hides the others. */
    public List<ContainerRecord> records() {
        return state.list().stream().map(this::observe).toList();
    }

    /** Every container whose record can be read, as it is now. */
    public List<Container> all() {
        List<Container> out = new java.util.ArrayList<>();
        for (ContainerRecord r : records()) if (r instanceof ContainerRecord.Readable ok) out.add(ok.container());
        return out;
    }
}
