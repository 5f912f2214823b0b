package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Network;

/** The host's side of container networking: the bridge with its NAT, and each container's link. */
public interface HostNetwork {
    /**
     * Makes sure the bridge is up with the gateway address, forwarding on and
     * outbound NAT in place; cheap when it already is. Throws a one-line error
     * naming the bridge when it cannot.
     */
    void ensure(Network network);

    /** Removes the bridge and its NAT; missing parts are not an error. */
    void remove(Network network);

    /** Whether the bridge exists now. */
    boolean exists(Network network);

    /** Deletes the host end of the container's veth, if it is still there. */
    void unplug(ContainerId id);
}
