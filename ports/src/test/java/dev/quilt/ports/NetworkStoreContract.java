package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Ipv4Address;
import dev.quilt.domain.Network;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Subnet;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every NetworkStore must do; run against the fake and the file-system store. */
public abstract class NetworkStoreContract {
    protected abstract NetworkStore store();

    private static final Network SMALL = new Network("qtc", Subnet.parse("10.99.0.0/29"));

    private static ContainerId id(int i) {
        return ContainerId.of("c" + i);
    }

    @Test
    void definesAndForgetsTheNetwork() {
        NetworkStore s = store();
        assertEquals(Optional.empty(), s.defined());
        s.define(SMALL);
        assertEquals(Optional.of(SMALL), s.defined());
        s.undefine();
        assertEquals(Optional.empty(), s.defined());
    }

    @Test
    void leasesTheLowestFreeAddressOncePerContainer() {
        NetworkStore s = store();
        assertEquals(Ipv4Address.parse("10.99.0.2"), s.lease(SMALL, id(1)));
        assertEquals(Ipv4Address.parse("10.99.0.3"), s.lease(SMALL, id(2)));
        assertEquals(Ipv4Address.parse("10.99.0.2"), s.lease(SMALL, id(1)), "the one it holds");
        s.release(id(1));
        s.release(id(1)); // nothing held: fine
        assertEquals(Map.of(Ipv4Address.parse("10.99.0.3"), id(2)), s.leases());
        assertEquals(Ipv4Address.parse("10.99.0.2"), s.lease(SMALL, id(3)));
    }

    @Test
    void aFullNetworkSaysSo() {
        NetworkStore s = store();
        for (int i = 0; i < 5; i++) s.lease(SMALL, id(i));
        QuiltException e = assertThrows(QuiltException.class, () -> s.lease(SMALL, id(9)));
        assertEquals("network 'qtc' has no free address (10.99.0.0/29); remove containers you no longer need"
                + " (quilt rm), or use a larger --subnet", e.getMessage());
        assertEquals(5, s.leases().size());
    }

    @Test
    void reconcileDropsLeasesOfUnknownHolders() {
        NetworkStore s = store();
        for (int i = 0; i < 4; i++) s.lease(SMALL, id(i));
        assertEquals(2, s.reconcile(c -> c.equals(id(1)) || c.equals(id(3))));
        assertEquals(Set.of(id(1), id(3)), new HashSet<>(s.leases().values()));
    }

    @Test
    void concurrentLeasesAreDistinct() throws Exception {
        NetworkStore s = store();
        Network wide = new Network("qtw", Subnet.parse("10.98.0.0/24"));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Ipv4Address>> got = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                ContainerId c = id(i);
                got.add(pool.submit((Callable<Ipv4Address>) () -> s.lease(wide, c)));
            }
            Set<Ipv4Address> distinct = new HashSet<>();
            for (Future<Ipv4Address> f : got) distinct.add(f.get());
            assertEquals(40, distinct.size());
            assertTrue(distinct.stream().allMatch(a -> wide.subnet().assignable(a)));
        } finally {
            pool.shutdownNow();
        }
    }
}
