package dev.quilt.usecases;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Ipv4Address;
import dev.quilt.domain.Network;
import dev.quilt.ports.HostNetwork;
import dev.quilt.ports.NetworkStore;

import java.util.Map;

/** {@code quilt network inspect}: the root's network, what the host holds under its bridge's name, and who holds which address. */
public final class DescribeNetwork {
    private final NetworkStore store;
    private final HostNetwork host;

    public DescribeNetwork(NetworkStore store, HostNetwork host) {
        this.store = store;
        this.host = host;
    }

    public record Description(Network network, boolean defined, HostNetwork.BridgeState bridge,
                              Map<Ipv4Address, ContainerId> leases) {}

    public Description describe() {
        var defined = store.defined();
        Network n = defined.orElse(Network.DEFAULT);
        return new Description(n, defined.isPresent(), host.state(n), store.leases());
    }
}
