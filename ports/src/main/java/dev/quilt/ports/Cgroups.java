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

    /** Where a process joins the container's cgroup ({@code quilt exec}); {@link Placement#NONE} when it has none. */
    Placement placement(ContainerId id);

    /** The containers that have a cgroup under this root's parent. */
    Set<ContainerId> present();

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
