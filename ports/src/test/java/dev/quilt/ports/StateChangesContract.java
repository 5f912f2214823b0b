package dev.quilt.ports;

import dev.quilt.domain.Container;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.ProcessRef;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link StateChanges} must do, with the {@link StateStore} (and {@link Activity}) of the same root;
 * each adapter's test extends this. The waits are bounded by a generous deadline only so that a broken adapter
 * fails instead of hanging; nothing is timed.
 */
public abstract class StateChangesContract {
    protected abstract StateStore store();

    protected abstract StateChanges changes();

    protected abstract Activity activity();

    /** Records that {@code c}'s init exited, as its monitor would. */
    protected abstract void recordExit(Container c, ExitStatus exit);

    static final long BOUND_SECONDS = 30;

    private static boolean awaitBounded(StateChanges.Watch w) throws Exception {
        return CompletableFuture.supplyAsync(w::await).get(BOUND_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void aNewRecordASaveAnExitAnActivityMarkAndARemovalAreEachSeen() throws Exception {
        try (StateChanges.Watch w = changes().watch()) {
            Container c = StateStoreContract.sample("a1".repeat(32), Optional.empty());
            store().create(c);
            assertTrue(awaitBounded(w), "a new record");
            Container running = c.running(new ProcessRef(4242, 1L), new ProcessRef(4241, 1L), Instant.now());
            store().save(running);
            assertTrue(awaitBounded(w), "a saved record");
            recordExit(running, ExitStatus.exited(0));
            assertTrue(awaitBounded(w), "an exit");
            activity().mark(c.id(), Instant.now());
            assertTrue(awaitBounded(w), "an activity mark");
            store().remove(c.id());
            assertTrue(awaitBounded(w), "a removal");
        }
    }

    @Test
    void changesBeforeAnAwaitAreNotLostAndCountAsOne() throws Exception {
        try (StateChanges.Watch w = changes().watch()) {
            Container c = StateStoreContract.sample("b2".repeat(32), Optional.empty());
            store().create(c);
            store().save(c.running(new ProcessRef(4242, 1L), new ProcessRef(4241, 1L), Instant.now()));
            assertTrue(awaitBounded(w));
            store().remove(c.id());
            assertTrue(awaitBounded(w));
        }
    }

    @Test
    void closingWakesAWaiterWithFalse() throws Exception {
        StateChanges.Watch w = changes().watch();
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(w::await);
        w.close();
        assertFalse(waiting.get(BOUND_SECONDS, TimeUnit.SECONDS));
        assertFalse(w.await(), "a closed watch does not wait");
    }

    @Test
    void anActivityMarkOnAContainerThatIsGoneIsDropped() {
        Container c = StateStoreContract.sample("c3".repeat(32), Optional.empty());
        activity().mark(c.id(), Instant.now());
        assertTrue(activity().last(c.id()).isEmpty());
        store().create(c);
        Instant at = Instant.parse("2026-12-01T10:00:00Z");
        activity().mark(c.id(), at);
        assertTrue(activity().last(c.id()).orElseThrow().equals(at));
        activity().mark(c.id(), at.minusSeconds(60));
        assertTrue(activity().last(c.id()).orElseThrow().equals(at), "an earlier mark does not move it back");
        store().remove(c.id());
        assertTrue(activity().last(c.id()).isEmpty());
    }
}
