package dev.quilt.domain;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatusTest {
    private final ContainerId id = ContainerId.of("web");

    @Test
    void theOciLifecycleMovesForwardOnlyAndAnExitedOneMayBeMadeAgain() {
        assertEquals(EnumSet.of(Status.CREATED, Status.RUNNING, Status.STOPPED), Status.CREATING.next());
        assertEquals(EnumSet.of(Status.RUNNING, Status.STOPPED), Status.CREATED.next());
        assertEquals(EnumSet.of(Status.PAUSED, Status.STOPPED), Status.RUNNING.next());
        assertEquals(EnumSet.of(Status.RUNNING, Status.STOPPED), Status.PAUSED.next(), "resumed, or killed while paused");
        assertEquals(EnumSet.of(Status.CREATING), Status.STOPPED.next(), "started again: made anew on its record");
        for (Status s : Status.values()) assertFalse(s.canBecome(s), s + " -> itself");
    }

    @Test
    void anIllegalMoveIsANamedConflict() {
        QuiltException e = assertThrows(QuiltException.class, () -> Status.STOPPED.become(Status.RUNNING, id));
        assertEquals("container 'web' is stopped; it cannot become running", e.getMessage());
        assertEquals(QuiltException.Kind.CONFLICT, e.kind());
    }

    @Test
    void questionsAnsweredInOnePlace() {
        assertTrue(Status.CREATED.canStart());
        assertFalse(Status.RUNNING.canStart());
        assertTrue(Status.RUNNING.canKill());
        assertFalse(Status.STOPPED.canKill());
        assertTrue(Status.STOPPED.canDelete());
        assertTrue(Status.STOPPED.canStartAgain());
        for (Status s : EnumSet.complementOf(EnumSet.of(Status.STOPPED))) assertFalse(s.canStartAgain(), s.word());
        assertFalse(Status.RUNNING.canDelete());
        assertTrue(Status.PAUSED.canKill());
        assertFalse(Status.PAUSED.canDelete(), "runc refuses to delete a paused container without --force");
        assertTrue(Status.RUNNING.canPause());
        for (Status s : EnumSet.complementOf(EnumSet.of(Status.RUNNING))) assertFalse(s.canPause(), s.word());
        assertTrue(Status.PAUSED.canResume());
        for (Status s : EnumSet.complementOf(EnumSet.of(Status.PAUSED))) assertFalse(s.canResume(), s.word());
        assertEquals("paused", Status.PAUSED.word(), "the OCI state's word");
    }

    @Test
    void anIllegalMoveFromStoppedIsStillNamed() {
        for (Status to : EnumSet.complementOf(EnumSet.of(Status.CREATING))) {
            assertThrows(QuiltException.class, () -> Status.STOPPED.become(to, id), to.word());
        }
    }
}
