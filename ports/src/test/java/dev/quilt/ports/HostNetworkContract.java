package dev.quilt.ports;

import dev.quilt.domain.Network;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Subnet;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every HostNetwork must do; run against the fake and, as root, the
 * kernel. Quilt never takes over, changes or deletes a link it did not make,
 * and a bridge that several roots use goes only with the last of them.
 */
public abstract class HostNetworkContract {
    /** A network of the test's own: a bridge name and a /24 nobody else uses. */
    protected abstract Network network();

    /** Another subnet for the same bridge. */
    protected Network otherSubnet(Network n) {
        String[] o = n.subnet().network().toString().split("\\.");
        return new Network(n.bridge(), Subnet.parse(o[0] + "." + o[1] + "." + ((Integer.parseInt(o[2]) + 1) % 256)
                + ".0/24"));
    }

    /** The host network of a fresh state root that has {@code n} defined. */
    protected abstract HostNetwork root(Network n);

    /** A link made by someone else: kind "bridge", "veth" or "dummy"; the test's to remove. */
    protected abstract void foreignLink(String name, String kind);

    /** A link of someone else's plugged into {@code bridge}. */
    protected abstract void plug(String link, String bridge);

    protected abstract void unplugForeign(String link);

    protected abstract boolean linkExists(String name);

    @Test
    void theBridgeIsMadeOnceReadyAndRecordsItsUser() {
        Network n = network();
        HostNetwork a = root(n);
        assertEquals(HostNetwork.BridgeState.ABSENT, a.state(n));
        assertFalse(a.uses(n));
        a.ensure(n);
        a.ensure(n);
        assertEquals(HostNetwork.BridgeState.READY, a.state(n));
        assertTrue(a.uses(n));
        assertEquals(HostNetwork.Removal.Outcome.REMOVED, a.remove(n).outcome());
        assertEquals(HostNetwork.BridgeState.ABSENT, a.state(n));
        assertFalse(a.uses(n));
        assertEquals(HostNetwork.Removal.Outcome.ABSENT, a.remove(n).outcome(), "nothing left to remove");
    }

    @Test
    void aLinkThatIsNotABridgeIsRefusedAndNeverTouched() {
        Network n = network();
        foreignLink(n.bridge(), "veth");
        HostNetwork a = root(n);
        QuiltException e = assertThrows(QuiltException.class, () -> a.ensure(n));
        assertTrue(e.getMessage().endsWith("link '" + n.bridge() + "' exists and is not a bridge; choose another name"
                + " with 'quilt network create --bridge'"), e.getMessage());
        assertEquals(HostNetwork.BridgeState.NOT_A_BRIDGE, a.state(n));
        HostNetwork.Removal r = a.remove(n);
        assertEquals(new HostNetwork.Removal(HostNetwork.Removal.Outcome.KEPT, "it is not a bridge"), r);
        assertTrue(linkExists(n.bridge()), "the link is still there");
    }

    @Test
    void aBridgeQuiltDidNotMakeIsRefusedAndNeverTouched() {
        Network n = network();
        foreignLink(n.bridge(), "bridge");
        HostNetwork a = root(n);
        QuiltException e = assertThrows(QuiltException.class, () -> a.ensure(n));
        assertTrue(e.getMessage().endsWith("bridge '" + n.bridge() + "' exists and was not made by quilt; choose another"
                + " name with 'quilt network create --bridge'"), e.getMessage());
        assertEquals(HostNetwork.BridgeState.FOREIGN, a.state(n));
        assertEquals(new HostNetwork.Removal(HostNetwork.Removal.Outcome.KEPT, "quilt did not make it"), a.remove(n));
        assertTrue(linkExists(n.bridge()), "the bridge is still there");
    }

    @Test
    void twoRootsShareABridgeAndTheLastOneTakesItAway() {
        Network n = network();
        HostNetwork a = root(n);
        HostNetwork b = root(n);
        a.ensure(n);
        b.ensure(n);
        HostNetwork.Removal first = a.remove(n);
        assertEquals(HostNetwork.Removal.Outcome.KEPT, first.outcome());
        assertTrue(first.detail().startsWith("another quilt root uses it ("), first.detail());
        assertEquals(HostNetwork.BridgeState.READY, b.state(n), "still there for the other root");
        assertEquals(HostNetwork.Removal.Outcome.REMOVED, b.remove(n).outcome());
        assertEquals(HostNetwork.BridgeState.ABSENT, b.state(n));
    }

    @Test
    void aSharedBridgeKeepsItsSubnet() {
        Network n = network();
        Network other = otherSubnet(n);
        HostNetwork a = root(n);
        HostNetwork b = root(other);
        a.ensure(n);
        QuiltException e = assertThrows(QuiltException.class, () -> b.ensure(other));
        assertTrue(e.getMessage().contains("bridge '" + n.bridge() + "' is used by another quilt root (")
                && e.getMessage().contains(") with subnet " + n.subnet() + "; use that subnet"), e.getMessage());
        assertEquals(HostNetwork.BridgeState.READY, a.state(n));
        assertFalse(b.uses(other));
        assertEquals(HostNetwork.Removal.Outcome.REMOVED, a.remove(n).outcome());
    }

    @Test
    void aBridgeWithPortsStaysUntilTheyAreGone() {
        Network n = network();
        HostNetwork a = root(n);
        a.ensure(n);
        String port = n.bridge().substring(0, Math.min(12, n.bridge().length())) + "p";
        plug(port, n.bridge());
        try {
            assertEquals(new HostNetwork.Removal(HostNetwork.Removal.Outcome.KEPT, "1 link is still plugged into it"),
                    a.remove(n));
            assertTrue(linkExists(n.bridge()));
        } finally {
            unplugForeign(port);
        }
        assertEquals(HostNetwork.Removal.Outcome.REMOVED, a.remove(n).outcome());
        assertFalse(linkExists(n.bridge()));
    }
}
