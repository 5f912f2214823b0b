package dev.quilt.domain;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResourcesTest {
    private static String error(Runnable r) {
        return assertThrows(QuiltException.class, r::run).getMessage();
    }

    @Test
    void sizesAsPeopleWriteThem() {
        assertEquals(512L << 20, MemorySize.parse("--memory", "512m"));
        assertEquals(1L << 30, MemorySize.parse("--memory", "1g"));
        assertEquals(1L << 30, MemorySize.parse("--memory", "1GiB"));
        assertEquals(3L << 29, MemorySize.parse("--memory", "1.5g"));
        assertEquals(64L << 20, MemorySize.parse("--memory", "64"), "a bare number is MiB");
        assertEquals(4096, MemorySize.parse("--memory", "4k"));
        assertEquals(1000, MemorySize.parse("--memory", "1000b"));
        assertEquals("512m", MemorySize.format(512L << 20));
        assertEquals("1g", MemorySize.format(1L << 30));
        assertEquals("1000b", MemorySize.format(1000));
    }

    @Test
    void badValuesGetOneLineEach() {
        assertEquals("--memory '-5' must be positive: write it as 512m or 1g (k, m, g, t; a bare number means MiB)",
                error(() -> Resources.fromFlags("-5", null, null, null, null)));
        assertEquals("--memory '12q' is not a size: write it as 512m or 1g (k, m, g, t; a bare number means MiB)",
                error(() -> Resources.fromFlags("12q", null, null, null, null)));
        assertEquals("--cpus must be more than 0 (e.g. 0.5 or 2), not '0'",
                error(() -> Resources.fromFlags(null, null, "0", null, null)));
        assertEquals("--cpus 'half' is not a number: write how many CPUs, e.g. 0.5 or 2",
                error(() -> Resources.fromFlags(null, null, "half", null, null)));
        assertEquals("--cpus must be at least 0.01, not '0.001'",
                error(() -> Resources.fromFlags(null, null, "0.001", null, null)));
        assertEquals("--memory 1m is too small: a container needs at least 6m",
                error(() -> Resources.fromFlags("1", null, null, null, null)));
        assertEquals("--memory-swap needs --memory as well", error(() -> Resources.fromFlags(null, "1g", null, null, null)));
        assertTrue(error(() -> Resources.fromFlags("1g", "512m", null, null, null)).startsWith(
                "--memory-swap 512m is less than --memory 1g"));
        assertEquals("--cpu-shares must be 2 to 262144, not 1", error(() -> Resources.fromFlags(null, null, null, 1, null)));
        assertEquals("--pids-limit 'many' is not a whole number (-1 for no limit)",
                error(() -> Resources.fromFlags(null, null, null, null, "many")));
        assertEquals("--pids-limit must be at least 1, or -1 for no limit",
                error(() -> Resources.fromFlags(null, null, null, null, "-7")));
    }

    @Test
    void moreCpusThanTheHostHasAreRefusedAsDockerDoes() {
        assertEquals("--cpus 1000: range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available",
                error(() -> Cpus.parse("1000").requireAtMost(2)));
        assertEquals("--cpus 1.5: range of CPUs is from 0.01 to 1.00, as there is only 1 CPU available",
                error(() -> Cpus.parse("1.5").requireAtMost(1)));
        Cpus.parse("2").requireAtMost(2);
        Cpus.parse("0.01").requireAtMost(1);
    }

    @Test
    void defaultsFollowDocker() {
        assertEquals(Resources.DEFAULT, Resources.fromFlags(null, null, null, null, null));
        Resources r = Resources.fromFlags("256m", null, "0.5", 512, "64");
        assertEquals(Optional.of(512L << 20), r.memorySwap(), "as much swap again as memory");
        assertEquals(Optional.of(new Cpus(50_000, 100_000)), r.cpus());
        assertEquals(Optional.of(64L), r.pids());
        assertEquals(Optional.empty(), Resources.fromFlags("256m", "-1", null, null, "-1").memorySwap());
        assertEquals(Optional.empty(), Resources.fromFlags(null, null, null, null, "0").pids(), "0 is no limit, as in docker");
    }

    @Property
    void aFormattedSizeParsesBack(@ForAll @LongRange(min = 0, max = 1L << 50) long bytes) {
        assertEquals(bytes, MemorySize.parse("--memory", MemorySize.format(bytes)));
    }

    @Property
    void cpusKeepTheirQuota(@ForAll @IntRange(min = 1, max = 6_400) int hundredths) {
        Cpus c = Cpus.parse(hundredths / 100 + "." + String.format("%02d", hundredths % 100));
        assertEquals(hundredths * 1_000L, c.quotaMicros());
        assertEquals(hundredths / 100.0, c.count(), 1e-9);
    }

    @Property
    void sharesMapIntoTheWholeWeightRange(@ForAll @IntRange(min = 2, max = 262_144) int shares) {
        long w = Resources.weightOf(shares);
        assertTrue(w >= 1 && w <= 10_000, () -> shares + " -> " + w);
        if (shares > 2) assertTrue(w >= Resources.weightOf(shares - 1), "monotonic");
    }

    @Test
    void weightEnds() {
        assertEquals(1, Resources.weightOf(2));
        assertEquals(10_000, Resources.weightOf(262_144));
        assertEquals(39, Resources.weightOf(1024));
    }

    private static ResourceUpdate change(Long memory, Long swap, Long shares, Long quota, Long period, Long pids) {
        return new ResourceUpdate(Optional.ofNullable(memory), Optional.ofNullable(swap), Optional.ofNullable(shares),
                Optional.ofNullable(quota), Optional.ofNullable(period), Optional.ofNullable(pids));
    }

    @Test
    void anUpdateChangesWhatItGivesAndKeepsTheRest() {
        Resources before = new Resources(Optional.of(64L << 20), Optional.of(128L << 20),
                Optional.of(new Cpus(50_000, 100_000)), Optional.of(512), Optional.of(100L));
        assertEquals(before, before.updated(ResourceUpdate.NONE));
        Resources pids = before.updated(change(null, null, null, null, null, 7L));
        assertEquals(Optional.of(7L), pids.pids());
        assertEquals(before.memory(), pids.memory());
        assertEquals(Optional.empty(), before.updated(change(null, null, null, null, null, -1L)).pids(), "-1: none");
        Resources mem = before.updated(change(96L << 20, null, null, null, null, null));
        assertEquals(Optional.of(96L << 20), mem.memory());
        assertEquals(Optional.of(128L << 20), mem.memorySwap(), "the recorded total stays, as in the cgroup");
        Resources unlimited = before.updated(change(-1L, null, null, null, null, null));
        assertEquals(Optional.empty(), unlimited.memory());
        assertEquals(Optional.empty(), unlimited.memorySwap(), "no memory limit, no total");
        assertEquals(Optional.empty(), before.updated(change(null, -1L, null, null, null, null)).memorySwap());
        assertEquals(Optional.of(new Cpus(150_000, 100_000)),
                before.updated(change(null, null, null, 150_000L, null, null)).cpus(), "the period stays");
        assertEquals(Optional.of(new Cpus(20_000, 50_000)),
                Resources.UNLIMITED.updated(change(null, null, null, 20_000L, 50_000L, null)).cpus());
        assertEquals(Optional.empty(), before.updated(change(null, null, null, -1L, null, null)).cpus());
        assertEquals(Optional.of(2048), before.updated(change(null, null, 2048L, null, null, null)).cpuShares());
    }

    /** What the v1 memory controller would refuse with EINVAL after the first write is refused before any. */
    @Test
    void aCheckedUpdateRefusesMemoryAndSwapThatDoNotFit() {
        Resources before = new Resources(Optional.of(300L << 20), Optional.of(600L << 20), Optional.empty(),
                Optional.empty(), Optional.empty());
        assertEquals("memory-swap 104857600 is less than memory 314572800: it counts memory and swap together (-1 for"
                + " unlimited swap)", assertThrows(QuiltException.class,
                () -> before.checkedUpdate(change(null, 100L << 20, null, null, null, null))).getMessage());
        assertEquals("memory 734003200 is more than the memory-swap limit 629145600 already set: give memory-swap as"
                + " well (-1 for unlimited swap)", assertThrows(QuiltException.class,
                () -> before.checkedUpdate(change(700L << 20, null, null, null, null, null))).getMessage());
        assertTrue(assertThrows(QuiltException.class, () -> Resources.UNLIMITED.checkedUpdate(
                change(null, 100L << 20, null, null, null, null))).getMessage().contains("needs a memory limit"));
        assertEquals(Optional.of(700L << 20), before.checkedUpdate(change(700L << 20, 1400L << 20, null, null, null,
                null)).memory(), "both at once fit");
        assertEquals(Optional.of(300L << 20), before.checkedUpdate(change(null, 300L << 20, null, null, null, null))
                .memorySwap(), "a total equal to the memory (no swap) fits");
        assertEquals(before.updated(change(-1L, null, null, null, null, null)),
                before.checkedUpdate(change(-1L, null, null, null, null, null)), "no memory limit at all fits");
    }
}
