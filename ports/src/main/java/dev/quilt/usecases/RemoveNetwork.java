package dev.quilt.usecases;

import dev.quilt.domain.Network;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.HostNetwork;
import dev.quilt.ports.NetworkStore;
import dev.quilt.ports.StateStore;

/**
 * {@code quilt network rm}: once no container holds an address on it, the
 * root's network definition goes, and with it the root's use of the bridge;
 * the bridge and its NAT table go too unless another root uses them, a link
 * is still plugged into the bridge, or Quilt did not make it
 * ({@link HostNetwork#remove}). A root that never defined a network nor used
 * the default one has nothing to remove and touches nothing of the host.
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

    /** The network whose definition went, and what became of its bridge. */
    public record Result(Network network, HostNetwork.Removal bridge) {}

    public Result remove() {
        var defined = store.defined();
        Network n = defined.orElse(Network.DEFAULT);
        if (defined.isEmpty() && !host.uses(n)) {
            throw QuiltException.notFound("no network to remove: this root never created one ('quilt network"
                    + " create') nor ran a container on the default one; nothing changed");
        }
        store.reconcile(id -> state.read(id).isPresent()); // a broken record still holds its address
        int held = store.leases().size();
        if (held > 0) {
            throw QuiltException.conflict("network '" + n.name() + "' is in use by " + held + " container"
                    + (held == 1 ? "" : "s") + "; remove them first (quilt rm -f)");
        }
        HostNetwork.Removal bridge = host.remove(n);
        store.undefine();
        return new Result(n, bridge);
    }
}
