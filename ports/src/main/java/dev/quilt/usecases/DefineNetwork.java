package dev.quilt.usecases;

import dev.quilt.domain.Network;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.HostNetwork;
import dev.quilt.ports.NetworkStore;

import java.util.Optional;

/**
 * {@code quilt network create [--bridge NAME] [--subnet CIDR]}: gives the root
 * its network and sets it up now. A different network replaces the old one
 * only when no container holds an address on it.
 */
public final class DefineNetwork {
    private final NetworkStore store;
    private final HostNetwork host;

    public DefineNetwork(NetworkStore store, HostNetwork host) {
        this.store = store;
        this.host = host;
    }

    public Network define(Network wanted) {
        Optional<Network> old = store.defined();
        if (old.isPresent() && !old.get().equals(wanted)) {
            int held = store.leases().size();
            if (held > 0) {
                throw QuiltException.conflict("network '" + old.get().name() + "' (" + old.get().subnet() + ") has "
                        + held + " container" + (held == 1 ? "" : "s") + " on it; remove them before changing it");
            }
            host.remove(old.get());
        }
        host.ensure(wanted);
        store.define(wanted);
        return wanted;
    }
}
