package dev.quilt.domain;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Any run of leases and releases on any small subnet: no address twice, none reserved, full means full. */
class AddressPoolTest {

    @Provide
    Arbitrary<List<Integer>> operations() {
        // >= 0: lease; < 0: release the lease at that position (mod the number held)
        return Arbitraries.integers().between(-50, 50).list().ofMaxSize(200);
    }

    @Property(tries = 300)
    void leasesNeverCollideNorLeaveTheSubnet(@ForAll @IntRange(min = 26, max = 30) int prefix,
                                             @ForAll @IntRange(min = 0, max = 255) int third,
                                             @ForAll("operations") List<Integer> ops) {
        Subnet subnet = Subnet.parse("10.77." + third + ".0/" + prefix);
        Set<Ipv4Address> used = new HashSet<>();
        List<Ipv4Address> held = new ArrayList<>();
        for (int op : ops) {
            if (op < 0 && !held.isEmpty()) {
                used.remove(held.remove(Math.floorMod(op, held.size())));
                continue;
            }
            Optional<Ipv4Address> next = AddressPool.firstFree(subnet, used);
            if (used.size() == subnet.hostCapacity()) {
                assertTrue(next.isEmpty(), "a full subnet gives nothing");
                continue;
            }
            Ipv4Address a = next.orElseThrow(() -> new AssertionError("free addresses left but none given"));
            assertTrue(subnet.assignable(a), a + " is assignable in " + subnet);
            assertFalse(used.contains(a), a + " given twice");
            used.add(a);
            held.add(a);
        }
        assertEquals(held.size(), used.size());
    }

    @Property(tries = 50)
    void fillingASubnetTakesExactlyItsCapacity(@ForAll @IntRange(min = 24, max = 30) int prefix) {
        Subnet subnet = Subnet.parse("10.1.0.0/" + prefix);
        Set<Ipv4Address> used = new HashSet<>();
        Optional<Ipv4Address> a;
        while ((a = AddressPool.firstFree(subnet, used)).isPresent()) used.add(a.get());
        assertEquals(subnet.hostCapacity(), used.size());
    }
}
