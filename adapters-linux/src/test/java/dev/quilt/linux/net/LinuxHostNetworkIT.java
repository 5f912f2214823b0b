package dev.quilt.linux.net;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Endpoint;
import dev.quilt.domain.Network;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Subnet;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.jni.Netlink;
import dev.quilt.ports.HostNetwork;
import dev.quilt.ports.HostNetworkContract;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host network contract on the real kernel, as root: bridges, tables and
 * links named by the test (qth + 6 hex digits), roots and the bridge registry
 * in temp dirs, all removed after each test, passed or failed. Whatever
 * {@code net.ipv4.ip_forward} is, the answers are the same (./test runs this
 * under both values).
 */
class LinuxHostNetworkIT extends HostNetworkContract {
    private final String tag = String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    private final String bridge = "qth" + tag;
    private final List<String> links = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();
    private Path registry;

    @BeforeEach
    void load() throws IOException {
        Path cache = Files.createTempDirectory("quilt-hostnet-it-");
        dirs.add(cache);
        registry = Files.createTempDirectory("quilt-bridges-");
        dirs.add(registry);
        NativeLibrary.load(cache);
    }

    @AfterEach
    void cleanUp() throws Exception {
        List<String> left = new ArrayList<>();
        for (String l : links) sh("ip link del " + l);
        if (sh("ip link show dev " + bridge) == 0) {
            left.add("bridge " + bridge);
            sh("ip link del " + bridge);
        }
        if (sh("nft list table ip quilt_" + bridge) == 0) {
            left.add("table quilt_" + bridge);
            sh("nft delete table ip quilt_" + bridge);
        }
        for (Path d : dirs) AtomicFiles.deleteTree(d);
        assertEquals(List.of(), left, "left on the host");
    }

    private static int sh(String command) throws IOException, InterruptedException {
        return new ProcessBuilder("sh", "-c", command + " >/dev/null 2>&1").start().waitFor();
    }

    private static String out(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return s;
    }

    private static void must(String command) {
        try {
            assertEquals(0, sh(command), command);
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(command, e);
        }
    }

    @Override
    protected Network network() {
        var r = ThreadLocalRandom.current();
        return new Network(bridge, Subnet.parse("10." + (224 + r.nextInt(8)) + "." + r.nextInt(255) + ".0/24"));
    }

    @Override
    protected HostNetwork root(Network n) {
        try {
            Path root = Files.createTempDirectory("quilt-hostnet-root-");
            dirs.add(root);
            LinuxPaths paths = LinuxPaths.under(root);
            new FsNetworkStore(paths).define(n);
            return new LinuxHostNetwork(paths, registry);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    protected void foreignLink(String name, String kind) {
        links.add(name);
        must("ip link add " + name + " type " + kind + (kind.equals("veth") ? " peer name " + name + "x" : ""));
    }

    @Override
    protected void plug(String link, String bridge) {
        links.add(link);
        // no dummy module on every host: one end of a veth pair
        must("ip link add " + link + " type veth peer name " + link + "x && ip link set " + link + " master " + bridge);
    }

    @Override
    protected void unplugForeign(String link) {
        must("ip link del " + link);
    }

    @Override
    protected boolean linkExists(String name) {
        return Netlink.index(name) >= 0;
    }

    @Test
    void theBridgeCarriesQuiltsMarksAndTheTableItsComment() throws Exception {
        Network n = network();
        HostNetwork a = root(n);
        a.ensure(n);
        String link = out("ip", "-d", "-o", "link", "show", "dev", bridge);
        assertTrue(link.contains("alias quilt") && link.contains(",UP") && link.contains(" bridge ")
                && link.contains("link/ether " + Endpoint.macOf(n.subnet().gateway())), link);
        String addr = out("ip", "-o", "-4", "addr", "show", "dev", bridge);
        assertTrue(addr.contains("inet " + n.subnet().gateway() + "/24"), addr);
        String table = out("nft", "list", "table", "ip", "quilt_" + bridge);
        assertTrue(table.contains("comment \"quilt\"") && table.contains("ip saddr " + n.subnet() + " ip daddr != "
                + n.subnet() + " masquerade"), table);
        assertEquals("1", Files.readString(Path.of("/proc/sys/net/ipv4/conf", bridge, "forwarding")).strip());
        assertEquals(HostNetwork.Removal.Outcome.REMOVED, a.remove(n).outcome());
        assertFalse(linkExists(bridge));
        assertFalse(sh("nft list table ip quilt_" + bridge) == 0, "the table went with it");
    }

    @Test
    void aHostsOwnLinkIsNeverTakenOrRemoved() throws Exception {
        // as 'network create --bridge eth0' would be; lo, because the kernel would not let even a bug delete it
        Network n = new Network("lo", network().subnet());
        HostNetwork a = root(n);
        QuiltException e = assertThrows(QuiltException.class, () -> a.ensure(n));
        assertEquals("cannot set up network 'lo': link 'lo' exists and is not a bridge; choose another name with"
                + " 'quilt network create --bridge'", e.getMessage());
        assertEquals(HostNetwork.BridgeState.NOT_A_BRIDGE, a.state(n));
        assertEquals(HostNetwork.Removal.kept("it is not a bridge"), a.remove(n));
        Netlink.LinkFacts lo = Netlink.link("lo").orElseThrow();
        assertTrue(lo.up() && lo.ipv4().contains("127.0.0.1/8") && lo.alias().isEmpty(), lo.toString());
        assertFalse(sh("nft list table ip quilt_lo") == 0, "no table made for it");
    }

    @Test
    void aTableOfThatNameThatIsNotQuiltsIsRefusedAndNeverTouched() throws Exception {
        Network n = network();
        must("nft add table ip quilt_" + bridge + " && nft add chain ip quilt_" + bridge + " mine");
        try {
            HostNetwork a = root(n);
            QuiltException e = assertThrows(QuiltException.class, () -> a.ensure(n));
            assertEquals("cannot set up network '" + bridge + "': nftables table 'ip quilt_" + bridge + "' exists and"
                    + " was not made by quilt; choose another name with 'quilt network create --bridge'", e.getMessage());
            assertFalse(linkExists(bridge), "no bridge made");
            assertEquals(HostNetwork.Removal.Outcome.ABSENT, a.remove(n).outcome());
            assertTrue(out("nft", "list", "table", "ip", "quilt_" + bridge).contains("chain mine"), "the table is intact");
        } finally {
            sh("nft delete table ip quilt_" + bridge);
        }
    }

    @Test
    void aBridgeWhoseSetUpWasCutShortIsFinished() throws Exception {
        // created with Quilt's MAC, killed before the batch that marks it: no alias, no address, down
        Network n = network();
        must("ip link add " + bridge + " address " + Endpoint.macOf(n.subnet().gateway()) + " type bridge");
        HostNetwork a = root(n);
        assertEquals(HostNetwork.BridgeState.INCOMPLETE, a.state(n));
        a.ensure(n);
        assertEquals(HostNetwork.BridgeState.READY, a.state(n));
        assertTrue(out("ip", "-o", "link", "show", "dev", bridge).contains("alias quilt")
                || out("ip", "link", "show", "dev", bridge).contains("alias quilt"));
        assertEquals(HostNetwork.Removal.Outcome.REMOVED, a.remove(n).outcome());
    }

    @Test
    void theNetworkOfAnOlderQuiltIsTakenOverAndRemoved() throws Exception {
        // as a Quilt from before the marks left it: bridge with Quilt's MAC, gateway, up; table without comment
        Network n = network();
        must("ip link add " + bridge + " address " + Endpoint.macOf(n.subnet().gateway()) + " type bridge"
                + " && ip addr add " + n.subnet().gateway() + "/24 dev " + bridge + " && ip link set " + bridge + " up"
                + " && nft add table ip quilt_" + bridge + " && nft add chain ip quilt_" + bridge
                + " postrouting '{ type nat hook postrouting priority srcnat; }'");
        HostNetwork a = root(n);
        assertEquals(HostNetwork.BridgeState.INCOMPLETE, a.state(n));
        a.ensure(n);
        assertEquals(HostNetwork.BridgeState.READY, a.state(n));
        assertTrue(out("nft", "list", "table", "ip", "quilt_" + bridge).contains("comment \"quilt\""), "written anew");
        assertEquals(HostNetwork.Removal.Outcome.REMOVED, a.remove(n).outcome());
        assertFalse(linkExists(bridge));
        assertFalse(sh("nft list table ip quilt_" + bridge) == 0);
    }

    @Test
    void anUncommentedTableWithoutAQuiltBridgeIsNotQuilts() throws Exception {
        Network n = network();
        must("nft add table ip quilt_" + bridge);
        try {
            HostNetwork a = root(n);
            assertThrows(QuiltException.class, () -> a.ensure(n));
            assertFalse(linkExists(bridge));
            assertEquals(HostNetwork.Removal.Outcome.ABSENT, a.remove(n).outcome());
            assertEquals(0, sh("nft list table ip quilt_" + bridge), "left as it was");
        } finally {
            sh("nft delete table ip quilt_" + bridge);
        }
    }

    @Test
    void aQuiltBridgeThatLostItsAddressOrWentDownIsFinished() throws Exception {
        Network n = network();
        HostNetwork a = root(n);
        a.ensure(n);
        must("ip addr flush dev " + bridge + " && ip link set " + bridge + " down");
        assertEquals(HostNetwork.BridgeState.INCOMPLETE, a.state(n));
        a.ensure(n);
        assertEquals(HostNetwork.BridgeState.READY, a.state(n));
        assertEquals(HostNetwork.Removal.Outcome.REMOVED, a.remove(n).outcome());
    }

    @Test
    void unplugDeletesOnlyAVeth() throws Exception {
        ContainerId id = ContainerId.of("qth-unplug-" + tag);
        String name = Endpoint.hostLinkOf(id);
        links.add(name);
        must("ip link add " + name + " type bridge");
        HostNetwork a = root(network());
        a.unplug(id);
        assertTrue(linkExists(name), "a bridge of that name is not a container's veth");
        must("ip link del " + name + " && ip link add " + name + " type veth peer name " + name + "x");
        a.unplug(id);
        assertFalse(linkExists(name), "the veth went");
        assertFalse(linkExists(name + "x"), "its peer with it");
        a.unplug(id); // nothing left: fine
    }

    @Test
    void theRegistryForgetsRootsThatAreGone() throws Exception {
        Network n = network();
        HostNetwork a = root(n);
        a.ensure(n);
        Path gone = dirs.get(dirs.size() - 1);
        HostNetwork b = root(n);
        b.ensure(n);
        AtomicFiles.deleteTree(gone); // a's root deleted without 'network rm'
        assertEquals(HostNetwork.Removal.Outcome.REMOVED, b.remove(n).outcome(), "a is no user any more");
        try (var entries = Files.list(registry)) {
            assertEquals(List.of(registry.resolve("lock")), entries.toList(), "no entry left");
        }
    }
}
