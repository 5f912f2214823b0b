package dev.quilt.cli.serve;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventFilterTest {
    static final String ID = "ab".repeat(32);

    static ApiEvent event(String action) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("app", "web");
        a.put("tier", "");
        a.put("image", "sha256:" + "cd".repeat(32));
        a.put("name", "box");
        return new ApiEvent("container", action, ID, a, 1_700_000_000_000_000_000L);
    }

    static boolean passes(String filters, String action) {
        return EventFilter.parse(Optional.of(filters)).test(event(action));
    }

    @Test
    void noFiltersPassEverything() {
        assertTrue(EventFilter.parse(Optional.empty()).test(event("start")));
        assertTrue(EventFilter.parse(Optional.of("")).test(event("start")));
        assertTrue(passes("{}", "die"));
    }

    @Test
    void eventMatchesTheActionOrItsPartBeforeTheColon() {
        assertTrue(passes("{\"event\":[\"start\",\"die\"]}", "die"));
        assertFalse(passes("{\"event\":[\"start\"]}", "die"));
        assertTrue(passes("{\"event\":[\"health_status\"]}", "health_status: unhealthy"));
        assertTrue(passes("{\"event\":[\"health_status: healthy\"]}", "health_status: healthy"));
        assertFalse(passes("{\"event\":[\"health_status: healthy\"]}", "health_status: unhealthy"));
        assertTrue(passes("{\"event\":{\"exec_start\":true}}", "exec_start: sh -c true"));
    }

    @Test
    void containerIsAnIdAnIdPrefixOrAName() {
        assertTrue(passes("{\"container\":[\"" + ID + "\"]}", "start"));
        assertTrue(passes("{\"container\":[\"abab\"]}", "start"));
        assertTrue(passes("{\"container\":[\"box\"]}", "start"));
        assertTrue(passes("{\"container\":[\"/box\"]}", "start"));
        assertFalse(passes("{\"container\":[\"other\"]}", "start"));
    }

    @Test
    void labelIsAKeyOrAKeyAndValue() {
        assertTrue(passes("{\"label\":[\"app\"]}", "start"));
        assertTrue(passes("{\"label\":[\"app=web\"]}", "start"));
        assertTrue(passes("{\"label\":[\"tier=\"]}", "start"));
        assertFalse(passes("{\"label\":[\"app=db\"]}", "start"));
        assertFalse(passes("{\"label\":[\"missing\"]}", "start"));
        assertTrue(passes("{\"label\":[\"app=web\"],\"event\":[\"start\"]}", "start"));
        assertFalse(passes("{\"label\":[\"app=web\"],\"event\":[\"die\"]}", "start"), "every name must hold");
    }

    @Test
    void typeAndImage() {
        assertTrue(passes("{\"type\":[\"container\"]}", "start"));
        assertFalse(passes("{\"type\":[\"image\"]}", "start"));
        assertTrue(passes("{\"image\":[\"cdcd\"]}", "start"));
        assertTrue(passes("{\"image\":[\"sha256:" + "cd".repeat(32) + "\"]}", "start"));
        assertFalse(passes("{\"image\":[\"busybox\"]}", "start"));
    }

    @Test
    void badFiltersAreA400NamingThem() {
        ApiException unknown = assertThrows(ApiException.class, () -> EventFilter.parse(Optional.of("{\"colour\":[\"x\"]}")));
        assertEquals(400, unknown.status());
        assertTrue(unknown.getMessage().contains("colour"), unknown.getMessage());
        assertEquals(400, assertThrows(ApiException.class, () -> EventFilter.parse(Optional.of("[1]"))).status());
        assertEquals(400, assertThrows(ApiException.class, () -> EventFilter.parse(Optional.of("{nope"))).status());
    }

    @Test
    void timesAreUnixSecondsWithAFractionOrRfc3339() {
        assertEquals(1_700_000_000_000_000_000L, EventFilter.time("since", "1700000000"));
        assertEquals(1_700_000_000_500_000_000L, EventFilter.time("since", "1700000000.5"));
        assertEquals(1_700_000_000_000_000_001L, EventFilter.time("since", "1700000000.000000001"));
        assertEquals(1_764_579_600_000_000_000L, EventFilter.time("until", "2025-12-01T09:00:00Z"));
        assertEquals(1_764_579_600_000_000_000L, EventFilter.time("until", "2025-12-01T10:00:00+01:00"));
        ApiException bad = assertThrows(ApiException.class, () -> EventFilter.time("until", "tomorrow"));
        assertEquals(400, bad.status());
        assertTrue(bad.getMessage().contains("until"), bad.getMessage());
    }
}
