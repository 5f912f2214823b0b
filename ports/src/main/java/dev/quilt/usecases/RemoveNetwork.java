package dev.quilt.usecases;

import dev.quilt.domain.Network;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.HostNetwork;
import dev.quilt.ports.NetworkStore;
import dev.quilt.ports.StateStore;

/**
 * {@code quilt network rm}: the bridge, its NAT table and the root's network
 * definition go, once no container holds an address on it.
 */
public final class RemoveNetwork {
    private final NetworkStore store;
    private final HostNetwork host;
    private final StateStore state;

    public RemoveNetwork(NetworkStore store, HostNetwork host, StateStore state) {
        this.store = store;
        this.host = host;
        this.state = state;
    }

    public Network remove() {
        Network n = store.defined().orElse(Network.DEFAULT);
        store.reconcile(id -> state.read(id).isPresent()); // a broken record still holds its address
        int held = store.leases().size();
        if (held > 0) {
            throw QuiltException.conflict("network '" + n.name() + "' is in use by " + held + " container"
                    + (held == 1 ? "" : "s") + "; remove them first (quilt rm -f)");
        }
        host.remove(n);
        store.undefine();
        return n;
    }
}
