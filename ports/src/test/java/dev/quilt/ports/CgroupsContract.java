package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Cpus;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ResourceUpdate;
import dev.quilt.domain.ResourceUsage;
import dev.quilt.domain.Resources;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every Cgroups must do; run against the fake, cgroup v1 as root, and cgroup v2 on a fixture tree. */
public abstract class CgroupsContract {
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    protected abstract Cgroups cgroups();

    /** Puts a live process where the spawner would put an init. */
    protected abstract Member join(ContainerId id, Cgroups.Placement placement);

    /** A process in a container's cgroup. */
    public interface Member {
        /** Blocks (on its exit, with a deadline) until it is gone; false if it outlived the deadline. */
        boolean awaitGone(Duration deadline);
    }

    protected static ContainerId newId() {
        return ContainerId.of(UUID.randomUUID().toString().replace("-", "") + "00000000000000000000000000000000");
    }

    private static final Resources LIMITED = new Resources(Optional.of(64L << 20), Optional.of(128L << 20),
            Optional.of(new Cpus(50_000, 100_000)), Optional.of(512), Optional.of(100L));

    @Test
    void makesTheCgroupWithItsLimitsAndReportsThem() {
        Cgroups c = cgroups();
        ContainerId id = newId();
        Cgroups.Placement p = c.create(id, LIMITED);
        try {
            assertNotEquals(p.unified().isPresent(), !p.controllers().isEmpty(), "v2 or v1: " + p);
            assertEquals(p, c.placement(id), "an exec joins where the init went");
            assertTrue(c.present().contains(id));
            ResourceUsage u = c.usage(id).orElseThrow();
            assertEquals(Optional.of(64L << 20), u.memoryLimit());
            assertEquals(Optional.of(100L), u.pidsLimit());
            assertEquals(0, u.pids());
        } finally {
            c.remove(id, DEADLINE);
        }
        assertFalse(c.present().contains(id));
        assertEquals(Optional.empty(), c.usage(id));
        assertEquals(Cgroups.Placement.NONE, c.placement(id));
    }

    @Test
    void noLimitReadsAsEmpty() {
        Cgroups c = cgroups();
        ContainerId id = newId();
        c.create(id, Resources.UNLIMITED);
        try {
            ResourceUsage u = c.usage(id).orElseThrow();
            assertEquals(Optional.empty(), u.memoryLimit());
            assertEquals(Optional.empty(), u.pidsLimit());
        } finally {
            c.remove(id, DEADLINE);
        }
    }

    @Test
    void removingTwiceOrNeverMadeIsFine() {
        Cgroups c = cgroups();
        ContainerId id = newId();
        c.remove(id, DEADLINE);
        c.create(id, Resources.DEFAULT);
        c.remove(id, DEADLINE);
        c.remove(id, DEADLINE);
        assertFalse(c.present().contains(id));
    }

    @Test
    void removalKillsWhatRunsInIt() {
        Cgroups c = cgroups();
        ContainerId id = newId();
        Cgroups.Placement p = c.create(id, Resources.DEFAULT);
        Member m;
        try {
            m = join(id, p);
            assertEquals(1, c.usage(id).orElseThrow().pids());
        } finally {
            c.remove(id, DEADLINE);
        }
        assertTrue(m.awaitGone(DEADLINE), "the member outlived its cgroup");
        assertFalse(c.present().contains(id));
    }

    @Test
    void eachContainerHasItsOwn() {
        Cgroups c = cgroups();
        ContainerId a = newId(), b = newId();
        Cgroups.Placement pa = c.create(a, Resources.DEFAULT);
        Cgroups.Placement pb = c.create(b, LIMITED);
        try {
            assertNotEquals(pa, pb);
            assertTrue(c.present().containsAll(java.util.Set.of(a, b)));
            c.remove(a, DEADLINE);
            assertFalse(c.present().contains(a));
            assertEquals(Optional.of(100L), c.usage(b).orElseThrow().pidsLimit());
        } finally {
            c.remove(a, DEADLINE);
            c.remove(b, DEADLINE);
        }
    }

    @Test
    void signalAllReachesWhatRunsInIt() {
        Cgroups c = cgroups();
        ContainerId id = newId();
        Cgroups.Placement p = c.create(id, Resources.DEFAULT);
        try {
            Member m = join(id, p);
            assertEquals(1, c.signalAll(id, 9), "runc's kill --all: one member, one signal");
            assertTrue(m.awaitGone(DEADLINE), "the member outlived its SIGKILL");
        } finally {
            c.remove(id, DEADLINE);
        }
    }

    @Test
    void signalAllOfAnEmptyOrMissingCgroupSignalsNothing() {
        Cgroups c = cgroups();
        ContainerId id = newId();
        assertEquals(0, c.signalAll(id, 9), "never made");
        c.create(id, Resources.DEFAULT);
        try {
            assertEquals(0, c.signalAll(id, 9), "empty");
        } finally {
            c.remove(id, DEADLINE);
        }
    }

    @Test
    void freezesAndThawsWhatRunsInIt() {
        Cgroups c = cgroups();
        ContainerId id = newId();
        Cgroups.Placement p = c.create(id, Resources.DEFAULT);
        Member m;
        try {
            m = join(id, p);
            assertFalse(c.isFrozen(id));
            c.freeze(id, DEADLINE);
            assertTrue(c.isFrozen(id), "frozen once freeze returns");
            c.freeze(id, DEADLINE);
            assertTrue(c.isFrozen(id), "freezing twice is one freeze");
            c.thaw(id);
            assertFalse(c.isFrozen(id));
            c.thaw(id);
            assertFalse(c.isFrozen(id), "thawing twice is fine");
            c.freeze(id, DEADLINE);
        } finally {
            c.remove(id, DEADLINE); // a frozen cgroup can be removed: its members die all the same
        }
        assertTrue(m.awaitGone(DEADLINE), "a frozen member outlived its cgroup");
        assertFalse(c.isFrozen(id), "no cgroup, not frozen");
    }

    @Test
    void freezerAndUpdateOfNoCgroupAreNotFound() {
        Cgroups c = cgroups();
        ContainerId id = newId();
        assertEquals(QuiltException.Kind.NOT_FOUND, assertThrows(QuiltException.class, () -> c.freeze(id, DEADLINE)).kind());
        assertEquals(QuiltException.Kind.NOT_FOUND, assertThrows(QuiltException.class, () -> c.thaw(id)).kind());
        assertEquals(QuiltException.Kind.NOT_FOUND, assertThrows(QuiltException.class,
                () -> c.update(id, new ResourceUpdate(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.empty(), Optional.of(10L)))).kind());
        assertFalse(c.isFrozen(id));
        assertEquals(java.util.List.of(), c.pids(id));
        assertEquals(0, c.oomKills(id));
    }

    @Test
    void aNewCgroupHasNoOomKill() {
        Cgroups c = cgroups();
        ContainerId id = newId();
        c.create(id, LIMITED);
        try {
            assertEquals(0, c.oomKills(id));
        } finally {
            c.remove(id, DEADLINE);
        }
    }

    @Test
    void pidsAreItsMembers() {
        Cgroups c = cgroups();
        ContainerId id = newId();
        Cgroups.Placement p = c.create(id, Resources.DEFAULT);
        try {
            assertEquals(java.util.List.of(), c.pids(id));
            join(id, p);
            assertEquals(1, c.pids(id).size(), "one member: " + c.pids(id));
        } finally {
            c.remove(id, DEADLINE);
        }
    }

    @Test
    void updateChangesTheLiveLimits() {
        Cgroups c = cgroups();
        ContainerId id = newId();
        c.create(id, LIMITED);
        try {
            c.update(id, new ResourceUpdate(Optional.of(96L << 20), Optional.of(192L << 20), Optional.of(256L),
                    Optional.of(20_000L), Optional.of(100_000L), Optional.of(50L)));
            ResourceUsage u = c.usage(id).orElseThrow();
            assertEquals(Optional.of(96L << 20), u.memoryLimit());
            assertEquals(Optional.of(50L), u.pidsLimit());
            c.update(id, new ResourceUpdate(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.of(-1L)));
            u = c.usage(id).orElseThrow();
            assertEquals(Optional.empty(), u.pidsLimit(), "-1 lifts the limit");
            assertEquals(Optional.of(96L << 20), u.memoryLimit(), "what was not given stays");
            c.update(id, new ResourceUpdate(Optional.of(32L << 20), Optional.of(64L << 20), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty()));
            assertEquals(Optional.of(32L << 20), c.usage(id).orElseThrow().memoryLimit(), "lowered");
        } finally {
            c.remove(id, DEADLINE);
        }
    }
}
