package dev.quilt.usecases;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Endpoint;
import dev.quilt.domain.Network;
import dev.quilt.ports.HostNetwork;
import dev.quilt.ports.NetworkStore;

/** A container's place on the root's network: the bridge made if missing, an address leased. */
public final class AttachNetwork {
    private final NetworkStore store;
    private final HostNetwork host;

    public AttachNetwork(NetworkStore store, HostNetwork host) {
        this.store = store;
        this.host = host;
    }

    /** The root's network: the one defined for it, else {@link Network#DEFAULT}. */
    public Network network() {
        return store.defined().orElse(Network.DEFAULT);
    }

    public Endpoint attach(ContainerId id) {
        Network n = network();
        host.ensure(n);
        return Endpoint.of(n, store.lease(n, id), id);
    }
}
