package dev.quilt.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code quilt restore --copies N} on the real kernel with the real CRIU ({@code $QUILT_CRIU}, else criu on PATH):
 * issue 16's acceptance item 3. Ten forks of one checkpoint taken with {@code --leave-running}: all ready when the
 * command returns, each with its own pid and network namespaces, hostname, address, MAC, clone counter and layer,
 * different bytes from {@code /dev/urandom}; the original runs on; nothing is left after they are removed.
 */
class ForkIT {
    private static Path root;
    private static Quilt quilt;
    private static final String MARK = UUID.randomUUID().toString();
    /** A shell that keeps a file open and counts; its state is what the forks start from. */
    private static final String LOOP = "i=0; exec 3>/tmp/log; while :; do i=$((i+1)); echo $i >&3; sleep 1; done";

    @BeforeAll
    static void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-fork-it-");
        quilt = new Quilt(root);
    }

    @AfterAll
    static void tearDown() throws Exception {
        quilt.close(MARK);
    }

    private static Quilt.Result ok(String... args) throws Exception {
        Quilt.Result r = quilt.run(args);
        assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
        return r;
    }

    private static Quilt.Result refused(String line, String... args) throws Exception {
        Quilt.Result r = quilt.run(args);
        assertEquals(1, r.exit(), String.join(" ", args) + ": " + r.out());
        assertEquals(line + "\n", r.err());
        return r;
    }

    private static String inspect(String name) throws Exception {
        return ok("inspect", name).out();
    }

    private static String json(String json, String field) {
        var m = java.util.regex.Pattern.compile("\"" + field + "\" : \"?([^\",\\n]*)\"?").matcher(json);
        assertTrue(m.find(), "no " + field + " in " + json);
        return m.group(1);
    }

    private static long nsInode(String pid, String ns) throws Exception {
        return (Long) Files.getAttribute(Path.of("/proc", pid, "ns", ns), "unix:ino");
    }

    @Test
    void tenForksOfOneCheckpointAreReadyAndIndependentAndTheOriginalRunsOn() throws Exception {
        ok("run", "-d", "--name", "orig", "-e", "QUILT_IT=" + MARK, "--", "sh", "-c", LOOP);
        ok("checkpoint", "--leave-running", "--name", "base", "orig");
        String origPid = json(inspect("orig"), "pid");

        Quilt.Result forked = ok("restore", "--copies", "10", "orig/base");
        assertEquals(10, forked.lines().size(), forked.out());
        Set<String> hostnames = new HashSet<>(), addresses = new HashSet<>(), macs = new HashSet<>(),
                counters = new HashSet<>(), randoms = new HashSet<>(), ids = new HashSet<>(forked.lines());
        Set<Long> pidNs = new HashSet<>(), netNs = new HashSet<>();
        pidNs.add(nsInode(origPid, "pid"));
        netNs.add(nsInode(origPid, "net"));
        for (int n = 1; n <= 10; n++) {
            String name = "orig-" + n;
            String view = inspect(name);
            assertEquals("running", json(view, "status"), name + " is ready and running when restore returns");
            assertTrue(ids.contains(json(view, "id")), "restore printed its ID");
            addresses.add(json(view, "ipAddress"));
            macs.add(json(view, "macAddress"));
            String pid = json(view, "pid");
            pidNs.add(nsInode(pid, "pid"));
            netNs.add(nsInode(pid, "net"));
            List<String> out = ok("exec", name, "--", "sh", "-c", "hostname; echo $QUILT_CLONE; cat /run/quilt/clone;"
                    + " head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n'; echo; ip -4 -o addr show eth0").lines();
            assertEquals(5, out.size(), String.join("\n", out));
            hostnames.add(out.get(0));
            assertEquals("orig-" + n, out.get(0), "the checkpoint's hostname with -n");
            assertEquals(String.valueOf(n), out.get(1), "QUILT_CLONE in a new exec");
            assertEquals(String.valueOf(n), out.get(2), "/run/quilt/clone");
            counters.add(out.get(2));
            randoms.add(out.get(3));
            assertTrue(out.get(4).contains(" " + json(view, "ipAddress") + "/"), "eth0 has its address: " + out.get(4));
            assertTrue(ok("exec", name, "--", "cat", "/tmp/log").out().startsWith("1\n"),
                    "it goes on from the checkpoint's counter and file");
        }
        assertEquals(10, hostnames.size(), "hostnames: " + hostnames);
        assertEquals(11, addresses.size() + 1, "addresses: " + addresses);
        assertFalse(addresses.contains(json(inspect("orig"), "ipAddress")), "none has the original's address");
        assertEquals(10, macs.size(), "MACs: " + macs);
        assertEquals(10, counters.size(), "clone counters: " + counters);
        assertEquals(10, randoms.size(), "urandom bytes: " + randoms);
        assertEquals(11, pidNs.size(), "a pid namespace each, and not the original's");
        assertEquals(11, netNs.size(), "a network namespace each, and not the original's");

        // a layer each: what one writes, no other copy and not the original sees
        ok("exec", "orig-1", "--", "sh", "-c", "echo mine > /tmp/only-1");
        assertEquals(1, quilt.run("exec", "orig-2", "--", "test", "-e", "/tmp/only-1").exit());
        assertEquals(1, quilt.run("exec", "orig", "--", "test", "-e", "/tmp/only-1").exit());
        assertEquals(1, quilt.run("exec", "orig", "--", "test", "-e", "/run/quilt/clone").exit(),
                "the counter went into the copies' layers only");

        // the original ran on through the checkpoint and the forks
        String after = inspect("orig");
        assertEquals("running", json(after, "status"));
        assertEquals(origPid, json(after, "pid"));

        // each answers on the test's bridge, from the host
        for (String a : addresses) assertTrue(java.net.InetAddress.getByName(a).isReachable(5000), a + " answers");

        List<String> all = new ArrayList<>(forked.lines());
        all.add("orig");
        for (String id : all) ok("rm", "-f", id);
        ok("checkpoint", "rm", "orig/base");
        assertEquals(List.of(), ok("ps", "-aq").lines(), "nothing left");
    }

    @Test
    void refusalsAreOneLineAndMakeNothing() throws Exception {
        ok("run", "-d", "--network", "none", "--name", "src", "-e", "QUILT_IT=" + MARK, "--", "sh", "-c", LOOP);
        ok("checkpoint", "--leave-running", "--name", "c1", "src");
        ok("run", "-d", "--network", "none", "--name", "taken-2", "-e", "QUILT_IT=" + MARK, "--", "sleep", "600");
        List<String> before = ok("ps", "-aq").lines();

        refused("quilt: --copies 0: give 1 to 100", "restore", "--copies", "0", "src/c1");
        refused("quilt: --copies 101: give 1 to 100", "restore", "--copies", "101", "src/c1");
        refused("quilt: name 'taken-2' is in use; give another --name prefix or remove that container",
                "restore", "--copies", "3", "--name", "taken", "src/c1");
        refused("quilt: --parallel needs --copies N", "restore", "--parallel", "2", "src/c1");
        refused("quilt: no checkpoint 'src/nosuch'; see 'quilt checkpoint ls'", "restore", "--copies", "2",
                "src/nosuch");
        assertEquals(before, ok("ps", "-aq").lines(), "nothing made");

        // a damaged checkpoint is refused before any copy is made
        Path dir;
        try (var s = Files.list(root.resolve("data/checkpoints"))) {
            dir = s.filter(Files::isDirectory).findFirst().orElseThrow().resolve("c1");
        }
        Path layer = dir.resolve("rootfs-diff.tar");
        byte[] b = Files.readAllBytes(layer);
        b[b.length / 2] ^= 1;
        Files.write(layer, b);
        Quilt.Result r = quilt.run("restore", "--copies", "2", "--name", "bad", "src/c1");
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.err().startsWith("quilt: ") && r.err().lines().count() == 1, r.err());
        assertTrue(r.err().contains("rootfs-diff.tar"), "it names the damaged file: " + r.err());
        assertEquals(before, ok("ps", "-aq").lines(), "nothing made");
        assertNotEquals(0, quilt.run("inspect", "bad-1").exit());

        ok("rm", "-f", "src");
        ok("rm", "-f", "taken-2");
        ok("checkpoint", "rm", "src/c1");
    }
}
