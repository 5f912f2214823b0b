package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Endpoint;
import dev.quilt.domain.Network;
import dev.quilt.ports.HostNetwork;

import java.util.HashMap;
import java.util.Map;

/**
 * Bridges and veths as names in the fake kernel, with links made by others
 * (never touched) and, per bridge, the roots that use it. One instance is one
 * state root's view; several may share a kernel.
 */
public final class FakeHostNetwork implements HostNetwork {
    private final FakeKernel kernel;
    private final String root;

    public FakeHostNetwork(FakeKernel kernel) {
        this(kernel, "root");
    }

    /** {@code root} names the state root this adapter works for. */
    public FakeHostNetwork(FakeKernel kernel, String root) {
        this.kernel = kernel;
        this.root = root;
    }

    @Override
    public void ensure(Network network) {
        kernel.maybeFail("network.ensure");
        try {
            setUp(network);
        } catch (dev.quilt.domain.QuiltException e) {
            // as the kernel's adapter says it
            throw new dev.quilt.domain.QuiltException(e.kind(), "cannot set up network '" + network.name() + "': "
                    + e.getMessage(), e);
        }
    }

    private void setUp(Network network) {
        synchronized (kernel) {
            String foreign = kernel.foreignLinks().get(network.bridge());
            if (foreign != null) {
                throw foreign.equals("bridge") ? HostNetwork.foreignBridge(network.bridge())
                        : HostNetwork.notABridge(network.bridge());
            }
            Map<String, Network> users = kernel.bridgeUsers().computeIfAbsent(network.bridge(), b -> new HashMap<>());
            for (Map.Entry<String, Network> other : users.entrySet()) {
                if (!other.getKey().equals(root) && !other.getValue().equals(network)) {
                    throw HostNetwork.sharedWithAnotherSubnet(network, other.getKey(), other.getValue().subnet());
                }
            }
            kernel.bridges().add(network.bridge());
            users.put(root, network);
        }
    }

    @Override
    public Removal remove(Network network) {
        synchronized (kernel) {
            Map<String, Network> users = kernel.bridgeUsers().getOrDefault(network.bridge(), new HashMap<>());
            users.remove(root);
            if (users.isEmpty()) kernel.bridgeUsers().remove(network.bridge());
            else return Removal.kept("another quilt root uses it (" + users.keySet().iterator().next() + ")");
            String foreign = kernel.foreignLinks().get(network.bridge());
            if (foreign != null) return Removal.kept(foreign.equals("bridge") ? "quilt did not make it" : "it is not a bridge");
            if (!kernel.bridges().contains(network.bridge())) return Removal.absent();
            long ports = kernel.portOf().values().stream().filter(network.bridge()::equals).count();
            if (ports > 0) return Removal.kept(ports + " link" + (ports == 1 ? " is" : "s are") + " still plugged into it");
            kernel.bridges().remove(network.bridge());
            return Removal.removed();
        }
    }

    @Override
    public boolean uses(Network network) {
        synchronized (kernel) {
            return kernel.bridgeUsers().getOrDefault(network.bridge(), Map.of()).containsKey(root);
        }
    }

    @Override
    public BridgeState state(Network network) {
        synchronized (kernel) {
            String foreign = kernel.foreignLinks().get(network.bridge());
            if (foreign != null) return foreign.equals("bridge") ? BridgeState.FOREIGN : BridgeState.NOT_A_BRIDGE;
            return kernel.bridges().contains(network.bridge()) ? BridgeState.READY : BridgeState.ABSENT;
        }
    }

    @Override
    public void unplug(ContainerId id) {
        kernel.maybeFail("network.unplug");
        synchronized (kernel) {
            kernel.links().remove(Endpoint.hostLinkOf(id));
            kernel.portOf().remove(Endpoint.hostLinkOf(id));
        }
    }
}
