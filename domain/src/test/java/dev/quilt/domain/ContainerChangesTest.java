package dev.quilt.domain;

import dev.quilt.domain.ContainerChanges.Seen;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Sequences of readings of one root, and the events docker would have sent for them. */
class ContainerChangesTest {
    static final ContainerId ID = ContainerId.of("ab".repeat(32));
    static final Instant T0 = Instant.parse("2026-12-01T09:00:00Z");

    static Seen seen(Status s, Optional<Instant> started, Optional<ExitStatus> exit, boolean oom,
                     Optional<Health.Status> health) {
        return new Seen(ID, "web", "sha256:" + "cd".repeat(32), Map.of("app", "x"), s, started, exit, oom, health);
    }

    static Seen seen(Status s) {
        return seen(s, s == Status.CREATED ? Optional.empty() : Optional.of(T0),
                s == Status.STOPPED ? Optional.of(ExitStatus.exited(3)) : Optional.empty(), false, Optional.empty());
    }

    /** The actions for a sequence of readings (empty: no such container). */
    @SafeVarargs
    static List<String> actions(Optional<Seen>... readings) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i < readings.length; i++) {
            for (ContainerChanges.Change c : ContainerChanges.between(readings[i - 1], readings[i])) out.add(c.action());
        }
        return out;
    }

    @Test
    void aRunThenAForcedRemoveIsCreateStartDieDestroy() {
        assertEquals(List.of("create", "start", "die", "destroy"), actions(Optional.empty(),
                Optional.of(seen(Status.CREATED)), Optional.of(seen(Status.RUNNING)), Optional.of(seen(Status.STOPPED)),
                Optional.empty()));
    }

    @Test
    void readingsThatSkipStepsStillGiveEveryStepInOrder() {
        assertEquals(List.of("create", "start"), actions(Optional.empty(), Optional.of(seen(Status.RUNNING))));
        assertEquals(List.of("create", "start", "die"), actions(Optional.empty(), Optional.of(seen(Status.STOPPED))));
        assertEquals(List.of("die", "destroy"), actions(Optional.of(seen(Status.RUNNING)), Optional.empty()));
        assertEquals(List.of("destroy"), actions(Optional.of(seen(Status.CREATED)), Optional.empty()));
    }

    @Test
    void nothingChangedIsNoEvent() {
        assertEquals(List.of(), actions(Optional.of(seen(Status.RUNNING)), Optional.of(seen(Status.RUNNING))));
        assertEquals(List.of(), actions(Optional.empty(), Optional.empty()));
    }

    @Test
    void pauseAndUnpause() {
        assertEquals(List.of("pause", "unpause", "die"), actions(Optional.of(seen(Status.RUNNING)),
                Optional.of(seen(Status.PAUSED)), Optional.of(seen(Status.RUNNING)), Optional.of(seen(Status.STOPPED))));
    }

    @Test
    void dieCarriesTheExitCodeAndAnOomKillComesFirst() {
        Seen oom = seen(Status.STOPPED, Optional.of(T0), Optional.of(ExitStatus.killedBy(9)), true, Optional.empty());
        List<ContainerChanges.Change> ch = ContainerChanges.between(Optional.of(seen(Status.RUNNING)), Optional.of(oom));
        assertEquals(List.of("oom", "die"), ch.stream().map(ContainerChanges.Change::action).toList());
        assertEquals("137", ch.get(1).attributes().get("exitCode"));
        assertEquals("true", ch.get(1).attributes().get("oomKilled"));
        ContainerChanges.Change die = ContainerChanges.between(Optional.of(seen(Status.RUNNING)),
                Optional.of(seen(Status.STOPPED))).get(0);
        assertEquals("3", die.attributes().get("exitCode"));
    }

    @Test
    void attributesAreTheLabelsThenImageAndName() {
        ContainerChanges.Change c = ContainerChanges.between(Optional.empty(), Optional.of(seen(Status.CREATED))).get(0);
        Map<String, String> want = new LinkedHashMap<>();
        want.put("app", "x");
        want.put("image", "sha256:" + "cd".repeat(32));
        want.put("name", "web");
        assertEquals(want, c.attributes());
        assertEquals(ID, c.id());
    }

    @Test
    void healthStatusIsSentWhenTheRecordedHealthChangesToHealthyOrUnhealthy() {
        Seen starting = seen(Status.RUNNING, Optional.of(T0), Optional.empty(), false, Optional.of(Health.Status.STARTING));
        Seen healthy = seen(Status.RUNNING, Optional.of(T0), Optional.empty(), false, Optional.of(Health.Status.HEALTHY));
        Seen unhealthy = seen(Status.RUNNING, Optional.of(T0), Optional.empty(), false,
                Optional.of(Health.Status.UNHEALTHY));
        assertEquals(List.of("health_status: healthy", "health_status: unhealthy", "health_status: healthy"),
                actions(Optional.of(starting), Optional.of(healthy), Optional.of(healthy), Optional.of(unhealthy),
                        Optional.of(unhealthy), Optional.of(healthy)));
    }

    @Test
    void aNewStartOfAStoppedContainerIsAStart() {
        Seen again = seen(Status.RUNNING, Optional.of(T0.plusSeconds(5)), Optional.empty(), false, Optional.empty());
        assertEquals(List.of("start"), actions(Optional.of(seen(Status.STOPPED)), Optional.of(again)));
    }

    @Test
    void aStartTimeThatMovesWhileRunningIsNoRestart() {
        Seen later = seen(Status.RUNNING, Optional.of(T0.plusMillis(30)), Optional.empty(), false, Optional.empty());
        assertEquals(List.of(), actions(Optional.of(seen(Status.RUNNING)), Optional.of(later)));
    }

    @Test
    void aRootsReadingsAreComparedContainerByContainer() {
        ContainerId other = ContainerId.of("ef".repeat(32));
        Seen b = new Seen(other, "db", "img", Map.of(), Status.RUNNING, Optional.of(T0), Optional.empty(), false,
                Optional.empty());
        Map<ContainerId, Seen> before = Map.of(ID, seen(Status.RUNNING));
        Map<ContainerId, Seen> after = Map.of(other, b);
        List<ContainerChanges.Change> ch = ContainerChanges.between(before, after);
        assertEquals(List.of("create", "start", "die", "destroy"),
                ch.stream().map(ContainerChanges.Change::action).toList());
        assertEquals(List.of(other, other, ID, ID), ch.stream().map(ContainerChanges.Change::id).toList());
    }
}
