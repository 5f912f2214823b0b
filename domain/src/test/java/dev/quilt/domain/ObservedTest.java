package dev.quilt.domain;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ObservedTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant NOW = Instant.parse("2026-01-01T00:01:00Z");
    private static final ProcessRef INIT = new ProcessRef(200, 2), MONITOR = new ProcessRef(199, 1);

    private static Container creating() {
        ContainerSpec spec = new ContainerSpec(new ProcessSpec(List.of("sleep", "9"), List.of(), "/", User.ROOT, false),
                Digest.sha256("ab".repeat(32)), new Hostname("box"), ContainerSpec.DEFAULT_NAMESPACES, false, false, NetworkMode.NONE,
                Resources.DEFAULT);
        return Container.creating(ContainerId.of("c1"), Optional.empty(), spec, T0, false);
    }

    private static Observed.Facts facts(Optional<ExitStatus> exit, boolean initAlive, boolean monitorAlive,
                                        boolean pidsOnly, boolean startPending) {
        return new Observed.Facts(exit, exit.map(e -> NOW), pidsOnly ? Optional.of(INIT) : Optional.empty(),
                pidsOnly ? Optional.of(MONITOR) : Optional.empty(), initAlive, monitorAlive, startPending);
    }

    @Test
    void aRecordedExitWins() {
        Container running = creating().running(INIT, MONITOR, T0);
        Container c = Observed.derive(running, facts(Optional.of(ExitStatus.exited(3)), false, false, false, false), NOW);
        assertEquals(Status.STOPPED, c.status());
        assertEquals(Optional.of(ExitStatus.exited(3)), c.exit());
    }

    @Test
    void aLiveInitKeepsTheRecordsWord() {
        Container created = creating().created(INIT, MONITOR);
        assertEquals(Status.CREATED, Observed.derive(created, facts(Optional.empty(), true, true, false, true), NOW).status());
        // started by a CLI that died before it wrote so: the gate is gone
        assertEquals(Status.RUNNING, Observed.derive(created, facts(Optional.empty(), true, true, false, false), NOW).status());
    }

    @Test
    void aCliKilledAfterTheMonitorStartedIsCoveredByPidsJson() {
        Container c = Observed.derive(creating(), facts(Optional.empty(), true, true, true, false), NOW);
        assertEquals(Status.RUNNING, c.status());
        assertEquals(Optional.of(INIT), c.init());
        assertEquals(Status.CREATED, Observed.derive(creating(), facts(Optional.empty(), true, true, true, true), NOW).status());
    }

    /**
     * A restore whose CLI was killed after CRIU ran (issue 16): its monitor wrote pids.json, but the record was never
     * written with its endpoint and readiness. It stays creating, which gc clears as a crashed create; the restore's
     * own record, once written, is read as any other.
     */
    @Test
    void aRestoreKilledBeforeItsRecordWasWrittenStaysCreating() {
        Container c = creating();
        Container restoring = Container.creating(c.id(), Optional.empty(),
                c.spec().withLabels(java.util.Map.of(Observed.RESTORED_FROM, "c0/cp1")), T0, false);
        assertEquals(true, Observed.restoring(restoring));
        for (boolean initAlive : List.of(true, false)) {
            Container d = Observed.derive(restoring, facts(Optional.empty(), initAlive, true, true, false), NOW);
            assertEquals(Status.CREATING, d.status());
            assertEquals(Optional.empty(), d.monitor(), "no monitor taken from pids.json: gc's crashed create");
        }
        Container written = restoring.running(INIT, MONITOR, T0);
        assertEquals(false, Observed.restoring(written));
        assertEquals(Status.RUNNING, Observed.derive(written, facts(Optional.empty(), true, true, false, false), NOW).status());
        assertEquals(false, Observed.restoring(creating()), "a fresh create is no restore");
    }

    @Test
    void aDeadMonitorWithoutAnExitLosesTheCodeRatherThanInventOne() {
        Container running = creating().running(INIT, MONITOR, T0);
        Container c = Observed.derive(running, facts(Optional.empty(), false, false, false, false), NOW);
        assertEquals(Status.STOPPED, c.status());
        assertEquals(Optional.empty(), c.exit());
    }

    /**
     * runc's process tree (ProcessSpawner.Mode.HANDED_OFF): the caller's subreaper reaps the init and the monitor,
     * which is not its parent, records no code and leaves. Stopped, no code invented, and no "monitor gone".
     */
    @Test
    void anInitReapedByTheCallersSubreaperIsStoppedWithNoCodeAndNoMonitorGone() {
        Container created = creating().created(INIT, MONITOR);
        Container started = Observed.derive(created, facts(Optional.empty(), true, true, false, false), NOW);
        Container c = Observed.derive(started, facts(Optional.empty(), false, false, false, false), NOW);
        assertEquals(Status.STOPPED, c.status());
        assertEquals(Optional.empty(), c.exit());
        assertEquals(false, Observed.monitorGone(c.status(), false, false));
    }

    @Test
    void aMonitorStillWritingTheExitIsStillRunning() {
        Container running = creating().running(INIT, MONITOR, T0);
        assertEquals(Status.RUNNING, Observed.derive(running, facts(Optional.empty(), false, true, false, false), NOW).status());
    }

    @Test
    void aCreateThatDiedBeforeItSpawnedStaysCreatingForRmAndGc() {
        assertEquals(Status.CREATING, Observed.derive(creating(), facts(Optional.empty(), false, false, false, false), NOW).status());
    }

    @Test
    void aLiveInitWithoutItsMonitorRunsOnWithTheMonitorGone() {
        Container running = creating().running(INIT, MONITOR, T0);
        Container c = Observed.derive(running, facts(Optional.empty(), true, false, false, false), NOW);
        assertEquals(Status.RUNNING, c.status(), "the container runs on");
        assertEquals(true, Observed.monitorGone(c.status(), true, false));
        assertEquals(false, Observed.monitorGone(Status.RUNNING, true, true), "a live monitor is not gone");
        assertEquals(false, Observed.monitorGone(Status.STOPPED, false, false), "a stopped container has no monitor to miss");
        assertEquals(true, Observed.monitorGone(Status.CREATED, true, false), "nor has a created one whose monitor was killed");
        assertEquals(false, Observed.monitorGone(Status.CREATING, false, false));
    }

    @Test
    void stoppedIsFinal() {
        Container stopped = creating().running(INIT, MONITOR, T0).stopped(ExitStatus.exited(0), T0);
        assertEquals(stopped, Observed.derive(stopped, facts(Optional.of(ExitStatus.exited(9)), true, true, false, false), NOW));
    }

    /**
     * A record saved stopped with no code (its monitor had not written exit.json yet when it was saved) takes the
     * code the monitor wrote once it is there; without one it stays stopped with none.
     */
    @Test
    void aStoppedRecordWithoutACodeTakesTheMonitorsOnceWritten() {
        Container lost = creating().created(INIT, MONITOR).stopped(Optional.empty(), T0);
        Container c = Observed.derive(lost, facts(Optional.of(ExitStatus.exited(127)), false, false, false, false), NOW);
        assertEquals(Status.STOPPED, c.status());
        assertEquals(Optional.of(ExitStatus.exited(127)), c.exit());
        assertEquals(Optional.of(NOW), c.exitedAt(), "the monitor's time");
        assertEquals(lost, Observed.derive(lost, facts(Optional.empty(), false, false, false, false), NOW));
        assertThrows(IllegalStateException.class, () -> c.exitLearned(ExitStatus.exited(1), NOW), "a code is never replaced");
    }

    private static Observed.Facts frozen(Optional<ExitStatus> exit, boolean initAlive, boolean monitorAlive) {
        return new Observed.Facts(exit, exit.map(e -> NOW), Optional.empty(), Optional.empty(), initAlive, monitorAlive,
                false, true);
    }

    @Test
    void aRunningContainerTheFreezerHoldsIsPausedAndRunsAgainWhenThawed() {
        Container running = creating().running(INIT, MONITOR, T0);
        Container paused = Observed.derive(running, frozen(Optional.empty(), true, true), NOW);
        assertEquals(Status.PAUSED, paused.status());
        assertEquals(running.startedAt(), paused.startedAt(), "a pause is no restart");
        // a record written while it was paused says so; thawed, it is running
        assertEquals(Status.RUNNING, Observed.derive(paused, facts(Optional.empty(), true, true, false, false), NOW).status());
        assertEquals(Status.PAUSED, Observed.derive(paused, frozen(Optional.empty(), true, true), NOW).status());
    }

    @Test
    void aPausedContainerThatExitedIsStoppedWhateverTheFreezerSays() {
        Container running = creating().running(INIT, MONITOR, T0);
        Container paused = running.paused();
        Container c = Observed.derive(paused, frozen(Optional.of(ExitStatus.killedBy(9)), false, false), NOW);
        assertEquals(Status.STOPPED, c.status());
        assertEquals(Optional.of(ExitStatus.killedBy(9)), c.exit());
        assertEquals(Status.STOPPED, Observed.derive(paused, facts(Optional.empty(), false, false, false, false), NOW).status());
    }

    @Test
    void onlyARunningContainerIsSeenPaused() {
        Container created = creating().created(INIT, MONITOR);
        assertEquals(Status.CREATED, Observed.derive(created, new Observed.Facts(Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), true, true, true, true), NOW).status());
        assertEquals(true, Observed.monitorGone(Status.PAUSED, true, false), "a paused container can lose its monitor too");
    }
}
