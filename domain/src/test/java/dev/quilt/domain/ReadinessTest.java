package dev.quilt.domain;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadinessTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    private static String error(Runnable r) {
        return assertThrows(QuiltException.class, r::run).getMessage();
    }

    @Test
    void phasesHoldInOrderAndTheFirstMissingIsNext() {
        Readiness r = Readiness.NONE.then(PhaseMark.held(Phase.SPAWNED, T, Duration.ofMillis(3)));
        assertEquals(Optional.of(Phase.NETWORK), r.next());
        assertThrows(IllegalStateException.class, () -> Readiness.NONE.then(PhaseMark.held(Phase.EXEC, T, Duration.ZERO)));
        r = r.then(PhaseMark.skipped(Phase.NETWORK, T));
        assertEquals(Optional.empty(), r.networkSetup(), "a skipped network took no setup");
        r = r.then(PhaseMark.held(Phase.EXEC, T, Duration.ofMillis(5))).then(PhaseMark.skipped(Phase.HEALTHY, T));
        assertEquals(Optional.empty(), r.next());
        assertTrue(r.holds(Phase.HEALTHY));
        assertThrows(IllegalStateException.class, () -> Readiness.NONE.then(PhaseMark.held(Phase.SPAWNED, T, Duration.ZERO))
                .then(PhaseMark.held(Phase.SPAWNED, T, Duration.ZERO)));
        assertThrows(IllegalArgumentException.class, () -> new Readiness(List.of(PhaseMark.skipped(Phase.NETWORK, T))),
                "a chain read from disk must start at the start");
    }

    /** Whatever prefix of the chain has held, holds() and next() agree with it. */
    @Property
    void holdsAndNextAgree(@ForAll @IntRange(min = 0, max = 4) int held) {
        Readiness r = Readiness.NONE;
        for (int i = 0; i < held; i++) r = r.then(PhaseMark.held(Phase.values()[i], T.plusMillis(i), Duration.ofMillis(1)));
        for (Phase p : Phase.values()) assertEquals(p.ordinal() < held, r.holds(p));
        assertEquals(held == 4 ? Optional.empty() : Optional.of(Phase.values()[held]), r.next());
    }

    @Test
    void durationsAsPeopleWriteThem() {
        assertEquals(Duration.ofSeconds(10), Durations.parse("--ready-timeout", "10s"));
        assertEquals(Duration.ofSeconds(10), Durations.parse("--ready-timeout", "10"), "a bare number is seconds");
        assertEquals(Duration.ofMillis(500), Durations.parse("--ready-timeout", "500ms"));
        assertEquals(Duration.ofSeconds(90), Durations.parse("--ready-timeout", "1m30s"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("--ready-timeout", "1.5s"));
        assertEquals(Duration.ofHours(2), Durations.parse("--ready-timeout", "2h"));
        assertEquals("--ready-timeout 'ten' is not a duration: use e.g. 500ms, 10s, 1m30s or 2h",
                error(() -> Durations.parse("--ready-timeout", "ten")));
        assertEquals("--ready-timeout '0s' must be longer than zero", error(() -> Durations.parse("--ready-timeout", "0s")));
        error(() -> Durations.parse("--ready-timeout", "-1s"));
        error(() -> Durations.parse("--ready-timeout", "10 s"));
        error(() -> Durations.parse("--ready-timeout", "9999999h"));
    }

    @Property
    void formattedDurationsParseBack(@ForAll @LongRange(min = 1, max = 86_400_000) long millis) {
        Duration d = Duration.ofMillis(millis);
        assertEquals(d, Durations.parse("--x", Durations.format(d)));
    }

    @Test
    void healthChecksAreCheckedWhenMade() {
        HealthCheck h = HealthCheck.fromFlags("test -f /ok", null, null, null, null);
        assertEquals(List.of("/bin/sh", "-c", "test -f /ok"), h.args());
        assertEquals(HealthCheck.DEFAULT_INTERVAL, h.interval());
        assertEquals(3, h.retries());
        assertEquals("--health-retries 0 must be 1 or more", error(() -> HealthCheck.fromFlags("true", null, null, null, 0)));
        error(() -> HealthCheck.fromFlags(" ", null, null, null, null));
        error(() -> HealthCheck.fromFlags("true", "0s", null, null, null));
        error(() -> HealthCheck.fromFlags("true", null, "soon", null, null));
    }

    private static HealthResult result(int code) {
        return new HealthResult(ExitStatus.exited(code), false, "", T, T);
    }

    @Test
    void healthIsStartingUntilAPassAndUnhealthyAfterRetriesFailuresInARow() {
        Health h = Health.STARTING.after(result(1), 3).after(result(1), 3);
        assertEquals(Health.Status.STARTING, h.status(), "two failures of three allowed");
        assertEquals(Health.Status.UNHEALTHY, h.after(result(1), 3).status());
        Health healthy = h.after(result(0), 3);
        assertEquals(Health.Status.HEALTHY, healthy.status());
        assertEquals(0, healthy.failingStreak());
        assertEquals(Health.Status.HEALTHY, healthy.after(result(1), 3).status(), "one failure is not yet unhealthy");
        HealthResult late = new HealthResult(ExitStatus.killedBy(9), true, "", T, T);
        assertFalse(late.healthy());
        assertEquals("timed out", late.how());
    }

    /** However the runs go, the streak counts the failures since the last pass and the status follows it. */
    @Property
    void theStatusFollowsTheStreak(@ForAll List<Boolean> passes, @ForAll @IntRange(min = 1, max = 5) int retries) {
        Health h = Health.STARTING;
        boolean passedOnce = false;
        int streak = 0;
        for (boolean pass : passes) {
            h = h.after(result(pass ? 0 : 1), retries);
            passedOnce |= pass;
            streak = pass ? 0 : streak + 1;
        }
        assertEquals(streak, h.failingStreak());
        Health.Status expected = streak >= retries ? Health.Status.UNHEALTHY
                : passedOnce ? Health.Status.HEALTHY : Health.Status.STARTING;
        assertEquals(expected, h.status());
    }
}
