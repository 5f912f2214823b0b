package dev.quilt.fake;

import dev.quilt.domain.Network;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Subnet;
import dev.quilt.ports.HostNetwork;
import dev.quilt.usecases.AttachNetwork;
import dev.quilt.usecases.DefineNetwork;
import dev.quilt.usecases.DescribeNetwork;
import dev.quilt.usecases.RemoveNetwork;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** network create, rm and inspect against the fake kernel, with several roots on one host. */
class NetworkUseCasesTest {
    private final FakeKernel kernel = new FakeKernel();
    private final Network shared = new Network("qtshared", Subnet.parse("10.95.0.0/24"));

    /** One state root: its own definition and leases, the host's kernel. */
    private final class Root {
        final FakeNetworkStore store = new FakeNetworkStore(kernel);
        final FakeHostNetwork host;
        final RemoveNetwork remove;
        final DefineNetwork define;
        final DescribeNetwork describe;
        final AttachNetwork attach;

        Root(String name) {
            host = new FakeHostNetwork(kernel, name);
            remove = new RemoveNetwork(store, host, new FakeStateStore(kernel));
            define = new DefineNetwork(store, host);
            describe = new DescribeNetwork(store, host);
            attach = new AttachNetwork(store, host);
        }
    }

    @Test
    void aRootThatNeverHadANetworkRemovesNothing() {
        Root other = new Root("/other");
        other.attach.attach(dev.quilt.domain.ContainerId.of("running-elsewhere")); // the default bridge, in use
        Root fresh = new Root("/fresh");
        QuiltException e = assertThrows(QuiltException.class, fresh.remove::remove);
        assertEquals(QuiltException.Kind.NOT_FOUND, e.kind());
        assertEquals("no network to remove: this root never created one ('quilt network create') nor ran a container"
                + " on the default one; nothing changed", e.getMessage());
        assertTrue(kernel.bridgeSnapshot().contains(Network.DEFAULT.bridge()), "the default bridge is still there");
        assertTrue(other.host.uses(Network.DEFAULT));
    }

    @Test
    void aRootThatRanOnTheDefaultNetworkRemovesItAsItsLastUser() {
        Root r = new Root("/r");
        r.attach.attach(dev.quilt.domain.ContainerId.of("c1"));
        r.store.release(dev.quilt.domain.ContainerId.of("c1"));
        RemoveNetwork.Result result = r.remove.remove();
        assertEquals(Network.DEFAULT, result.network());
        assertEquals(HostNetwork.Removal.removed(), result.bridge());
        assertFalse(kernel.bridgeSnapshot().contains(Network.DEFAULT.bridge()));
    }

    @Test
    void twoRootsOnOneBridgeEachRemoveOnlyTheirOwnUse() {
        Root a = new Root("/a");
        Root b = new Root("/b");
        a.define.define(shared);
        b.define.define(shared);
        RemoveNetwork.Result first = a.remove.remove();
        assertEquals(HostNetwork.Removal.Outcome.KEPT, first.bridge().outcome());
        assertEquals("another quilt root uses it (/b)", first.bridge().detail());
        assertEquals(Optional.empty(), a.store.defined(), "a's own record went all the same");
        assertTrue(kernel.bridgeSnapshot().contains(shared.bridge()));
        assertEquals(HostNetwork.BridgeState.READY, b.describe.describe().bridge());
        assertEquals(HostNetwork.Removal.removed(), b.remove.remove().bridge());
        assertFalse(kernel.bridgeSnapshot().contains(shared.bridge()));
    }

    @Test
    void createOnALinkThatIsNotABridgeDefinesNothingAndTouchesNothing() {
        kernel.addForeignLink(shared.bridge(), "veth");
        Root r = new Root("/r");
        QuiltException e = assertThrows(QuiltException.class, () -> r.define.define(shared));
        assertEquals("cannot set up network 'qtshared': link 'qtshared' exists and is not a bridge; choose another"
                + " name with 'quilt network create --bridge'", e.getMessage());
        assertEquals(Optional.empty(), r.store.defined());
        assertTrue(kernel.linkExists(shared.bridge()));
        DescribeNetwork.Description d = r.describe.describe();
        assertEquals(HostNetwork.BridgeState.ABSENT, d.bridge(), "the root's network is still the default one");
    }

    @Test
    void aRootDefinedOnSomeoneElsesLinkLetsGoOfItsRecordButNeverOfTheLink() {
        kernel.addForeignLink(shared.bridge(), "bridge");
        Root r = new Root("/r");
        r.store.define(shared); // as an older quilt, or a hand-written network.json, would have it
        assertEquals(HostNetwork.BridgeState.FOREIGN, r.describe.describe().bridge());
        assertThrows(QuiltException.class, () -> r.attach.attach(dev.quilt.domain.ContainerId.of("c1")));
        RemoveNetwork.Result result = r.remove.remove();
        assertEquals(HostNetwork.Removal.kept("quilt did not make it"), result.bridge());
        assertEquals(Optional.empty(), r.store.defined());
        assertTrue(kernel.linkExists(shared.bridge()));
    }
}
