package dev.quilt.linux.cgroup;

import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who may remove a root's parent cgroup, within one JVM (a server makes and removes many containers at once). */
class ParentGuardTest {
    private static ParentGuard fresh() {
        return ParentGuard.of("quilt-test-" + UUID.randomUUID(), Optional.empty());
    }

    @Test
    void aSecondRemoverWaitsForTheFirstInsteadOfGivingUp() throws Exception {
        ParentGuard guard = fresh();
        CountDownLatch removing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread first = Thread.ofPlatform().start(() -> guard.ifNoOneMaking(() -> {
            removing.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        removing.await();
        AtomicBoolean secondRan = new AtomicBoolean();
        Thread second = Thread.ofPlatform().start(() -> guard.ifNoOneMaking(() -> secondRan.set(true)));
        release.countDown();
        first.join();
        second.join();
        assertTrue(secondRan.get(), "the last removal tries, even when another one was under way");
    }

    @Test
    void aRemoverLeavesTheParentToAMakersLaterRemoval() throws Exception {
        ParentGuard guard = fresh();
        CountDownLatch making = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread maker = Thread.ofPlatform().start(() -> guard.whileMaking(() -> {
            making.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        making.await();
        AtomicBoolean ran = new AtomicBoolean();
        guard.ifNoOneMaking(() -> ran.set(true));
        release.countDown();
        maker.join();
        assertFalse(ran.get(), "a container is being made under the parent: it stays");
        guard.ifNoOneMaking(() -> ran.set(true));
        assertTrue(ran.get(), "once no one makes, the removal runs");
    }
}
