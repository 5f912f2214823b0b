package dev.quilt.cli.serve;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventWaitTest {
    private static ApiEvent event(String id, String action) {
        return new ApiEvent("container", action, id, Map.of("name", "n"), 1);
    }

    @Test
    void aStateThatAlreadyHoldsAnswersAtOnce() throws Exception {
        EventBus bus = new EventBus();
        try (EventWait w = new EventWait(bus, "container", "c1", "destroy")) {
            assertTrue(w.await(() -> true));
        }
    }

    @Test
    void anEventBetweenTheSubscriptionAndTheLookIsNotMissed() throws Exception {
        EventBus bus = new EventBus();
        try (EventWait w = new EventWait(bus, "container", "c1", "destroy")) {
            // the record is still there when looked at, but its destroy was published after the subscription
            bus.publish(event("c1", "destroy"));
            assertTrue(w.await(() -> false));
        }
    }

    @Test
    void otherObjectsAndActionsAndPastEventsDoNotCount() throws Exception {
        EventBus bus = new EventBus();
        bus.publish(event("c1", "destroy")); // kept by the bus, but before the wait: not this wait's
        try (EventWait w = new EventWait(bus, "container", "c1", "destroy")) {
            bus.publish(event("c2", "destroy"));
            bus.publish(event("c1", "die"));
            assertFalse(w.came());
            bus.publish(event("c1", "destroy"));
            assertTrue(w.came());
            assertTrue(w.await(() -> false));
        }
    }

    @Test
    void aCancelLetsTheWaitGoWithFalse() throws Exception {
        EventBus bus = new EventBus();
        try (EventWait w = new EventWait(bus, "container", "c1", "start")) {
            w.cancel();
            assertFalse(w.await(() -> false));
        }
    }
}
