package dev.quilt.linux.net;

import dev.quilt.domain.QuiltException;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.jni.NativeException;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.jni.Netlink;
import dev.quilt.linux.jni.Processes;
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
 * Each netlink request of the JNI core on its own, as root, checked with
 * iproute2 and nft. Namespaces are held by {@code unshare --net} children
 * that end when their stdin closes. Every link, table and namespace is the
 * test's own and is removed after each test, passed or failed.
 */
class NetlinkIT {
    private final String tag = String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    private final String bridge = "qtn" + tag;
    private final String subnet = "10." + (216 + ThreadLocalRandom.current().nextInt(8)) + "."
            + ThreadLocalRandom.current().nextInt(256) + ".0/24";
    private final String base = subnet.substring(0, subnet.lastIndexOf('.'));
    private final List<Process> holders = new ArrayList<>();
    private final List<Integer> fds = new ArrayList<>();
    private Path cache;

    @BeforeEach
    void load() throws IOException {
        cache = Files.createTempDirectory("quilt-netlink-it-");
        NativeLibrary.load(cache);
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int fd : fds) Processes.closeFd(fd);
        for (Process p : holders) {
            p.getOutputStream().close();
            p.waitFor();
        }
        sh("ip link del " + bridge);
        sh("ip link del qv" + tag);
        sh("nft delete table ip quilt_" + bridge);
        AtomicFiles.deleteTree(cache);
        assertFalse(sh("ip link show dev " + bridge) == 0, "bridge left");
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

    /**
     * A fresh network namespace, held by a child; returns the child's pid once
     * it is in the namespace (its first line says so: unshare runs before sh).
     */
    private long namespace() throws IOException {
        Process p = new ProcessBuilder("unshare", "--net", "sh", "-c", "echo in; exec cat").start();
        holders.add(p);
        String first = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8)).readLine();
        assertEquals("in", first, "the namespace holder started");
        return p.pid();
    }

    private int nsFd(long pid) {
        int fd = Netlink.namespaceOf((int) pid);
        fds.add(fd);
        return fd;
    }

    /** The bridge as LinuxHostNetwork makes it: created, then marked, up, with its gateway. */
    private int makeBridge() {
        int index = Netlink.createBridge(bridge, base + ".1/24");
        Netlink.finishBridge(index, bridge, base + ".1/24");
        return index;
    }

    @Test
    void bridgeIsCreatedMarkedAndGivenItsGateway() throws Exception {
        int index = Netlink.createBridge(bridge, base + ".1/24");
        assertEquals(index, Netlink.index(bridge));
        Netlink.LinkFacts fresh = Netlink.link(bridge).orElseThrow();
        assertEquals("bridge", fresh.kind());
        assertEquals("", fresh.alias(), "the kernel ignores an alias in the creating request; the mark comes next");
        assertEquals("02:51:" + String.join(":", java.util.Arrays.stream(base.split("\\.")).map(o ->
                String.format("%02x", Integer.parseInt(o))).toList()) + ":01", fresh.mac(), "Quilt's MAC for the gateway");
        assertFalse(fresh.up());
        Netlink.finishBridge(index, bridge, base + ".1/24");
        Netlink.finishBridge(index, bridge, base + ".1/24"); // again: nothing changes
        Netlink.LinkFacts done = Netlink.link(bridge).orElseThrow();
        assertTrue(done.isQuiltBridge() && done.up(), done.toString());
        assertEquals(List.of(base + ".1/24"), done.ipv4(), "one gateway address");
        assertEquals(0, Netlink.ports(index));
        String link = out("ip", "-d", "-o", "link", "show", "dev", bridge);
        assertTrue(link.contains("bridge") && link.contains(",UP") && link.contains("alias quilt"), link);

        NativeException twice = assertThrows(NativeException.class, () -> Netlink.createBridge(bridge, base + ".1/24"));
        assertEquals("EEXIST", twice.errnoName(), "an existing link is never taken over");
    }

    @Test
    void aLinkOfAnotherKindIsNeverTakenForABridge() throws Exception {
        assertEquals(0, sh("ip link add " + bridge + " type veth peer name " + bridge + "p"));
        NativeException e = assertThrows(NativeException.class, () -> Netlink.createBridge(bridge, base + ".1/24"));
        assertEquals("EEXIST", e.errnoName());
        Netlink.LinkFacts veth = Netlink.link(bridge).orElseThrow();
        assertEquals("veth", veth.kind());
        assertFalse(veth.isQuiltBridge());
        assertEquals("", veth.alias(), "untouched");
        assertEquals(List.of(), veth.ipv4(), "untouched");
        assertTrue(Netlink.link("qtnosuch" + tag).isEmpty());
    }

    @Test
    void vethIsBornInTheNamespaceOnTheBridge() throws Exception {
        int bridgeIndex = makeBridge();
        long holder = namespace();
        byte[] mac = {0x02, 0x51, 10, 1, 2, 3};
        int peer = Netlink.addVeth("qv" + tag, "eth0", bridge, nsFd(holder), mac);
        String host = out("ip", "-o", "link", "show", "dev", "qv" + tag);
        assertTrue(host.contains("master " + bridge) && host.contains(",UP"), host);
        String inside = out("nsenter", "-t", Long.toString(holder), "-n", "ip", "-o", "link", "show", "dev", "eth0");
        assertTrue(inside.startsWith(peer + ": eth0@"), "the echo gave eth0's index: " + peer + " vs " + inside);
        assertTrue(inside.contains("link/ether 02:51:0a:01:02:03"), inside);
        Netlink.LinkFacts hostEnd = Netlink.link("qv" + tag).orElseThrow();
        assertEquals("veth", hostEnd.kind());
        assertEquals(bridgeIndex, hostEnd.master());
        assertEquals(1, Netlink.ports(bridgeIndex), "the bridge's one port");
        assertTrue(Netlink.delete(hostEnd), "deleting the host end");
        assertFalse(Netlink.delete(hostEnd), "a second delete finds nothing");
        assertEquals(0, Netlink.ports(bridgeIndex));
        String after = out("nsenter", "-t", Long.toString(holder), "-n", "ip", "-o", "link");
        assertFalse(after.contains("eth0"), "the peer went with it: " + after);
    }

    @Test
    void insideBatchSetsLoopbackAddressAndRoute() throws Exception {
        makeBridge();
        long holder = namespace();
        int ns = nsFd(holder);
        int peer = Netlink.addVeth("qv" + tag, "eth0", bridge, ns, new byte[] {0x02, 0x51, 10, 1, 2, 4});
        Netlink.configureInside(ns, peer, "eth0", base + ".7/24", base + ".1");
        String pid = Long.toString(holder);
        String links = out("nsenter", "-t", pid, "-n", "ip", "-o", "link");
        assertTrue(links.contains("lo: <LOOPBACK,UP"), links);
        assertTrue(links.matches("(?s).*eth0@\\S+ <[A-Z,_]*,UP[,>].*"), links);
        String addr = out("nsenter", "-t", pid, "-n", "ip", "-o", "-4", "addr", "show", "dev", "eth0");
        assertTrue(addr.contains("inet " + base + ".7/24 brd " + base + ".255"), addr);
        String route = out("nsenter", "-t", pid, "-n", "ip", "route", "show", "default");
        assertEquals("default via " + base + ".1 dev eth0", route.strip());
    }

    @Test
    void aFailedRequestNamesWhatItWasDoing() throws Exception {
        long holder = namespace();
        QuiltException noBridge = assertThrows(NativeException.class,
                () -> Netlink.addVeth("qv" + tag, "eth0", bridge, nsFd(holder), new byte[] {2, 0x51, 1, 1, 1, 1}));
        assertEquals("netlink(find bridge '" + bridge + "') failed: ENODEV (no such device)", noBridge.getMessage());

        makeBridge();
        int ns = nsFd(holder);
        NativeException noLink = assertThrows(NativeException.class,
                () -> Netlink.configureInside(ns, 4242, "eth9", base + ".7/24", base + ".1"));
        assertTrue(noLink.getMessage().startsWith("netlink(set 'eth9' up"), noLink.getMessage());
        assertEquals("ENODEV", noLink.errnoName());

        assertTrue(Netlink.index("qtnosuch" + tag) < 0);
    }

    @Test
    void natIsOneCommentedTableThatIsReplacedOnlyByItsHandle() throws Exception {
        String table = "quilt_" + bridge;
        assertTrue(Netlink.table(table).isEmpty());
        Netlink.addNat(table, subnet, 0);
        Netlink.TableFacts first = Netlink.table(table).orElseThrow();
        assertTrue(first.ours(), "carries quilt's comment");
        NativeException exists = assertThrows(NativeException.class, () -> Netlink.addNat(table, subnet, 0));
        assertEquals("EEXIST", exists.errnoName(), "without the handle an existing table is never replaced");
        Netlink.addNat(table, subnet, first.handle()); // replaced, not doubled
        String rules = out("nft", "list", "table", "ip", table);
        assertTrue(rules.contains("comment \"quilt\""), rules);
        assertTrue(rules.contains("type nat hook postrouting priority srcnat"), rules);
        assertEquals(1, rules.lines().filter(l -> l.contains("masquerade")).count(), rules);
        assertTrue(rules.contains("ip saddr " + subnet + " ip daddr != " + subnet + " masquerade"), rules);
        NativeException stale = assertThrows(NativeException.class, () -> Netlink.addNat(table, subnet, first.handle()));
        assertEquals("ENOENT", stale.errnoName(), "a handle that is gone fails the whole transaction");
        Netlink.TableFacts second = Netlink.table(table).orElseThrow();
        assertTrue(Netlink.deleteNat(second, table));
        assertFalse(Netlink.deleteNat(second, table));
        assertFalse(sh("nft list table ip " + table) == 0);
    }

    @Test
    void aTableWithoutQuiltsCommentIsNotOurs() throws Exception {
        String table = "quilt_" + bridge;
        assertEquals(0, sh("nft add table ip " + table));
        assertFalse(Netlink.table(table).orElseThrow().ours());
        assertEquals(0, sh("nft delete table ip " + table + " && nft add table ip " + table + " '{ comment \"other\"; }'"));
        assertFalse(Netlink.table(table).orElseThrow().ours());
    }
}
