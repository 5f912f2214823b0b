package dev.quilt.domain;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExpiryTest {
    static final Instant START = Instant.parse("2026-12-01T09:00:00Z");

    @Test
    void noQuiltLabelsIsNone() {
        assertEquals(Expiry.NONE, Expiry.of(Map.of("app", "web", "quilt.timeout", "30s")));
        assertFalse(Expiry.NONE.any());
        assertEquals(Optional.empty(), Expiry.NONE.next(START, Optional.empty(), true));
    }

    @Test
    void ttlRemovesByDefaultAndIdleStops() {
        Expiry x = Expiry.of(Map.of("quilt.ttl", "2s", "quilt.idle-timeout", "1m30s"));
        assertEquals(new Expiry.Rule(Duration.ofSeconds(2), Expiry.Action.REMOVE), x.ttl().orElseThrow());
        assertEquals(new Expiry.Rule(Duration.ofSeconds(90), Expiry.Action.STOP), x.idle().orElseThrow());
    }

    @Test
    void actionsAreGivenByTheirOwnLabels() {
        Expiry x = Expiry.of(Map.of("quilt.ttl", "1h", "quilt.ttl.action", "stop", "quilt.idle-timeout", "5m",
                "quilt.idle.action", "Remove"));
        assertEquals(Expiry.Action.STOP, x.ttl().orElseThrow().action());
        assertEquals(Expiry.Action.REMOVE, x.idle().orElseThrow().action());
    }

    @Test
    void malformedLabelsAreRefusedNamingTheLabel() {
        QuiltException d = assertThrows(QuiltException.class, () -> Expiry.of(Map.of("quilt.ttl", "soon")));
        assertTrue(d.getMessage().contains("quilt.ttl"), d.getMessage());
        assertEquals(QuiltException.Kind.INVALID_INPUT, d.kind());
        QuiltException zero = assertThrows(QuiltException.class, () -> Expiry.of(Map.of("quilt.idle-timeout", "0s")));
        assertTrue(zero.getMessage().contains("quilt.idle-timeout"), zero.getMessage());
        QuiltException a = assertThrows(QuiltException.class,
                () -> Expiry.of(Map.of("quilt.ttl", "1s", "quilt.ttl.action", "explode")));
        assertTrue(a.getMessage().contains("stop or remove"), a.getMessage());
        QuiltException alone = assertThrows(QuiltException.class,
                () -> Expiry.of(Map.of("quilt.idle.action", "remove")));
        assertTrue(alone.getMessage().contains("needs quilt.idle-timeout"), alone.getMessage());
    }

    @Test
    void theTtlCountsFromTheStartAndTheIdleTimeoutFromTheLastActivity() {
        Expiry x = Expiry.of(Map.of("quilt.ttl", "10m", "quilt.idle-timeout", "2m"));
        Expiry.Due idle = x.next(START, Optional.empty(), true).orElseThrow();
        assertEquals(new Expiry.Due(START.plusSeconds(120), Expiry.Action.STOP, Expiry.Reason.IDLE_TIMEOUT), idle);
        Expiry.Due moved = x.next(START, Optional.of(START.plusSeconds(60)), true).orElseThrow();
        assertEquals(START.plusSeconds(180), moved.at());
        Expiry.Due ttl = x.next(START, Optional.of(START.plusSeconds(540)), true).orElseThrow();
        assertEquals(new Expiry.Due(START.plusSeconds(600), Expiry.Action.REMOVE, Expiry.Reason.TTL), ttl);
    }

    @Test
    void anActivityBeforeTheStartCountsAsTheStart() {
        Expiry x = Expiry.of(Map.of("quilt.idle-timeout", "30s"));
        assertEquals(START.plusSeconds(30), x.next(START, Optional.of(START.minusSeconds(100)), true).orElseThrow().at());
    }

    @Test
    void anExitedContainerHasOnlyItsRemoveRulesLeft() {
        Expiry stopOnly = Expiry.of(Map.of("quilt.idle-timeout", "30s", "quilt.ttl", "1h", "quilt.ttl.action", "stop"));
        assertEquals(Optional.empty(), stopOnly.next(START, Optional.empty(), false));
        Expiry both = Expiry.of(Map.of("quilt.idle-timeout", "30s", "quilt.ttl", "1h"));
        assertEquals(Expiry.Reason.TTL, both.next(START, Optional.empty(), false).orElseThrow().reason());
    }

    @Property
    void theNextDeadlineIsTheEarliestRuleAndNeverBeforeTheStart(@ForAll @IntRange(min = 1, max = 100_000) int ttl,
                                                                 @ForAll @IntRange(min = 1, max = 100_000) int idle,
                                                                 @ForAll @IntRange(min = -1000, max = 100_000) int active) {
        Expiry x = Expiry.of(Map.of("quilt.ttl", ttl + "s", "quilt.idle-timeout", idle + "s"));
        Expiry.Due d = x.next(START, Optional.of(START.plusSeconds(active)), true).orElseThrow();
        long idleAt = Math.max(0, active) + idle;
        assertEquals(START.plusSeconds(Math.min(ttl, idleAt)), d.at());
        assertEquals(ttl <= idleAt ? Expiry.Reason.TTL : Expiry.Reason.IDLE_TIMEOUT, d.reason());
        assertFalse(d.at().isBefore(START));
    }
}
