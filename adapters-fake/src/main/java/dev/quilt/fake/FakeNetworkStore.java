package dev.quilt.fake;

import dev.quilt.domain.AddressPool;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Ipv4Address;
import dev.quilt.domain.Network;
import dev.quilt.ports.NetworkStore;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Leases in a map; one monitor stands for the root's lock. A container's
 * monitor gives its address back when the container exits, as quilt-monitor
 * does, before it records the exit.
 */
public final class FakeNetworkStore implements NetworkStore {
    private final FakeKernel kernel;
    private final Map<Ipv4Address, ContainerId> leases = new TreeMap<>();
    private Network defined;

    public FakeNetworkStore(FakeKernel kernel) {
        this.kernel = kernel;
        kernel.atExit(this::releasedByMonitor);
    }

    private synchronized void releasedByMonitor(ContainerId id) {
        leases.values().removeIf(id::equals);
    }

    @Override
    public synchronized Optional<Network> defined() {
        return Optional.ofNullable(defined);
    }

    @Override
    public synchronized void define(Network network) {
        defined = network;
    }

    @Override
    public synchronized void undefine() {
        defined = null;
    }

    @Override
    public Ipv4Address lease(Network network, ContainerId id) {
        kernel.maybeFail("network.lease");
        synchronized (this) {
            for (Map.Entry<Ipv4Address, ContainerId> e : leases.entrySet()) {
                if (e.getValue().equals(id)) return e.getKey();
            }
            Ipv4Address a = AddressPool.firstFree(network.subnet(), leases.keySet())
                    .orElseThrow(() -> AddressPool.exhausted(network));
            leases.put(a, id);
            return a;
        }
    }

    @Override
    public void release(ContainerId id) {
        kernel.maybeFail("network.release");
        synchronized (this) {
            leases.values().removeIf(id::equals);
        }
    }

    @Override
    public synchronized Map<Ipv4Address, ContainerId> leases() {
        return Map.copyOf(leases);
    }

    @Override
    public synchronized int reconcile(Predicate<ContainerId> known) {
        int before = leases.size();
        leases.values().removeIf(known.negate());
        return before - leases.size();
    }
}
