package dev.quilt.cli;

import dev.quilt.linux.AtomicFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bridge networking end to end, on the test's own bridge and subnet. The only
 * traffic is between containers on that bridge and its gateway (the host's
 * side of it); nothing else is ever addressed.
 */
class NetworkIT {
    private Path root;
    private Quilt quilt;
    private final String marker = "QUILT_IT=" + UUID.randomUUID();

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-net-it-");
        quilt = new Quilt(root);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            for (String id : quilt.run("ps", "-a", "-q").lines()) quilt.run("rm", "-f", id);
            assertEquals(List.of(), Leaks.processes(root, marker), "processes left");
            assertEquals(List.of(), Leaks.leases(root), "addresses left");
            assertEquals(List.of(), Leaks.links(quilt.bridge), "veths left");
        } finally {
            Leaks.killAll(root, marker);
            List<String> network = quilt.teardown();
            AtomicFiles.deleteTree(root);
            assertEquals(List.of(), network, "network left behind");
        }
    }

    private String ok(Quilt.Result r) {
        assertEquals(0, r.exit(), r.err());
        return r.out().strip();
    }

    private String gateway() {
        String base = quilt.subnet.substring(0, quilt.subnet.lastIndexOf('.'));
        return base + ".1";
    }

    /** A value of inspect's "network" object. */
    private String net(String id, String field) throws Exception {
        return Quilt.field(ok(quilt.run("inspect", id)), field);
    }

    @Test
    void twoContainersTalkToEachOtherAndTheGateway() throws Exception {
        // httpd binds its port before it daemonizes, so "ready" means listening
        Process server = quilt.start("run", "--name", "srv", "-e", marker, "--", "sh", "-c",
                "mkdir /www && echo pong > /www/index.html && httpd -p 7000 -h /www && echo ready && exec sleep 1000");
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", out.readLine(), "the server container's first line");
            String ip = net("srv", "ipAddress");
            assertTrue(ip.startsWith(gateway().substring(0, gateway().length() - 1)), ip + " in " + quilt.subnet);

            // busybox's ping needs a raw socket: NET_RAW is not in the default set (podman's)
            Quilt.Result client = quilt.run("run", "--rm", "-e", marker, "--cap-add", "NET_RAW", "--", "sh", "-c",
                    "wget -qO- http://" + ip + ":7000/index.html && ping -c 1 -W 5 " + gateway() + " >/dev/null"
                            + " && echo ping-ok && cat /etc/hosts /etc/hostname");
            assertEquals(0, client.exit(), client.err());
            List<String> lines = client.lines();
            assertEquals("pong", lines.get(0));
            assertEquals("ping-ok", lines.get(1));
            String hostname = lines.get(lines.size() - 1);
            assertTrue(lines.stream().anyMatch(l -> l.matches("10\\.\\d+\\.\\d+\\.\\d+\\t" + hostname)),
                    "/etc/hosts names the container's own address: " + lines);

            // inspect: address, MAC from the address, gateway, the host end on our bridge
            assertEquals(gateway(), net("srv", "gateway"));
            String[] octets = ip.split("\\.");
            assertEquals(String.format("02:51:%02x:%02x:%02x:%02x", Integer.parseInt(octets[0]),
                    Integer.parseInt(octets[1]), Integer.parseInt(octets[2]), Integer.parseInt(octets[3])),
                    net("srv", "macAddress"));
            String hostLink = net("srv", "hostLink");
            assertEquals(1, Leaks.links(quilt.bridge).stream().filter(l -> l.contains(hostLink + "@")).count(),
                    "host end on the bridge: " + Leaks.links(quilt.bridge));

            // outbound NAT exists for the subnet (no traffic is sent anywhere to test it)
            Process nft = new ProcessBuilder("nft", "list", "table", "ip", "quilt_" + quilt.bridge).start();
            String rules = new String(nft.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, nft.waitFor());
            assertTrue(rules.contains("ip saddr " + quilt.subnet + " ip daddr != " + quilt.subnet + " masquerade"), rules);

            ok(quilt.run("rm", "-f", "srv"));
            assertEquals(List.of(), Leaks.links(quilt.bridge), "rm took the veth");
            assertEquals(List.of(), Leaks.leases(root), "rm gave the address back");
        } finally {
            server.destroyForcibly().waitFor();
        }
    }

    @Test
    void twentyConcurrentRunsGetTwentyAddresses() throws Exception {
        List<Process> clis = new ArrayList<>();
        // twenty JVMs at once on two cores: what is tested is the addresses, not the speed, so the readiness
        // deadline is a generous one (10 s was missed once with the machine busy with builds beside the test)
        for (int i = 0; i < 20; i++) clis.add(quilt.start("run", "-d", "--init", "--ready-timeout", "90s", "-e", marker));
        List<String> ids = new ArrayList<>();
        for (Process p : clis) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "run -d finished");
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), err);
            ids.add(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
        }
        Set<String> addresses = new HashSet<>();
        for (String id : ids) addresses.add(net(id, "ipAddress"));
        assertEquals(20, addresses.size(), "distinct addresses: " + addresses);
        assertEquals(20, Leaks.leases(root).size());
        assertEquals(20, Leaks.links(quilt.bridge).size());

        List<String> rm = new ArrayList<>(List.of("rm", "-f"));
        rm.addAll(ids);
        ok(quilt.run(rm.toArray(String[]::new)));
        assertEquals(List.of(), Leaks.links(quilt.bridge), "no veth after rm");
        assertEquals(List.of(), Leaks.leases(root), "no lease after rm");
        String network = ok(quilt.run("network", "inspect"));
        assertTrue(network.contains("\"leases\" : { }"), network);
    }

    @Test
    void aSmallSubnetRunsOutWithOneClearLine() throws Exception {
        String small = quilt.subnet.replace("/24", "/29"); // 8 addresses: network, gateway, broadcast and 5 more
        quilt.defineNetwork(small);
        for (int i = 0; i < 5; i++) ok(quilt.run("run", "-d", "--init", "-e", marker));
        Quilt.Result full = quilt.run("run", "-d", "--init", "-e", marker);
        assertEquals(125, full.exit());
        assertEquals("quilt: network '" + quilt.bridge + "' has no free address (" + small + "); remove containers"
                + " you no longer need (quilt rm), or use a larger --subnet\n", full.err());
        assertEquals(5, quilt.run("ps", "-a", "-q").lines().size(), "the failed run left no record");
        assertEquals(5, Leaks.leases(root).size());
        assertEquals(5, Leaks.links(quilt.bridge).size());
        assertEquals(5, Leaks.containers(root).size() / 2, "state and layer of five, nothing more");
    }

    /** Whether a link of that name exists on the host. */
    private static boolean link(String name) throws Exception {
        return Quilt.sh("ip -o link show dev " + name) == 0;
    }

    private static boolean natTable(String bridge) throws Exception {
        return Quilt.sh("nft list table ip quilt_" + bridge) == 0;
    }

    @Test
    void noneNeedsNoBridgeAndBridgeFailsNamingIt() throws Exception {
        // a link that is not a bridge (one end of a veth pair) sits where the bridge should be; on a forwarding
        // host (./test runs this with net.ipv4.ip_forward 0 and 1) it has forwarding=1 like every link
        assertEquals(0, Quilt.sh("ip link add " + quilt.bridge + " type veth peer name " + quilt.bridge + "p"));
        try {
            String refusal = "quilt: cannot set up network '" + quilt.bridge + "': link '" + quilt.bridge + "' exists"
                    + " and is not a bridge; choose another name with 'quilt network create --bridge'\n";
            Quilt.Result bridged = quilt.run("run", "--rm", "-e", marker, "--", "true");
            assertEquals(125, bridged.exit());
            assertEquals(refusal, bridged.err());
            assertEquals(List.of(), quilt.run("ps", "-a", "-q").lines(), "nothing half-made");
            assertEquals(List.of(), Leaks.leases(root));

            Quilt.Result create = quilt.run("network", "create", "--bridge", quilt.bridge, "--subnet", quilt.subnet);
            assertEquals(1, create.exit());
            assertEquals(refusal, create.err());

            String inspect = ok(quilt.run("network", "inspect"));
            assertTrue(inspect.contains("\"bridgeExists\" : false") && inspect.contains("\"bridgeState\" : \"not a bridge\""),
                    inspect);

            Quilt.Result none = quilt.run("run", "--rm", "--network", "none", "-e", marker, "--", "ip", "-o", "link");
            assertEquals(0, none.exit(), none.err());
            assertEquals(1, none.lines().size(), "only lo: " + none.out());
            assertTrue(none.out().startsWith("1: lo: <LOOPBACK,UP,LOWER_UP>"), none.out());
            Quilt.Result alias = quilt.run("run", "--rm", "--no-network", "-e", marker, "--", "true");
            assertEquals(0, alias.exit(), alias.err());

            // the root's record goes; the link is not quilt's to delete
            Quilt.Result rm = quilt.run("network", "rm");
            assertEquals(0, rm.exit(), rm.err());
            assertEquals("quilt: left bridge '" + quilt.bridge + "' in place: it is not a bridge\n", rm.err());
            assertTrue(link(quilt.bridge) && link(quilt.bridge + "p"), "the veth pair is untouched");
            String veth = new String(new ProcessBuilder("ip", "-d", "-o", "link", "show", "dev", quilt.bridge).start()
                    .getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(veth.contains(" veth ") && !veth.contains("alias"), veth);
        } finally {
            Quilt.sh("ip link del " + quilt.bridge); // takes its peer along
        }
        assertFalse(natTable(quilt.bridge), "no NAT table was made for it");
    }

    @Test
    void aBridgeQuiltDidNotMakeIsNeverUsedOrRemoved() throws Exception {
        assertEquals(0, Quilt.sh("ip link add " + quilt.bridge + " type bridge"));
        try {
            Quilt.Result run = quilt.run("run", "--rm", "-e", marker, "--", "true");
            assertEquals(125, run.exit());
            assertEquals("quilt: cannot set up network '" + quilt.bridge + "': bridge '" + quilt.bridge + "' exists and"
                    + " was not made by quilt; choose another name with 'quilt network create --bridge'\n", run.err());
            Quilt.Result rm = quilt.run("network", "rm");
            assertEquals(0, rm.exit(), rm.err());
            assertEquals("quilt: left bridge '" + quilt.bridge + "' in place: quilt did not make it\n", rm.err());
            assertTrue(link(quilt.bridge), "the user's bridge is still there");
            String addr = new String(new ProcessBuilder("ip", "-o", "addr", "show", "dev", quilt.bridge).start()
                    .getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertFalse(addr.contains("inet "), "no address was given to it: " + addr);
        } finally {
            Quilt.sh("ip link del " + quilt.bridge);
        }
        assertFalse(natTable(quilt.bridge));
    }

    @Test
    void aRootThatNeverHadANetworkRemovesNothing() throws Exception {
        Files.delete(root.resolve("data/network.json")); // this root never defined one, nor ran a container
        boolean quilt0 = link("quilt0");
        boolean quilt0Nat = natTable("quilt0");
        Quilt.Result rm = quilt.run("network", "rm");
        assertEquals(1, rm.exit());
        assertEquals("quilt: no network to remove: this root never created one ('quilt network create') nor ran a"
                + " container on the default one; nothing changed\n", rm.err());
        assertEquals(quilt0, link("quilt0"), "the default bridge is as it was");
        assertEquals(quilt0Nat, natTable("quilt0"), "and its NAT table");
        quilt.defineNetwork(quilt.subnet); // for the teardown's own network rm
    }

    @Test
    void twoRootsShareABridgeAndOnlyTheLastTakesItAway() throws Exception {
        Path otherRoot = Files.createTempDirectory("quilt-net-it-other-");
        Quilt other = new Quilt(otherRoot, quilt.bridge, quilt.subnet);
        String id = null;
        try {
            ok(quilt.run("run", "--rm", "-e", marker, "--", "true")); // this root makes the bridge, no container left
            id = ok(other.run("run", "-d", "--init", "-e", marker));
            assertEquals(1, Leaks.links(quilt.bridge).size(), "the other root's container is on the bridge");

            Quilt.Result rm = quilt.run("network", "rm");
            assertEquals(0, rm.exit(), rm.err());
            assertEquals("quilt: left bridge '" + quilt.bridge + "' in place: another quilt root uses it ("
                    + otherRoot.resolve("data") + ")\n", rm.err());
            assertTrue(link(quilt.bridge) && natTable(quilt.bridge), "bridge and NAT stay for the other root");
            assertEquals(1, Leaks.links(quilt.bridge).size(), "its container is still plugged in");
            Quilt.Result ping = other.run("exec", "--cap-add", "NET_RAW", id, "ping", "-c", "1", "-W", "5", gateway());
            assertEquals(0, ping.exit(), "the other root's container still reaches its gateway: " + ping.err());

            ok(other.run("rm", "-f", id));
            id = null;
            ok(other.run("network", "rm"));
            assertFalse(link(quilt.bridge), "the last user took the bridge");
            assertFalse(natTable(quilt.bridge), "and its NAT table");
        } finally {
            if (id != null) other.run("rm", "-f", id);
            other.run("network", "rm");
            Leaks.killAll(otherRoot, marker);
            Leaks.cgroups(otherRoot);
            AtomicFiles.deleteTree(otherRoot);
            quilt.defineNetwork(quilt.subnet); // for the teardown's own network rm
        }
    }

    @Test
    void aStoppedContainerGivesItsAddressBackAtOnce() throws Exception {
        String first = ok(quilt.run("run", "-d", "--init", "--name", "first", "-e", marker));
        String ip = net("first", "ipAddress");
        assertEquals(List.of(ip), Leaks.leases(root));
        ok(quilt.run("kill", "first"));
        ok(quilt.run("wait", "first")); // reads the exit; changes nothing
        assertEquals(List.of(), Leaks.leases(root), "the monitor gave the address back when the container ended");
        String inspect = ok(quilt.run("inspect", "first"));
        assertTrue(inspect.contains("\"ipAddress\" : null") && inspect.contains("\"status\" : \"stopped\""), inspect);

        // the address is free for the next container, and rm of the first never takes it from it
        ok(quilt.run("run", "-d", "--init", "--name", "second", "-e", marker));
        assertEquals(ip, net("second", "ipAddress"));
        ok(quilt.run("rm", first));
        assertEquals(List.of(ip), Leaks.leases(root), "still the second's");
        assertEquals(ip, net("second", "ipAddress"));
        ok(quilt.run("rm", "-f", "second"));

        // a foreground run without --rm: free as soon as it returns
        ok(quilt.run("run", "-e", marker, "--", "true"));
        assertEquals(List.of(), Leaks.leases(root));
    }

    /**
     * The host's resolver files, replaced in a private mount namespace only: the host's own
     * /etc/resolv.conf is never changed. {@code upstream} null: no systemd-resolved list.
     */
    private Quilt.Result resolvConfWith(String stub, String upstream) throws Exception {
        Path files = Files.createTempDirectory(root, "resolv-");
        Files.writeString(files.resolve("stub"), stub);
        StringBuilder script = new StringBuilder("set -e; d=/run/systemd; [ -d $d ] || d=/run; mount -n -t tmpfs tmpfs $d;");
        if (upstream != null) {
            Files.writeString(files.resolve("upstream"), upstream);
            script.append(" mkdir -p /run/systemd/resolve; cp ").append(files.resolve("upstream"))
                    .append(" /run/systemd/resolve/resolv.conf;");
        }
        script.append(" t=$(readlink -f /etc/resolv.conf); mkdir -p \"$(dirname \"$t\")\"; [ -e \"$t\" ] || : > \"$t\";")
                .append(" mount -n --bind ").append(files.resolve("stub")).append(" \"$t\"; exec \"$@\"");
        return quilt.runAs(List.of("unshare", "-m", "--propagation", "private", "sh", "-c", script.toString(), "sh"),
                "run", "--rm", "--network", "none", "-e", marker, "--", "cat", "/etc/resolv.conf");
    }

    @Test
    void aSystemdResolvedStubGivesContainersItsUpstreamServersOrTheFallback() throws Exception {
        String stub = "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch quilt.test\n";
        Quilt.Result upstream = resolvConfWith(stub, "nameserver 192.0.2.1\nsearch quilt.test\n");
        assertEquals(0, upstream.exit(), upstream.err());
        assertEquals(List.of("nameserver 192.0.2.1", "search quilt.test"),
                upstream.lines().stream().filter(l -> !l.startsWith("#")).toList(), upstream.out());

        Quilt.Result fallback = resolvConfWith(stub, null);
        assertEquals(0, fallback.exit(), fallback.err());
        assertEquals(List.of("options edns0 trust-ad", "search quilt.test", "nameserver 8.8.8.8", "nameserver 8.8.4.4"),
                fallback.lines().stream().filter(l -> !l.startsWith("#")).toList(), fallback.out());
    }

    @Test
    void hostNetworkSharesTheHostsLinks() throws Exception {
        Quilt.Result host = quilt.run("run", "--rm", "--network", "host", "-e", marker, "--", "cat", "/proc/net/dev");
        assertEquals(0, host.exit(), host.err());
        String ours = Files.readString(Path.of("/proc/net/dev"));
        assertEquals(ours.lines().count(), host.out().lines().count(), "the same links as the host");
        assertEquals(List.of(), Leaks.leases(root), "no address for a host-network container");
    }
}
