package dev.quilt.domain;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SubnetTest {
    @Test
    void parsesAndNamesItsSpecialAddresses() {
        Subnet s = Subnet.parse("10.42.0.0/16");
        assertEquals("10.42.0.1", s.gateway().toString());
        assertEquals("10.42.255.255", s.broadcast().toString());
        assertEquals(65533, s.hostCapacity());
        assertTrue(s.assignable(Ipv4Address.parse("10.42.0.2")));
        assertFalse(s.assignable(s.gateway()));
        assertFalse(s.assignable(s.network()));
        assertFalse(s.assignable(s.broadcast()));
        assertFalse(s.assignable(Ipv4Address.parse("10.43.0.2")));
        assertTrue(s.overlaps(Subnet.parse("10.42.7.0/24")));
        assertFalse(s.overlaps(Subnet.parse("10.43.0.0/24")));
    }

    @Test
    void badSubnetsSayWhatToWrite() {
        assertEquals("invalid subnet 10.42.0.1/16: host bits are set; did you mean 10.42.0.0/16?",
                assertThrows(QuiltException.class, () -> Subnet.parse("10.42.0.1/16")).getMessage());
        assertEquals("invalid subnet 10.0.0.0/31: the prefix must be 8 to 30",
                assertThrows(QuiltException.class, () -> Subnet.parse("10.0.0.0/31")).getMessage());
        assertEquals("invalid subnet '10.0.0.0': use a.b.c.d/prefix, e.g. 10.42.0.0/16",
                assertThrows(QuiltException.class, () -> Subnet.parse("10.0.0.0")).getMessage());
        assertEquals("invalid IPv4 address '10.0.0.256': use a.b.c.d",
                assertThrows(QuiltException.class, () -> Subnet.parse("10.0.0.256/24")).getMessage());
        assertThrows(QuiltException.class, () -> Ipv4Address.parse("01.2.3.4"));
        for (String reserved : new String[] {"127.0.0.0/8", "0.0.0.0/8", "224.0.0.0/24", "240.1.0.0/16"}) {
            assertTrue(assertThrows(QuiltException.class, () -> Subnet.parse(reserved)).getMessage()
                    .contains("not a unicast range a bridge can route"), reserved);
        }
        assertThrows(QuiltException.class, () -> new Network("a/b", Subnet.parse("10.0.0.0/24")));
        assertThrows(QuiltException.class, () -> new Network("sixteen-chars-xx", Subnet.parse("10.0.0.0/24")));
        assertEquals("unknown network 'bridged': use bridge, none or host",
                assertThrows(QuiltException.class, () -> NetworkMode.parse("bridged")).getMessage());
    }

    @Test
    void endpointsDeriveMacAndLinkName() {
        Network n = new Network("qt1", Subnet.parse("10.9.8.0/24"));
        ContainerId random = ContainerId.of("0123456789ab" + "c".repeat(52));
        Endpoint e = Endpoint.of(n, Ipv4Address.parse("10.9.8.7"), random);
        assertEquals("02:51:0a:09:08:07", e.mac());
        assertEquals("qv0123456789ab", e.hostLink());
        assertEquals("10.9.8.7/24", e.cidr());
        // chosen IDs that share a prefix do not share a link name
        String a = Endpoint.hostLinkOf(ContainerId.of("job-runner-1"));
        String b = Endpoint.hostLinkOf(ContainerId.of("job-runner-2"));
        assertFalse(a.equals(b));
        assertTrue(a.length() <= 15 && b.length() <= 15);
        assertThrows(QuiltException.class, () -> Endpoint.of(n, Ipv4Address.parse("10.9.8.1"), random));
    }
}
