package dev.quilt.domain;

import dev.quilt.domain.SubordinateRanges.Range;
import dev.quilt.domain.UserNamespace.IdMapping;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UserNamespaceTest {
    private static String refusal(Runnable r) {
        return assertThrows(QuiltException.class, r::run).getMessage();
    }

    @Test
    void theFlagsAsPodmanTakesThem() {
        assertEquals(UserNamespace.HOST, UserNamespace.fromFlags(null, List.of(), List.of()));
        assertEquals(UserNamespace.HOST, UserNamespace.fromFlags("host", List.of(), List.of()));
        assertEquals(new UserNamespace.Auto(65536), UserNamespace.fromFlags("auto", List.of(), List.of()));
        assertEquals(new UserNamespace.Auto(1000), UserNamespace.fromFlags("auto:size=1000", List.of(), List.of()));
        IdMapping m = new IdMapping(0, 100000, 65536);
        assertEquals(new UserNamespace.Mapped(List.of(m), List.of(m)),
                UserNamespace.fromFlags(null, List.of("0:100000:65536"), List.of()), "the gid maps default to the uid maps");
        assertEquals(new UserNamespace.Mapped(List.of(m), List.of(new IdMapping(0, 200000, 10))),
                UserNamespace.fromFlags(null, List.of("0:100000:65536"), List.of("0:200000:10")));
        assertEquals("0 100000 65536\n", m.line());
        assertEquals("0:100000:65536", m.toString());
    }

    @Test
    void everyBadFlagIsOneLineSayingWhatToGive() {
        assertEquals("--userns 'keep-id' is not supported: use host, auto or auto:size=N",
                refusal(() -> UserNamespace.fromFlags("keep-id", List.of(), List.of())));
        assertTrue(refusal(() -> UserNamespace.fromFlags("auto:size=x", List.of(), List.of())).contains("size must be a number"));
        assertTrue(refusal(() -> UserNamespace.fromFlags("auto:size=0", List.of(), List.of())).contains("between 1 and"));
        assertTrue(refusal(() -> UserNamespace.fromFlags("auto", List.of("0:1:1"), List.of())).contains("do not go together"));
        assertTrue(refusal(() -> UserNamespace.fromFlags(null, List.of(), List.of("0:1:1"))).contains("--gidmap needs --uidmap"));
        assertTrue(refusal(() -> UserNamespace.fromFlags(null, List.of("1:100000:10"), List.of())).contains("must map the container's root"));
        assertTrue(refusal(() -> UserNamespace.fromFlags(null, List.of("0:100000"), List.of())).contains("is not CONTAINER:HOST:SIZE"));
        assertTrue(refusal(() -> UserNamespace.fromFlags(null, List.of("0:-5:10"), List.of())).contains("out of range"));
        assertTrue(refusal(() -> UserNamespace.fromFlags(null, List.of("0:100000:10", "5:200000:10"), List.of()))
                .contains("overlap"));
        assertTrue(refusal(() -> UserNamespace.fromFlags(null, List.of("0:100000:10", "10:100005:10"), List.of()))
                .contains("overlap"), "host ranges overlap too");
    }

    @Test
    void aSecurityKeepsItsUserNamespaceThroughEveryChangeAndTheSpecGetsTheNamespace() {
        UserNamespace.Mapped m = new UserNamespace.Mapped(List.of(new IdMapping(0, 100000, 65536)),
                List.of(new IdMapping(0, 300000, 65536)));
        Security s = Security.DEFAULT.withUserns(m).withReadonlyRootfs(true).withMounts(List.of()).withDevices(List.of());
        assertEquals(m, s.userns());
        assertEquals(100000, m.rootUid());
        assertEquals(300000, m.rootGid());
        assertEquals(UserNamespace.HOST, Security.DEFAULT.userns());
        DeviceSpec d = new DeviceSpec("/dev/mynull", 'c', 1, 3, 0666, 0, 0, "rwm");
        assertTrue(refusal(() -> s.withDevices(List.of(d))).startsWith("--device does not go with --userns"));
        assertTrue(refusal(() -> Security.DEFAULT.withDevices(List.of(d)).withUserns(m)).startsWith("--device does not go"));
    }

    @Test
    void subordinateIdFilesAreReadAsShadowUtilsReadsThem() {
        String text = "# comment\ncontainers:100000:65536\nother:1:2\ncontainers:bad:1\n1001:500000:10\ncontainers:0:0\n";
        assertEquals(List.of(new Range(100000, 65536)), SubordinateRanges.of(text, "containers", ""));
        assertEquals(List.of(new Range(100000, 65536), new Range(500000, 10)), SubordinateRanges.of(text, "containers", "1001"));
        assertEquals(List.of(), SubordinateRanges.of("", "containers", ""));
    }

    @Test
    void theLowestFreeRangeIsPicked() {
        List<Range> owned = List.of(new Range(100000, 65536 * 2), new Range(900000, 65536));
        assertEquals(OptionalLong.of(100000), SubordinateRanges.pick(owned, List.of(), 65536));
        assertEquals(OptionalLong.of(165536), SubordinateRanges.pick(owned, List.of(new Range(100000, 65536)), 65536));
        assertEquals(OptionalLong.of(900000), SubordinateRanges.pick(owned,
                List.of(new Range(100000, 65536), new Range(165536, 10)), 65536));
        assertEquals(OptionalLong.empty(), SubordinateRanges.pick(owned,
                List.of(new Range(100000, 65536), new Range(165536, 10), new Range(900000, 1)), 65536));
    }

    /** Whatever is held, a pick lies inside one owned range and shares no id with any held one. */
    @Property
    void aPickIsOwnedAndFree(@ForAll @Size(max = 6) List<@IntRange(min = 0, max = 2000) Integer> starts,
                             @ForAll @IntRange(min = 1, max = 300) int size) {
        List<Range> owned = List.of(new Range(0, 1000), new Range(1500, 700));
        List<Range> used = new ArrayList<>();
        for (int s : starts) used.add(new Range(s, 1 + s % 250));
        OptionalLong pick = SubordinateRanges.pick(owned, used, size);
        if (pick.isEmpty()) { // then truly none is free
            for (Range r : owned) {
                for (long c = r.start(); c + size <= r.start() + r.count(); c++) {
                    long at = c;
                    assertTrue(used.stream().anyMatch(u -> UserNamespace.overlap(at, size, u.start(), u.count())),
                            at + " was free");
                }
            }
            return;
        }
        long p = pick.getAsLong();
        assertTrue(owned.stream().anyMatch(r -> p >= r.start() && p + size <= r.start() + r.count()), "inside " + p);
        for (Range u : used) assertFalse(UserNamespace.overlap(p, size, u.start(), u.count()), p + " overlaps " + u);
    }
}
