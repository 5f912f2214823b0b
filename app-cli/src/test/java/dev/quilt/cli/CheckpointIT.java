package dev.quilt.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code quilt checkpoint} and {@code quilt restore} on the real kernel with the real CRIU ({@code $QUILT_CRIU},
 * else criu on PATH), issue 16's acceptance items 1 and 2. The workload counts in a loop that appends each number
 * to an open file ({@code /tmp/log}, fd 3), then blocks writing it into a fifo and waits for an ack on another:
 * each {@link #tick} reads exactly one number and lets the loop go on to the next, so the count is read by events
 * alone, never by timing.
 */
class CheckpointIT {
    private static Path root;
    private static Quilt quilt;
    private static final String MARK = UUID.randomUUID().toString();
    private static final String TICK = "mkfifo /tmp/tick /tmp/ack; i=0; exec 3>/tmp/log;"
            + " while true; do i=$((i+1)); echo $i >&3; echo $i > /tmp/tick; read ack < /tmp/ack; done";

    @BeforeAll
    static void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-checkpoint-it-");
        quilt = new Quilt(root);
    }

    @AfterAll
    static void tearDown() throws Exception {
        Quilt.Result left = quilt.run("checkpoint", "ls");
        for (String line : left.lines()) {
            if (!line.startsWith("CHECKPOINT")) quilt.run("checkpoint", "rm", line.split("\\s+")[0]);
        }
        quilt.close(MARK);
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Quilt.Result ok(String... args) throws Exception {
        Quilt.Result r = quilt.run(args);
        assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
        return r;
    }

    private static String up(String name, String network) throws Exception {
        return ok("run", "-d", "--network", network, "--name", name, "-e", "QUILT_IT=" + MARK, "--", "sh", "-c",
                TICK).out().strip();
    }

    private static long number(String json, String field) {
        var m = java.util.regex.Pattern.compile("\"" + field + "\" : (\\d+)").matcher(json);
        assertTrue(m.find(), "no " + field + " in " + json);
        return Long.parseLong(m.group(1));
    }

    private static String tick(String name) throws Exception {
        // the loop writes one number, closes, and waits for the ack: cat sees exactly one
        return ok("exec", name, "sh", "-c", "cat /tmp/tick; echo > /tmp/ack").out().strip();
    }

    private static List<String> containers() throws Exception {
        return ok("ps", "-aq").lines();
    }

    private static List<Path> layers() throws Exception {
        Path dir = root.resolve("data/containers");
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void aRestoredContainerCountsOnFromWhereItWasUnderANewName() throws Exception {
        String a = unique("count");
        up(a, "bridge");
        assertEquals("1", tick(a));

        // --leave-running: the original runs on, and the checkpoint is of where it was
        assertEquals(a + "/lr", ok("checkpoint", "--leave-running", "--name", "lr", a).out().strip());
        assertEquals("2", tick(a));
        assertTrue(ok("ps").out().contains(a), "the original is still running");

        // without it, the dump ends the container, as podman's does
        assertEquals(a + "/full", ok("checkpoint", "--name", "full", a).out().strip());
        assertTrue(ok("ps", "-a").out().lines().anyMatch(l -> l.contains(a) && l.contains("exited")),
                ok("ps", "-a").out());
        String manifest = ok("checkpoint", "inspect", a + "/full").out();
        for (String field : List.of("\"criuVersion\"", "\"kernelRelease\"", "\"specDigest\" : \"sha256:",
                "\"imageDigest\" : \"sha256:", "\"netKey\" : \"quilt-net\"", "\"path\" : \"rootfs-diff.tar\"",
                "\"path\" : \"container.json\"", "\"leftRunning\" : false")) {
            assertTrue(manifest.contains(field), field + " in " + manifest);
        }
        ok("rm", a);

        String b = unique("again");
        String bid = ok("restore", "--name", b, a + "/full").out().strip();
        assertTrue(bid.matches("[0-9a-f]{64}"), bid);
        assertEquals("3", tick(b), "it counts on from where it was");
        assertEquals(List.of("1", "2", "3", "4"), ok("exec", b, "cat", "/tmp/log").lines(), "its open file too");
        String inspect = ok("inspect", b).out();
        assertTrue(inspect.contains("\"quilt.restored-from\" : \""), inspect);
        assertTrue(inspect.contains("\"phase\" : \"exec\""), inspect);

        // its stdout and stderr are the pipes its new monitor reads (the dumped ones were external), not pipes
        // CRIU made that nobody reads
        long bPid = number(inspect, "pid");
        long bMonitor = number(inspect, "monitorPid");
        List<String> monitorFds = new java.util.ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + bMonitor + "/fd"))) {
            for (Path fd : fds.toList()) monitorFds.add(Files.readSymbolicLink(fd).toString());
        }
        for (int fd = 1; fd <= 2; fd++) {
            String pipe = Files.readSymbolicLink(Path.of("/proc/" + bPid + "/fd/" + fd)).toString();
            assertTrue(pipe.startsWith("pipe:") && monitorFds.contains(pipe), fd + " -> " + pipe + "; the monitor"
                    + " holds " + monitorFds);
        }

        // the other checkpoint is its own container, with its own count
        String c = unique("branch");
        ok("restore", "--name", c, a + "/lr");
        assertEquals("2", tick(c));
        String bNext = tick(b);
        assertEquals("4", bNext, "the two share nothing; b's log: " + ok("exec", b, "cat", "/tmp/log").out()
                .replace('\n', ' ') + ", c's: " + ok("exec", c, "cat", "/tmp/log").out().replace('\n', ' '));

        // its address answers on the test's own bridge: the host listens on the bridge's gateway first (so no
        // race with a listener starting), the restored container connects, and the peer is its address
        String ip = Quilt.field(inspect, "ipAddress");
        String gateway = Quilt.field(inspect, "gateway");
        try (java.net.ServerSocket server = new java.net.ServerSocket()) {
            server.bind(new InetSocketAddress(gateway, 0));
            server.setSoTimeout(30_000);
            Process client = quilt.start("exec", b, "sh", "-c", "echo hello-from-" + b + " | nc " + gateway + " "
                    + server.getLocalPort());
            try (Socket s = server.accept()) {
                assertEquals(ip, ((InetSocketAddress) s.getRemoteSocketAddress()).getAddress().getHostAddress());
                s.setSoTimeout(30_000);
                String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
                assertEquals("hello-from-" + b, line);
            }
            assertEquals(0, client.waitFor());
        }

        // the restored container's cgroup mounts are its own cgroup, not the host's tree (spike.md)
        String cInspect = ok("inspect", c).out();
        var pidMatch = java.util.regex.Pattern.compile("\"pid\" : (\\d+)").matcher(cInspect);
        assertTrue(pidMatch.find(), cInspect);
        long pid = Long.parseLong(pidMatch.group(1));
        String cid = Quilt.field(cInspect, "id");
        List<String> cgroupMounts = Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo")).stream()
                .filter(l -> l.contains(" - cgroup")).toList();
        assertTrue(!cgroupMounts.isEmpty());
        for (String m : cgroupMounts) {
            assertTrue(m.split(" ")[3].endsWith("/" + cid), "a cgroup mount rooted elsewhere: " + m);
        }

        ok("rm", "-f", b, c);
        ok("checkpoint", "rm", a + "/full", a + "/lr");
        // a is removed and its checkpoints too: its name now names nothing, refused before any header
        Quilt.Result gone = quilt.run("checkpoint", "ls", a);
        assertEquals(1, gone.exit(), gone.out());
        assertEquals("", gone.out());
        assertEquals("quilt: no container or checkpoints called '" + a + "'; 'quilt checkpoint ls' lists every"
                + " checkpoint", gone.err().strip());
    }

    @Test
    void aDamagedCheckpointIsRefusedWithItsOwnLineAndNothingIsMade() throws Exception {
        String a = unique("bad");
        String id = up(a, "none");
        assertEquals("1", tick(a));
        ok("checkpoint", "--leave-running", "--name", "one", a);
        Quilt.Result again = quilt.run("checkpoint", "--leave-running", "--name", "one", a);
        assertEquals(1, again.exit(), again.err());
        assertTrue(again.err().contains("already has a checkpoint named 'one'"), again.err());
        ok("checkpoint", "--name", "two", a);
        Path dir = root.resolve("data/checkpoints").resolve(id).resolve("two");
        List<String> before = containers();
        List<Path> layersBefore = layers();

        // a byte flipped in CRIU's memory pages
        Path pages;
        try (Stream<Path> s = Files.list(dir.resolve("criu"))) {
            pages = s.filter(p -> p.getFileName().toString().startsWith("pages-")).findFirst().orElseThrow();
        }
        byte[] good = Files.readAllBytes(pages);
        byte[] flipped = good.clone();
        flipped[flipped.length / 2] ^= 0x40;
        Files.write(pages, flipped);
        refused(a + "/two", "criu/" + pages.getFileName() + " has changed since the dump");
        // ls does not hash (its header says so); inspect --verify does, with restore's line
        assertTrue(ok("checkpoint", "ls", a).lines().stream().anyMatch(l -> l.startsWith(a + "/two ")
                && l.endsWith(" ok")), "a flipped byte is not seen without hashing");
        Quilt.Result verify = quilt.run("checkpoint", "inspect", "--verify", a + "/two");
        assertEquals(1, verify.exit(), verify.out());
        assertEquals("", verify.out());
        assertTrue(verify.err().contains("criu/" + pages.getFileName() + " has changed since the dump"),
                verify.err());
        Files.write(pages, good);
        assertTrue(ok("checkpoint", "inspect", "--verify", a + "/two").out().contains("\"verified\" : true"));

        // a file cut short
        Path core;
        try (Stream<Path> s = Files.list(dir.resolve("criu"))) {
            core = s.filter(p -> p.getFileName().toString().startsWith("core-")).findFirst().orElseThrow();
        }
        byte[] whole = Files.readAllBytes(core);
        Files.write(core, java.util.Arrays.copyOf(whole, whole.length / 2));
        refused(a + "/two", "criu/" + core.getFileName() + " is " + whole.length / 2 + " bytes, the manifest says "
                + whole.length + " (truncated?)");
        assertTrue(ok("checkpoint", "ls", a).lines().stream().anyMatch(l -> l.startsWith(a + "/two ")
                && l.endsWith("damaged: criu/" + core.getFileName() + " is " + whole.length / 2
                + " bytes, the manifest says " + whole.length + " (truncated?)")), "ls sees a size");
        Files.write(core, whole);

        // the manifest gone: named by the container's name (from the record saved beside it)
        byte[] manifest = Files.readAllBytes(dir.resolve("manifest.json"));
        Files.delete(dir.resolve("manifest.json"));
        refused(a + "/two", "has no manifest.json");
        List<String> listed = ok("checkpoint", "ls", a).lines();
        assertTrue(listed.stream().anyMatch(l -> l.startsWith(a + "/two") && l.contains("damaged: no manifest.json"))
                && listed.stream().anyMatch(l -> l.startsWith(a + "/one") && l.contains("ok")), listed.toString());
        Files.write(dir.resolve("manifest.json"), manifest);

        // an unknown one, and a name in use
        Quilt.Result unknown = quilt.run("restore", a + "/nosuch");
        assertEquals(1, unknown.exit(), unknown.err());
        assertEquals("quilt: no checkpoint '" + a + "/nosuch'; see 'quilt checkpoint ls'", unknown.err().strip());
        String other = unique("taken");
        up(other, "none");
        Quilt.Result taken = quilt.run("restore", "--name", other, a + "/two");
        assertTrue(taken.exit() != 0 && taken.err().contains(other), taken.err());
        ok("rm", "-f", other);
        assertEquals(before, containers(), "nothing was made");
        assertEquals(layersBefore, layers(), "no layer was made");

        // mended, it restores
        String b = unique("mended");
        ok("restore", "--name", b, a + "/two");
        assertEquals("2", tick(b));
        ok("rm", "-f", a, b);
        ok("checkpoint", "rm", a + "/one", a + "/two");
    }

    private static void refused(String ref, String expected) throws Exception {
        List<String> before = containers();
        Quilt.Result r = quilt.run("restore", "--name", unique("never"), ref);
        assertEquals(1, r.exit(), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertTrue(r.err().contains("quilt checkpoint rm " + ref), r.err());
        assertEquals(before, containers(), "nothing was made");
    }

    @Test
    void aRestoreThatOutlivesItsDeadlineIsKilledAndCleaned() throws Exception {
        String a = unique("slow");
        up(a, "none");
        assertEquals("1", tick(a));
        ok("checkpoint", "--name", "cp", a);
        List<String> before = containers();
        List<Path> layersBefore = layers();
        List<String> cgroupsBefore = Leaks.cgroups(root);
        Quilt.Result r = quilt.run("restore", "--ready-timeout", "1ms", "--name", unique("late"), a + "/cp");
        assertEquals(125, r.exit(), r.err());
        assertTrue(r.err().contains("is not ready") && r.err().contains("removed it"), r.err());
        assertEquals(before, containers());
        assertEquals(layersBefore, layers());
        assertEquals(cgroupsBefore, Leaks.cgroups(root), "no cgroup of it is left");
        ok("rm", a);
        ok("checkpoint", "rm", a + "/cp");
    }

    @Test
    void criusOwnErrorLinesAreTheFailureAndNothingIsLeft() throws Exception {
        String a = unique("criu");
        up(a, "none");
        assertEquals("1", tick(a));
        ok("checkpoint", "--name", "cp", a);
        // the image's busybox (this root's own copy) changes size: CRIU refuses the mapped file
        Path busybox;
        try (Stream<Path> s = Files.list(root.resolve("data/images"))) {
            busybox = s.map(p -> p.resolve("rootfs/bin/busybox")).filter(Files::isRegularFile).findFirst()
                    .orElseThrow();
        }
        long size = Files.size(busybox);
        List<String> before = containers();
        List<String> cgroupsBefore = Leaks.cgroups(root);
        Files.write(busybox, new byte[] {'x'}, java.nio.file.StandardOpenOption.APPEND);
        Quilt.Result r;
        try {
            r = quilt.run("restore", "--name", unique("never"), a + "/cp");
        } finally {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(busybox,
                    java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(size);
            }
        }
        assertEquals(125, r.exit(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("criu restore failed: Error (") && r.err().contains("File bin/busybox has bad"
                + " size " + (size + 1) + " (expect " + size + ")"), r.err());
        assertTrue(!r.err().contains("RLIMIT_NOFILE") && !r.err().contains("Unable to create tun"), r.err());
        assertEquals(before, containers());
        assertEquals(cgroupsBefore, Leaks.cgroups(root));
        ok("rm", a);
        ok("checkpoint", "rm", a + "/cp");
    }

    @Test
    void whatCannotBeDumpedIsRefusedBeforeAnythingIsMade() throws Exception {
        String a = unique("refuse");
        Path host = Files.createTempDirectory(root, "vol");
        ok("run", "-d", "--network", "none", "--name", a, "-v", host + ":/data", "-e", "QUILT_IT=" + MARK, "--",
                "sh", "-c", TICK);
        Quilt.Result bind = quilt.run("checkpoint", a);
        assertEquals(1, bind.exit(), bind.err());
        assertEquals("quilt: checkpoint of a container with bind mounts from the host (-v /data) is not supported yet",
                bind.err().strip());
        String init = unique("init");
        ok("run", "-d", "--init", "--network", "none", "--name", init, "-e", "QUILT_IT=" + MARK, "--", "sh", "-c", TICK);
        Quilt.Result withInit = quilt.run("checkpoint", init);
        assertEquals(1, withInit.exit(), withInit.err());
        assertTrue(withInit.err().startsWith("quilt: checkpoint of a container with --init (or no command"),
                withInit.err());
        ok("rm", "-f", init);
        quilt.env.put("QUILT_CRIU", "/nonexistent/criu");
        try {
            Quilt.Result none = quilt.run("restore", a);
            assertTrue(none.exit() != 0, none.err());
            assertTrue(none.err().contains("run scripts/setup.sh"), none.err());
        } finally {
            quilt.env.remove("QUILT_CRIU");
            if (System.getenv("QUILT_CRIU") != null) quilt.env.put("QUILT_CRIU", System.getenv("QUILT_CRIU"));
        }
        ok("rm", "-f", a);
        Quilt.Result gone = quilt.run("checkpoint", a);
        assertEquals(1, gone.exit(), gone.err());
        assertTrue(ok("checkpoint", "ls").lines().stream().noneMatch(l -> l.contains(a)));
    }

    @Test
    void gcRemovesADraftLeftByACrash() throws Exception {
        Path draft = root.resolve("data/checkpoints").resolve("f".repeat(64)).resolve(".tmp-999999999-1-crashed");
        Files.createDirectories(draft.resolve("criu"));
        Files.writeString(draft.resolve("criu/core-1.img"), "half");
        Quilt.Result gc = ok("gc");
        assertTrue(gc.out().contains("removed 1 checkpoint drafts left by a crash"), gc.out());
        assertTrue(!Files.exists(draft.getParent()));
    }
}
