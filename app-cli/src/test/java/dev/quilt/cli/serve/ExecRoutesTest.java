package dev.quilt.cli.serve;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** An exec's deadline: the create body's QuiltTimeout, else the container's quilt.timeout label, else none. */
class ExecRoutesTest {
    private static final Map<String, String> LABELLED = Map.of("quilt.timeout", "1h30m", "other", "x");

    @Test
    void theLabelIsTheDefaultDeadline() {
        assertEquals(Optional.of(Duration.ofMinutes(90)), ExecRoutes.deadline(Optional.empty(), LABELLED));
        assertEquals(Optional.of(Duration.ofSeconds(30)), ExecRoutes.deadline(Optional.empty(),
                Map.of("quilt.timeout", "30s")));
    }

    @Test
    void theBodysQuiltTimeoutWinsOverTheLabel() {
        assertEquals(Optional.of(Duration.ofMinutes(5)), ExecRoutes.deadline(Optional.of("5m"), LABELLED));
    }

    @Test
    void neitherIsNoDeadline() {
        assertEquals(Optional.empty(), ExecRoutes.deadline(Optional.empty(), Map.of("other", "x")));
    }

    @Test
    void aBadOneIsA400NamingIt() {
        ApiException body = assertThrows(ApiException.class, () -> ExecRoutes.deadline(Optional.of("soon"), LABELLED));
        assertEquals(400, body.status());
        assertEquals("QuiltTimeout 'soon' is not a duration: use e.g. 500ms, 10s, 1m30s or 2h", body.getMessage());
        ApiException label = assertThrows(ApiException.class, () -> ExecRoutes.deadline(Optional.empty(),
                Map.of("quilt.timeout", "0s")));
        assertEquals(400, label.status());
        assertEquals("label quilt.timeout '0s' must be longer than zero", label.getMessage());
    }

    @Test
    void execsAreKeptBoundedAndDroppedWithTheirContainer() {
        ExecSessions sessions = new ExecSessions(new dev.quilt.fake.FakeExecRecords());
        dev.quilt.domain.ContainerId a = dev.quilt.domain.ContainerId.of("a".repeat(64));
        dev.quilt.domain.ContainerId b = dev.quilt.domain.ContainerId.of("b".repeat(64));
        dev.quilt.usecases.ExecInContainer.Request req = new dev.quilt.usecases.ExecInContainer.Request(
                java.util.List.of("true"), java.util.List.of(), k -> Optional.empty(), Optional.empty(),
                Optional.empty(), false, false);
        ExecSessions.Exec first = sessions.add(a, "a", "img", req, false, true, true, 0, 0, Optional.empty(), "", id -> false);
        ExecSessions.Exec second = sessions.add(b, "b", "img", req, false, true, true, 0, 0, Optional.empty(), "", id -> false);
        assertEquals(true, first.claim());
        assertEquals(false, first.claim(), "an exec starts once");
        first.ended(0, false);
        sessions.add(b, "b", "img", req, false, true, true, 0, 0, Optional.empty(), "", id -> id.equals(a));
        assertEquals(Optional.empty(), sessions.get(first.id), "container a is gone, and its ended exec with it");
        assertEquals(Optional.of(second), sessions.get(second.id));
        for (int i = 0; i < ExecSessions.KEPT_ENDED + 10; i++) {
            sessions.add(b, "b", "img", req, false, true, true, 0, 0, Optional.empty(), "", id -> false).ended(0, false);
        }
        assertEquals(true, sessions.size() <= ExecSessions.KEPT_ENDED + 2, "bounded: " + sessions.size());
        assertEquals(Optional.of(second), sessions.get(second.id), "one never started is kept while its container is");
    }
}
