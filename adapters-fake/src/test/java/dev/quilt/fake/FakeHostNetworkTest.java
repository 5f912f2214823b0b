package dev.quilt.fake;

import dev.quilt.domain.Network;
import dev.quilt.domain.Subnet;
import dev.quilt.ports.HostNetwork;
import dev.quilt.ports.HostNetworkContract;

class FakeHostNetworkTest extends HostNetworkContract {
    private final FakeKernel kernel = new FakeKernel();
    private int roots;

    @Override
    protected Network network() {
        return new Network("qtfake", Subnet.parse("10.96.0.0/24"));
    }

    @Override
    protected HostNetwork root(Network n) {
        return new FakeHostNetwork(kernel, "/fake/root" + roots++);
    }

    @Override
    protected void foreignLink(String name, String kind) {
        kernel.addForeignLink(name, kind);
    }

    @Override
    protected void plug(String link, String bridge) {
        kernel.plug(link, bridge);
    }

    @Override
    protected void unplugForeign(String link) {
        kernel.removeForeignLink(link);
    }

    @Override
    protected boolean linkExists(String name) {
        return kernel.linkExists(name);
    }
}
