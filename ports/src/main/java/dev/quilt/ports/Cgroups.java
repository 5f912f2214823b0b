package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Security;
import dev.quilt.domain.ResourceUpdate;
import dev.quilt.domain.ResourceUsage;
import dev.quilt.domain.Resources;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Each container's control group: made with its limits before its init is
 * cloned, read for {@code stats}, emptied and removed with the container. One
 * per state root, under a parent of its own, so roots never touch each other's.
 */
public interface Cgroups {
    /**
     * Makes the container's cgroup and writes its limits. Returns where the init
     * goes; the spawner puts it there before the command runs. A limit the host
     * cannot enforce is an error, never silently dropped.
     */
    Placement create(ContainerId id, Resources limits);

    /**
     * {@link #create(ContainerId, Resources)} with the devices policy {@code security}
     * asks for: its {@code devices} allowed beside the default nodes, or every
     * device when {@code privileged}. A host without a devices controller (v2,
     * where the policy is a BPF program) enforces only the default.
     */
    default Placement create(ContainerId id, Resources limits, Security security) {
        return create(id, limits);
    }

    /** What its cgroup has counted, or empty when it has none (never made, or removed). */
    Optional<ResourceUsage> usage(ContainerId id);

    /**
     * Kills every process left in the cgroup, waits for them to be gone (on
     * events, until {@code deadline}) and removes it; then the root's parent,
     * if that was its last container ({@link #removeParentIfUnused}).
     * Idempotent: a cgroup that does not exist is already removed.
     */
    void remove(ContainerId id, Duration deadline);

    /**
     * Removes this root's parent cgroup, in every hierarchy, when no container
     * has a cgroup under it. Safe against a container being made meanwhile: a
     * parent that has a child again stays, and {@link #create} makes the parent
     * again if this took it between its two steps.
     */
    void removeParentIfUnused();

    /**
     * Sends {@code signal} to every process in the container's cgroup, in every hierarchy (runc's
     * {@code kill --all}); each through a pidfd taken while the pid was a member, so a pid reused
     * meanwhile is not signalled. A container without a cgroup, or an empty one, is not an error.
     *
     * @return how many processes were signalled
     */
    int signalAll(ContainerId id, int signal);

    /** Where a process joins the container's cgroup ({@code quilt exec}); {@link Placement#NONE} when it has none. */
    Placement placement(ContainerId id);

    /** The containers that have a cgroup under this root's parent. */
    Set<ContainerId> present();

    // ---- a bundle's linux.cgroupsPath (runtime-spec config-linux.md "Cgroups Path") ----

    /**
     * The cgroup path a container's record asks for: its bundle's {@code linux.cgroupsPath}, or empty for
     * Quilt's own place ({@code <parent>/<id>} in each hierarchy).
     */
    static Optional<String> pathOf(dev.quilt.domain.ContainerSpec spec) {
        return spec.bundle().flatMap(dev.quilt.domain.Bundle::cgroupsPath);
    }

    /**
     * {@link #create(ContainerId, Resources, Security)} at {@code cgroupsPath} when given: the same path in
     * every hierarchy, an absolute one from each hierarchy's root (the directories on the way made as needed
     * and left, as runc leaves them), a relative one under this root's parent (runc puts it under its own
     * parent too). A leaf that exists already is not Quilt's to take or remove: one line, nothing made.
     * A backend that cannot place a cgroup elsewhere says so.
     */
    default Placement create(ContainerId id, Resources limits, Security security, Optional<String> cgroupsPath) {
        if (cgroupsPath.isEmpty()) return create(id, limits, security);
        throw new dev.quilt.domain.QuiltException(dev.quilt.domain.QuiltException.Kind.SYSTEM,
                "this host's cgroups cannot place a container at linux.cgroupsPath '" + cgroupsPath.get() + "'");
    }

    /** {@link #usage(ContainerId)} of a cgroup made at {@code cgroupsPath}. */
    default Optional<ResourceUsage> usage(ContainerId id, Optional<String> cgroupsPath) {
        return cgroupsPath.isEmpty() ? usage(id) : Optional.empty();
    }

    /** {@link #freeze(ContainerId, Duration)} of a cgroup made at {@code cgroupsPath}. */
    default void freeze(ContainerId id, Optional<String> cgroupsPath, Duration deadline) {
        if (cgroupsPath.isPresent()) throw elsewhere(cgroupsPath.get());
        freeze(id, deadline);
    }

    /** {@link #thaw(ContainerId)} of a cgroup made at {@code cgroupsPath}. */
    default void thaw(ContainerId id, Optional<String> cgroupsPath) {
        if (cgroupsPath.isPresent()) throw elsewhere(cgroupsPath.get());
        thaw(id);
    }

    /** {@link #isFrozen(ContainerId)} of a cgroup made at {@code cgroupsPath}. */
    default boolean isFrozen(ContainerId id, Optional<String> cgroupsPath) {
        return cgroupsPath.isEmpty() && isFrozen(id);
    }

    /** {@link #pids(ContainerId)} of a cgroup made at {@code cgroupsPath}. */
    default List<Integer> pids(ContainerId id, Optional<String> cgroupsPath) {
        return cgroupsPath.isEmpty() ? pids(id) : List.of();
    }

    /** {@link #oomKills(ContainerId)} of a cgroup made at {@code cgroupsPath}. */
    default long oomKills(ContainerId id, Optional<String> cgroupsPath) {
        return cgroupsPath.isEmpty() ? oomKills(id) : 0;
    }

    /** {@link #update(ContainerId, ResourceUpdate)} of a cgroup made at {@code cgroupsPath}. */
    default void update(ContainerId id, Optional<String> cgroupsPath, ResourceUpdate change) {
        if (cgroupsPath.isPresent()) throw elsewhere(cgroupsPath.get());
        update(id, change);
    }

    private static dev.quilt.domain.QuiltException elsewhere(String cgroupsPath) {
        return new dev.quilt.domain.QuiltException(dev.quilt.domain.QuiltException.Kind.SYSTEM,
                "this host's cgroups cannot reach a container at linux.cgroupsPath '" + cgroupsPath + "'");
    }

    /** {@link #signalAll(ContainerId, int)} of a cgroup made at {@code cgroupsPath}. */
    default int signalAll(ContainerId id, Optional<String> cgroupsPath, int signal) {
        return cgroupsPath.isEmpty() ? signalAll(id, signal) : 0;
    }

    /** {@link #placement(ContainerId)} of a cgroup made at {@code cgroupsPath}. */
    default Placement placement(ContainerId id, Optional<String> cgroupsPath) {
        return cgroupsPath.isEmpty() ? placement(id) : Placement.NONE;
    }

    /**
     * {@link #remove(ContainerId, Duration)} of a cgroup made at {@code cgroupsPath}: its leaf only, in every
     * hierarchy (under this root's parent, the empty directories Quilt made on the way go too).
     */
    default void remove(ContainerId id, Optional<String> cgroupsPath, Duration deadline) {
        if (cgroupsPath.isEmpty()) remove(id, deadline);
    }

    /**
     * Freezes every process in the container's cgroup (the freezer: cgroup v2's
     * {@code cgroup.freeze}, also on a hybrid host's cgroup2 tree; v1's
     * {@code freezer.state}) and returns once the kernel says they are frozen, waiting
     * on its event ({@code cgroup.events} says {@code frozen 1}) until {@code deadline}.
     * v1 sends no event for FREEZING→FROZEN: there FREEZING counts as frozen, because
     * every task then has its freeze pending and runs no user code again before it
     * is thawed (see docs/ARCHITECTURE.md, "pause"). Freezing a frozen cgroup is
     * a no-op.
     *
     * @throws dev.quilt.domain.QuiltException NOT_FOUND when the container has no cgroup,
     *         SYSTEM when the kernel refuses or the deadline passes
     */
    void freeze(ContainerId id, Duration deadline);

    /** Lets the container's processes run again; a thawed cgroup stays thawed (idempotent). */
    void thaw(ContainerId id);

    /**
     * True when the freezer holds the container's cgroup (asked to freeze, and not
     * thawed since): the OCI state {@code paused}. False when it has no cgroup.
     */
    boolean isFrozen(ContainerId id);

    /**
     * The host pids of every process in the container's cgroup ({@code cgroup.procs},
     * all hierarchies on v1), ascending; empty when it has none. {@code runc ps}'s list.
     */
    List<Integer> pids(ContainerId id);

    /**
     * How many processes the kernel's OOM killer has killed in the container's
     * cgroup ({@code oom_kill} of v1's {@code memory.oom_control}, of v2's
     * {@code memory.events}); 0 when it has none.
     */
    long oomKills(ContainerId id);

    /**
     * Changes the limits of a container's live cgroup ({@code runc update}): each
     * field of {@code change} that is present is written, the rest stay. A value the
     * kernel refuses, or one this host cannot enforce (no swap accounting), is an
     * error naming it; what was written before it stays written, as with runc.
     *
     * @throws dev.quilt.domain.QuiltException NOT_FOUND when the container has no cgroup
     */
    void update(ContainerId id, ResourceUpdate change);

    /**
     * Where an init goes. On cgroup v2 {@code unified} is one directory, joined at
     * clone time; on v1 {@code controllers} are the directories, one per
     * hierarchy, whose {@code cgroup.procs} get its pid before it may go on, and
     * {@code memory} is the one whose OOM events are watched.
     */
    record Placement(Optional<String> unified, List<String> controllers, Optional<String> memory) {
        public static final Placement NONE = new Placement(Optional.empty(), List.of(), Optional.empty());

        public Placement {
            controllers = List.copyOf(controllers);
            if (unified.isPresent() && !controllers.isEmpty()) {
                throw new IllegalArgumentException("a cgroup is v1 or v2, not both");
            }
        }
    }
}
