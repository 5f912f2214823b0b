package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Endpoint;
import dev.quilt.domain.Network;
import dev.quilt.ports.HostNetwork;

/** Bridges and veths as names in the fake kernel. */
public final class FakeHostNetwork implements HostNetwork {
    private final FakeKernel kernel;

    public FakeHostNetwork(FakeKernel kernel) {
        this.kernel = kernel;
    }

    @Override
    public void ensure(Network network) {
        kernel.maybeFail("network.ensure");
        synchronized (kernel) {
            kernel.bridges().add(network.bridge());
        }
    }

    @Override
    public void remove(Network network) {
        synchronized (kernel) {
            kernel.bridges().remove(network.bridge());
        }
    }

    @Override
    public boolean exists(Network network) {
        synchronized (kernel) {
            return kernel.bridges().contains(network.bridge());
        }
    }

    @Override
    public void unplug(ContainerId id) {
        kernel.maybeFail("network.unplug");
        synchronized (kernel) {
            kernel.links().remove(Endpoint.hostLinkOf(id));
        }
    }
}
