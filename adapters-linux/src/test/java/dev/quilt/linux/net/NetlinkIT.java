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

    @Test
    void bridgeIsCreatedOnceWithItsGateway() throws Exception {
        int index = Netlink.ensureBridge(bridge, base + ".1/24");
        assertEquals(index, Netlink.ensureBridge(bridge, base + ".1/24"), "a second ensure changes nothing");
        assertEquals(index, Netlink.index(bridge));
        String link = out("ip", "-d", "-o", "link", "show", "dev", bridge);
        assertTrue(link.contains("bridge") && link.contains(",UP"), link);
        String addr = out("ip", "-o", "-4", "addr", "show", "dev", bridge);
        assertTrue(addr.contains("inet " + base + ".1/24"), addr);
        assertEquals(1, addr.lines().count(), "one gateway address: " + addr);
    }

    @Test
    void vethIsBornInTheNamespaceOnTheBridge() throws Exception {
        Netlink.ensureBridge(bridge, base + ".1/24");
        long holder = namespace();
        byte[] mac = {0x02, 0x51, 10, 1, 2, 3};
        int peer = Netlink.addVeth("qv" + tag, "eth0", bridge, nsFd(holder), mac);
        String host = out("ip", "-o", "link", "show", "dev", "qv" + tag);
        assertTrue(host.contains("master " + bridge) && host.contains(",UP"), host);
        String inside = out("nsenter", "-t", Long.toString(holder), "-n", "ip", "-o", "link", "show", "dev", "eth0");
        assertTrue(inside.startsWith(peer + ": eth0@"), "the echo gave eth0's index: " + peer + " vs " + inside);
        assertTrue(inside.contains("link/ether 02:51:0a:01:02:03"), inside);
        assertTrue(Netlink.delete("qv" + tag), "deleting the host end");
        assertFalse(Netlink.delete("qv" + tag), "a second delete finds nothing");
        String after = out("nsenter", "-t", Long.toString(holder), "-n", "ip", "-o", "link");
        assertFalse(after.contains("eth0"), "the peer went with it: " + after);
    }

    @Test
    void insideBatchSetsLoopbackAddressAndRoute() throws Exception {
        Netlink.ensureBridge(bridge, base + ".1/24");
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

        Netlink.ensureBridge(bridge, base + ".1/24");
        int ns = nsFd(holder);
        NativeException noLink = assertThrows(NativeException.class,
                () -> Netlink.configureInside(ns, 4242, "eth9", base + ".7/24", base + ".1"));
        assertTrue(noLink.getMessage().startsWith("netlink(set 'eth9' up"), noLink.getMessage());
        assertEquals("ENODEV", noLink.errnoName());

        assertTrue(Netlink.index("qtnosuch" + tag) < 0);
        assertFalse(Netlink.delete("qtnosuch" + tag));
    }

    @Test
    void natIsOneTableThatCanBeWrittenAgainAndRemoved() throws Exception {
        String table = "quilt_" + bridge;
        Netlink.addNat(table, subnet);
        Netlink.addNat(table, subnet); // replaced, not doubled
        String rules = out("nft", "list", "table", "ip", table);
        assertTrue(rules.contains("type nat hook postrouting priority srcnat"), rules);
        assertEquals(1, rules.lines().filter(l -> l.contains("masquerade")).count(), rules);
        assertTrue(rules.contains("ip saddr " + subnet + " ip daddr != " + subnet + " masquerade"), rules);
        assertTrue(Netlink.deleteNat(table));
        assertFalse(Netlink.deleteNat(table));
        assertFalse(sh("nft list table ip " + table) == 0);
    }
}
