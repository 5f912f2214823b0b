package dev.quilt.domain.checkpoint;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.QuiltException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a checkpoint reference resolves once a persisted container was removed and made again (a new ID, the same
 * name): {@code NAME/CKPT} is the one CKPT among every container called NAME, {@code NAME} their newest, and only a
 * real ambiguity is refused, naming the IDs.
 */
class CheckpointRefTest {
    private static final ContainerId FIRST = ContainerId.of("a1" + "0".repeat(62));
    private static final ContainerId SECOND = ContainerId.of("b2" + "0".repeat(62));
    private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");
    private static final Function<CheckpointRef.Entry, CheckpointRef.Entry> SAME = e -> e;

    private static CheckpointRef.Entry e(ContainerId id, String name, String ckpt, int second) {
        return new CheckpointRef.Entry(id, Optional.of(ContainerName.of(name)), new CheckpointName(ckpt),
                T0.plusSeconds(second));
    }

    /** p1 (FIRST) checkpointed as persist-1 and flip, removed; p1 again (SECOND) checkpointed as persist-2. */
    private static final List<CheckpointRef.Entry> CYCLE = List.of(e(FIRST, "p1", "persist-1", 1),
            e(FIRST, "p1", "flip", 2), e(SECOND, "p1", "persist-2", 3));

    private static Optional<CheckpointRef.Entry> resolve(String ref, List<CheckpointRef.Entry> all) {
        return CheckpointRef.parse(ref).resolve(all, SAME);
    }

    @Test
    void aNameAndCheckpointFindTheOneOfThatNameAmongEveryContainerCalledSo() {
        assertEquals(Optional.of(CYCLE.get(1)), resolve("p1/flip", CYCLE));
        assertEquals(Optional.of(CYCLE.get(2)), resolve("p1/persist-2", CYCLE));
        assertEquals(Optional.empty(), resolve("p1/nosuch", CYCLE));
        assertEquals(Optional.empty(), resolve("p2/flip", CYCLE));
    }

    @Test
    void aNameAloneIsTheNewestOverAllOfThem() {
        assertEquals(Optional.of(CYCLE.get(2)), resolve("p1", CYCLE));
        assertEquals(3, CheckpointRef.parse("p1").containers(CYCLE, SAME).size());
    }

    @Test
    void theSameCheckpointNameInTwoContainersIsRefusedNamingBoth() {
        List<CheckpointRef.Entry> both = new ArrayList<>(CYCLE);
        both.add(e(SECOND, "p1", "flip", 4));
        QuiltException ex = assertThrows(QuiltException.class, () -> resolve("p1/flip", both));
        assertEquals(QuiltException.Kind.INVALID_INPUT, ex.kind());
        assertTrue(ex.getMessage().contains(FIRST.shortForm()) && ex.getMessage().contains(SECOND.shortForm()),
                ex.getMessage());
        assertEquals(Optional.of(both.get(3)), resolve(SECOND.value() + "/flip", both), "the ID still names it");
        assertEquals(Optional.of(both.get(1)), resolve(FIRST.shortForm() + "/flip", both), "a prefix too");
    }

    @Test
    void anIdBeatsANameAndAnAmbiguousPrefixIsRefusedNamingTheIds() {
        assertEquals(Optional.of(CYCLE.get(1)), resolve(FIRST.value(), CYCLE));
        List<CheckpointRef.Entry> two = List.of(e(ContainerId.of("ab" + "1".repeat(62)), "x", "c", 1),
                e(ContainerId.of("ab" + "2".repeat(62)), "y", "c", 2));
        QuiltException ex = assertThrows(QuiltException.class, () -> resolve("ab/c", two));
        assertTrue(ex.getMessage().contains("'ab' is the start of the IDs of 2"), ex.getMessage());
        assertEquals(Optional.of(two.get(1)), resolve("ab2", two));
    }

    @Property
    void theNewestDoesNotDependOnTheListOrder(@ForAll long seed) {
        List<CheckpointRef.Entry> shuffled = new ArrayList<>(CYCLE);
        shuffled.add(e(FIRST, "p1", "same-time", 3)); // as new as persist-2: the later name wins, as persist's newest
        Collections.shuffle(shuffled, new java.util.Random(seed));
        assertEquals("same-time", resolve("p1", shuffled).orElseThrow().name().value());
    }
}
