package dev.quilt.domain;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Container#restarting}: an exited container made anew on its record (docker's start of an exited one). */
class ContainerRestartTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant T1 = Instant.parse("2026-01-01T00:01:00Z");
    private static final ProcessRef INIT = new ProcessRef(200, 2), MONITOR = new ProcessRef(199, 1);

    private static Container creating() {
        ContainerSpec spec = new ContainerSpec(new ProcessSpec(List.of("sleep", "9"), List.of(), "/", User.ROOT, false),
                Digest.sha256("ab".repeat(32)), new Hostname("box"), ContainerSpec.DEFAULT_NAMESPACES, false, false,
                NetworkMode.BRIDGE, Resources.DEFAULT);
        return Container.creating(ContainerId.of("c1"), Optional.of(ContainerName.of("web")), spec, T0, false);
    }

    @Test
    void anExitedOneIsMadeAnewKeepingWhatItIsAndForgettingItsLastRun() {
        Endpoint e = new Endpoint("quilt0", Ipv4Address.parse("10.88.0.2"), 16, Ipv4Address.parse("10.88.0.1"),
                "02:42:0a:58:00:02", "qh-c1");
        Container exited = creating().attached(e).running(INIT, MONITOR, T0).stopped(ExitStatus.exited(3), T1);
        Container again = exited.restarting();
        assertEquals(Status.CREATING, again.status());
        assertEquals(exited.id(), again.id());
        assertEquals(exited.name(), again.name());
        assertEquals(exited.spec(), again.spec());
        assertEquals(exited.createdAt(), again.createdAt());
        assertEquals(Optional.empty(), again.init());
        assertEquals(Optional.empty(), again.monitor());
        assertEquals(Optional.empty(), again.exit());
        assertEquals(Optional.empty(), again.exitedAt());
        assertEquals(Optional.empty(), again.startedAt());
        assertEquals(Optional.empty(), again.endpoint(), "the last run's address went back at its exit");
        assertEquals(Readiness.NONE, again.readiness());
        assertEquals(1, again.restartCount());
        assertEquals(1, again.running(INIT, MONITOR, T1).restartCount(), "the count stays with the record");
    }

    @Test
    void onlyAnExitedOneIsMadeAgain() {
        Container c = creating();
        for (Container notExited : List.of(c, c.created(INIT, MONITOR), c.running(INIT, MONITOR, T0),
                c.running(INIT, MONITOR, T0).paused())) {
            QuiltException e = assertThrows(QuiltException.class, notExited::restarting);
            assertEquals(QuiltException.Kind.CONFLICT, e.kind());
        }
    }

    @Test
    void aNegativeCountIsRefused() {
        Container c = creating();
        assertThrows(IllegalArgumentException.class, () -> new Container(c.id(), c.name(), c.spec(), c.status(),
                c.init(), c.monitor(), c.createdAt(), c.startedAt(), c.exit(), c.exitedAt(), c.autoRemove(),
                c.endpoint(), c.readiness(), c.health(), -1));
    }

    /** The supervisor's readings of a restart (stopped, creating, running, stopped) give docker's start then die. */
    @Test
    void theReadingsOfARunAgainGiveOneStartAndOneDie() {
        Container exited = creating().running(INIT, MONITOR, T0).stopped(ExitStatus.exited(3), T1);
        Container again = exited.restarting();
        Container running = again.running(new ProcessRef(300, 3), new ProcessRef(299, 3), T1);
        Container ended = running.stopped(ExitStatus.exited(4), T1);
        List<String> actions = new java.util.ArrayList<>();
        Container[] readings = {exited, again, running, ended};
        for (int i = 1; i < readings.length; i++) {
            ContainerChanges.between(Optional.of(ContainerChanges.Seen.of(readings[i - 1], false)),
                    Optional.of(ContainerChanges.Seen.of(readings[i], false))).forEach(c -> actions.add(c.action()));
        }
        assertEquals(List.of("start", "die"), actions);
        // a reading that missed the creating one sees the same
        assertEquals(List.of("start"), ContainerChanges.between(Optional.of(ContainerChanges.Seen.of(exited, false)),
                Optional.of(ContainerChanges.Seen.of(running, false))).stream().map(ContainerChanges.Change::action).toList());
    }

    /** A step of a lifecycle; each is tried only when the status allows it. */
    enum Step { CREATED, RUNNING, PAUSED, RESUMED, STOPPED, RESTARTING }

    @Provide
    Arbitrary<List<Step>> lifecycles() {
        return Arbitraries.of(Step.class).list().ofMaxSize(40);
    }

    /** Random lifecycles with restarts: only legal moves happen, and the count is the number of restarts. */
    @Property(tries = 500)
    void restartsAreCountedAndOnlyLegalMovesHappen(@ForAll("lifecycles") List<Step> steps) {
        Container c = creating();
        int restarts = 0;
        for (Step s : steps) {
            Status before = c.status();
            Container next;
            try {
                next = switch (s) {
                    case CREATED -> c.created(INIT, MONITOR);
                    case RUNNING -> c.running(INIT, MONITOR, T1);
                    case PAUSED -> c.paused();
                    case RESUMED -> c.resumed();
                    case STOPPED -> c.stopped(ExitStatus.exited(0), T1);
                    case RESTARTING -> c.restarting();
                };
            } catch (QuiltException refused) {
                assertEquals(QuiltException.Kind.CONFLICT, refused.kind());
                continue;
            }
            assertTrue(before.canBecome(next.status()), before + " -> " + next.status());
            if (s == Step.RESTARTING) {
                assertEquals(Status.STOPPED, before);
                restarts++;
            }
            assertEquals(c.id(), next.id());
            assertEquals(c.createdAt(), next.createdAt());
            c = next;
        }
        assertEquals(restarts, c.restartCount());
    }
}
