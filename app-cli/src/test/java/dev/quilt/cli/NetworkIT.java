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

            Quilt.Result client = quilt.run("run", "--rm", "-e", marker, "--", "sh", "-c",
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
        for (int i = 0; i < 20; i++) clis.add(quilt.start("run", "-d", "--init", "-e", marker));
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

    @Test
    void noneNeedsNoBridgeAndBridgeFailsNamingIt() throws Exception {
        // a link that is not a bridge (one end of a veth pair) sits where the bridge should be
        assertEquals(0, Quilt.sh("ip link add " + quilt.bridge + " type veth peer name " + quilt.bridge + "p"));
        try {
            Quilt.Result bridged = quilt.run("run", "--rm", "-e", marker, "--", "true");
            assertEquals(125, bridged.exit());
            assertEquals(1, bridged.err().lines().count(), bridged.err());
            assertTrue(bridged.err().contains("network '" + quilt.bridge + "'")
                    && bridged.err().contains("create bridge '" + quilt.bridge + "'"), bridged.err());
            assertEquals(List.of(), quilt.run("ps", "-a", "-q").lines(), "nothing half-made");
            assertEquals(List.of(), Leaks.leases(root));

            Quilt.Result none = quilt.run("run", "--rm", "--network", "none", "-e", marker, "--", "ip", "-o", "link");
            assertEquals(0, none.exit(), none.err());
            assertEquals(1, none.lines().size(), "only lo: " + none.out());
            assertTrue(none.out().startsWith("1: lo: <LOOPBACK,UP,LOWER_UP>"), none.out());
            Quilt.Result alias = quilt.run("run", "--rm", "--no-network", "-e", marker, "--", "true");
            assertEquals(0, alias.exit(), alias.err());
        } finally {
            Quilt.sh("ip link del " + quilt.bridge); // takes its peer along
        }
        Process nft = new ProcessBuilder("nft", "list", "table", "ip", "quilt_" + quilt.bridge).start();
        assertFalse(nft.waitFor() == 0, "a failed set-up takes its NAT table back");
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
