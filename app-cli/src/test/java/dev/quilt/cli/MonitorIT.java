package dev.quilt.cli;

import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Protocol;
import dev.quilt.linux.jni.Watches;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The native monitor and the container's process, end to end as root: signals
 * as the command gets them, a created container's init signalled at its gate,
 * a killed monitor, an exec that meets the container's end, partial lines and
 * the log's cap, and a full disk that costs no exit code. Every wait is on an
 * event (a line read, a pidfd); the timeouts are a broken build's deadline.
 */
@Timeout(300)
class MonitorIT {
    private Path root;
    private Quilt quilt;
    private final String marker = "QUILT_IT=" + UUID.randomUUID();

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createTempDirectory("quilt-monitor-it-");
        quilt = new Quilt(root);
    }

    @AfterEach
    void removeEverything() throws Exception {
        try {
            for (String id : quilt.run("ps", "-a", "-q").lines()) quilt.run("rm", "-f", id);
            quilt.run("gc");
            assertEquals(List.of(), Leaks.processes(root, marker), "processes left");
            assertEquals(List.of(), Leaks.mountsUnder(root), "mounts left");
            assertEquals(List.of(), Leaks.containers(root), "state or layers left");
        } finally {
            Leaks.killAll(root, marker);
            List<String> network = quilt.teardown();
            AtomicFiles.deleteTree(root);
            assertEquals(List.of(), network, "network left behind");
        }
    }

    private static String ok(Quilt.Result r) {
        assertEquals(0, r.exit(), r.err());
        return r.out().strip();
    }

    /** {@code run -d} with no network (none is needed here) and the marker. */
    private String detached(Quilt q, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("run", "-d", "--network", "none", "-e", marker));
        all.addAll(List.of(args));
        return ok(q.run(all.toArray(String[]::new)));
    }

    private String detached(String... args) throws Exception {
        return detached(quilt, args);
    }

    private static String field(String json, String name) {
        return Quilt.field(json, name);
    }

    private static int number(String json, String name) {
        var m = java.util.regex.Pattern.compile("\"" + name + "\" : (\\d+)").matcher(json);
        if (!m.find()) throw new AssertionError("no " + name + " in " + json);
        return Integer.parseInt(m.group(1));
    }

    /** Blocks until the process exits: its pidfd becomes readable (an event; the library is the one the CLI uses). */
    private void awaitGone(long pid) {
        NativeLibrary.load(LinuxPaths.under(root).nativeCache());
        int fd = Processes.openPidfd((int) pid);
        if (fd < 0) return; // gone already
        try {
            Watches.await(new int[] {fd}, -1);
        } finally {
            Processes.closeFd(fd);
        }
    }

    private static final String ZERO = "0000000000000000";

    @Test
    void commandsStartWithNoSignalIgnoredOrBlocked() throws Exception {
        // glibc's posix_spawn leaves 32 and 33 ignored in the monitor; runc resets every disposition before execve
        String expected = "SigBlk:\t" + ZERO + "\nSigIgn:\t" + ZERO + "\n";
        String[] grep = {"grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"};
        List<String> run = new ArrayList<>(List.of("run", "--rm", "--network", "none", "-e", marker, "--"));
        run.addAll(List.of(grep));
        assertEquals(expected, quilt.run(run.toArray(String[]::new)).out(), "the command as pid 1");
        run.add(2, "--init");
        assertEquals(expected, quilt.run(run.toArray(String[]::new)).out(), "the command as quilt-init's child");

        List<String> create = new ArrayList<>(List.of("create", "--network", "none", "-e", marker, "--"));
        create.addAll(List.of(grep));
        String gated = ok(quilt.run(create.toArray(String[]::new)));
        ok(quilt.run("start", gated));
        assertEquals("0", ok(quilt.run("wait", gated)));
        assertEquals(expected, quilt.run("logs", gated).out(), "a created one: its gate's handlers are gone at execve");

        String box = detached();
        List<String> exec = new ArrayList<>(List.of("exec", box, "--"));
        exec.addAll(List.of(grep));
        assertEquals(expected, quilt.run(exec.toArray(String[]::new)).out(), "an exec'd command");
    }

    @Test
    void aCreatedContainerIsEndedByTheSignalItIsSent() throws Exception {
        String id = ok(quilt.run("create", "--network", "none", "-e", marker, "--", "sleep", "100"));
        ok(quilt.run("kill", id)); // TERM, to an init that waits for start as pid 1 of its namespace
        assertEquals("143", ok(quilt.run("wait", id)));
        String json = ok(quilt.run("inspect", id));
        assertEquals("stopped", field(json, "status"));
        assertEquals(143, number(json, "exitCode"));
        assertEquals(15, number(json, "exitSignal"));
        // a later start runs it again, as docker's start of an exited container (RestartIT)
        ok(quilt.run("start", id));
        assertEquals("running", field(ok(quilt.run("inspect", id)), "status"));
        ok(quilt.run("rm", "-f", id));

        String hup = ok(quilt.run("create", "--network", "none", "-e", marker, "--", "sleep", "100"));
        ok(quilt.run("kill", hup, "HUP"));
        assertEquals("129", ok(quilt.run("wait", hup)));
        String killed = ok(quilt.run("create", "--network", "none", "-e", marker, "--", "sleep", "100"));
        ok(quilt.run("kill", killed, "KILL"));
        assertEquals("137", ok(quilt.run("wait", killed)));

        // a signal whose default is to be ignored leaves it waiting, as it would leave the command
        String winch = ok(quilt.run("create", "--network", "none", "-e", marker, "--", "sh", "-c", "exit 5"));
        ok(quilt.run("kill", winch, "WINCH"));
        assertEquals("created", field(ok(quilt.run("inspect", winch)), "status"));
        ok(quilt.run("start", winch));
        assertEquals("5", ok(quilt.run("wait", winch)));
    }

    @Test
    void aKilledMonitorLeavesAContainerThatStopKillAndWaitStillReach() throws Exception {
        String id = detached("--", "sleep", "1000");
        String shortId = id.substring(0, 12);
        String json = ok(quilt.run("inspect", id));
        assertEquals("running", field(json, "monitor"));
        int monitor = number(json, "monitorPid");
        int init = number(json, "pid");
        NativeLibrary.load(LinuxPaths.under(root).nativeCache());
        int fd = Processes.openPidfd(monitor);
        Processes.signal(fd, Protocol.SIGKILL);
        Processes.closeFd(fd);
        awaitGone(monitor);

        json = ok(quilt.run("inspect", id));
        assertEquals("running", field(json, "status"), "the container runs on");
        assertEquals("gone", field(json, "monitor"));
        assertTrue(ok(quilt.run("ps")).contains("running (monitor gone)"));
        assertTrue(ProcessHandle.of(init).isPresent());

        Process waiter = quilt.start("wait", id);
        Quilt.Result stop = quilt.run("stop", "-t", "1", id); // TERM (ignored by pid 1), then KILL at the deadline
        assertEquals(0, stop.exit(), stop.err());
        assertEquals("", stop.err());
        assertEquals("stopped", field(ok(quilt.run("inspect", id)), "status"));

        // the waiter waited for the init itself; its code is unknown, and it says so with exit 4
        assertEquals(4, waiter.waitFor());
        assertEquals("", new String(waiter.getInputStream().readAllBytes()));
        String said = new String(waiter.getErrorStream().readAllBytes());
        assertTrue(said.startsWith("quilt: container '" + shortId + "' has exited, but its exit code is unknown: its monitor "),
                said);
        Quilt.Result again = quilt.run("wait", id);
        assertEquals(4, again.exit());
        assertEquals("quilt: container '" + shortId + "' has exited, but its exit code is unknown: its monitor ended "
                + "without recording it\n", again.err());
        assertTrue(ok(quilt.run("ps", "-a")).contains("exited (?)"));

        // kill reaches an init whose monitor is gone, through a pidfd of its pid and start time
        String other = detached("--", "sleep", "1000");
        int otherMonitor = number(ok(quilt.run("inspect", other)), "monitorPid");
        int otherInit = number(ok(quilt.run("inspect", other)), "pid");
        fd = Processes.openPidfd(otherMonitor);
        Processes.signal(fd, Protocol.SIGKILL);
        Processes.closeFd(fd);
        awaitGone(otherMonitor);
        ok(quilt.run("kill", other, "KILL"));
        awaitGone(otherInit);
        assertEquals(4, quilt.run("wait", other).exit());
    }

    @Test
    void anExecThatMeetsTheContainersEndSaysItIsStopped() throws Exception {
        String id = detached("--", "sleep", "1000");
        Process held = quilt.start("exec", id, "--", "sh", "-c", "echo started; exec sleep 1000");
        BufferedReader out = new BufferedReader(new InputStreamReader(held.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("started", out.readLine());
        ProcessHandle helper = held.toHandle().children()
                .filter(p -> p.info().command().orElse("").contains("quilt-exec")).findFirst().orElseThrow(); // "/memfd:quilt-exec (deleted)": run from a sealed copy
        long command = helper.children().findFirst().orElseThrow().pid();
        // with quilt-exec stopped, its command (in the container's pid namespace, its parent outside) cannot be
        // reaped: the init, killed, has left its namespaces and waits in the kernel until it is
        assertEquals(0, Quilt.sh("kill -STOP " + helper.pid()));
        try {
            ok(quilt.run("kill", id, "KILL"));
            awaitGone(command); // killed by the ending namespace: its init is past the point of no return
            assertEquals("running", field(ok(quilt.run("inspect", id)), "status"), "no exit is recorded yet");
            Quilt.Result late = quilt.run("exec", id, "--", "true");
            assertEquals(1, late.exit());
            assertEquals("quilt: container '" + id.substring(0, 12) + "' is stopped; exec needs a running one\n",
                    late.err());
        } finally {
            Quilt.sh("kill -CONT " + helper.pid());
        }
        assertEquals(137, held.waitFor());
        assertEquals("137", ok(quilt.run("wait", id)));
        Quilt.Result after = quilt.run("exec", id, "--", "true");
        assertEquals(1, after.exit());
        assertEquals("quilt: container '" + id.substring(0, 12) + "' is stopped; exec needs a running one\n", after.err());
    }

    @Test
    void aPartialLineIsInTheLogAtOnce() throws Exception {
        String id = detached("--", "sh", "-c", "printf x; sleep 1000");
        Process follow = quilt.start("logs", "-f", id);
        assertEquals('x', follow.getInputStream().read(), "logs -f shows it without waiting for a newline");
        assertEquals("x", quilt.run("logs", id).out());
        ok(quilt.run("kill", id, "KILL"));
        assertEquals(0, follow.waitFor());
        assertEquals("", new String(follow.getInputStream().readAllBytes()));
    }

    @Test
    void theLogIsCappedWithOneRotationAndLogsFollowAcrossIt() throws Exception {
        Path layers = root.resolve("data/containers");
        // about 90 KiB of records: one rotation at 64k, so everything is in container.log.1 and container.log
        String id = ok(quilt.run("create", "--network", "none", "-e", marker, "--log-max-size", "64k", "--",
                "seq", "1", "2000"));
        Process follow = quilt.start("logs", "-f", id);
        ok(quilt.run("start", id));
        String all = IntStream.rangeClosed(1, 2000).mapToObj(Integer::toString).collect(Collectors.joining("\n", "", "\n"));
        String followed = new String(follow.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int followExit = follow.waitFor();
        String followErr = new String(follow.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!all.equals(followed)) {
            List<String> got = followed.lines().toList();
            fail("logs -f (exit " + followExit + ", stderr '" + followErr.strip() + "') printed " + got.size()
                    + " lines: first " + got.subList(0, Math.min(3, got.size())) + ", last "
                    + got.subList(Math.max(0, got.size() - 3), got.size()) + "; the files: "
                    + quilt.run("logs", id).lines().size() + " lines");
        }
        assertEquals(0, followExit, followErr);
        assertEquals("0", ok(quilt.run("wait", id)));
        assertEquals(all, quilt.run("logs", id).out(), "logs reads the rotated part, then the current one");
        // a file passes the cap only by the write that ends a line begun in it, never twice the cap
        assertTrue(Files.size(layers.resolve(id).resolve("container.log.1")) <= 2 * 64 * 1024);
        assertTrue(Files.size(layers.resolve(id).resolve("container.log")) <= 2 * 64 * 1024);
        assertFalse(Files.exists(root.resolve("run").resolve(id).resolve("container.log")), "nothing in the run dir");

        // far past the cap: the disk holds two files, and logs shows the newest lines, whole (no file begins
        // with the rest of a line whose start was rotated away)
        String big = ok(quilt.run("create", "--network", "none", "-e", marker, "--log-max-size", "64k", "--",
                "seq", "1", "60000"));
        ok(quilt.run("start", big));
        assertEquals("0", ok(quilt.run("wait", big)));
        try (var files = Files.list(layers.resolve(big))) {
            List<Path> logs = files.filter(p -> p.getFileName().toString().startsWith("container.log")).toList();
            assertEquals(2, logs.size(), logs.toString());
            for (Path p : logs) assertTrue(Files.size(p) <= 2 * 64 * 1024, p + " " + Files.size(p));
        }
        List<String> lines = quilt.run("logs", big).lines();
        assertEquals("60000", lines.get(lines.size() - 1));
        int first = Integer.parseInt(lines.get(0));
        assertTrue(first > 1, "the oldest lines are gone: " + lines.subList(0, Math.min(5, lines.size())) + " of "
                + lines.size());
        for (int i = 0; i < lines.size(); i++) assertEquals(Integer.toString(first + i), lines.get(i), "line " + i);

        Quilt.Result small = quilt.run("run", "-d", "--network", "none", "--log-max-size", "1k", "--", "true");
        assertEquals(125, small.exit());
        assertEquals("quilt: --log-max-size 1k is too small: give at least 64k, or -1 for no cap\n", small.err());
    }

    @Test
    void aFullDiskCostsNoExitCode() throws Exception {
        Path small = Files.createTempDirectory("quilt-monitor-full-");
        assertEquals(0, Quilt.sh("mount -t tmpfs -o size=8m quilt-it " + small));
        Quilt full = null;
        try {
            full = new Quilt(small);
            // each installs its TERM or USR1 trap before its health check can pass, and so before run -d returns
            String polite = detached(full, "--health-check", "test -e /trapped", "--",
                    "sh", "-c", "trap 'exit 7' TERM; sleep 1000 & touch /trapped; wait");
            String writer = detached(full, "--health-check", "test -e /trapped", "--",
                    "sh", "-c", "trap 'yes' USR1; sleep 1000 & touch /trapped; wait");
            Process follow = full.start("logs", "-f", writer);
            ok(full.run("kill", writer, "USR1")); // yes, into its log, until the disk is full
            int first = follow.getInputStream().read();
            if (first != 'y') {
                follow.waitFor();
                throw new AssertionError("logs -f ended (exit " + follow.exitValue() + ") with no 'y': "
                        + new String(follow.getErrorStream().readAllBytes()));
            }
            follow.destroy();
            follow.waitFor();
            // and whatever it has not filled yet, we do
            Path filler = small.resolve("filler");
            byte[] block = new byte[64 * 1024];
            IOException fullDisk = null;
            try (OutputStream o = Files.newOutputStream(filler)) {
                while (fullDisk == null) {
                    try {
                        o.write(block);
                    } catch (IOException e) {
                        fullDisk = e;
                    }
                }
            } catch (IOException e) {
                // closing may fail to flush the last block: the disk is full either way
            }
            assertTrue(fullDisk.getMessage().contains("No space left on device"), fullDisk.getMessage());

            Quilt.Result stop = full.run("stop", "-t", "30", polite);
            assertEquals(0, stop.exit(), stop.err());
            assertEquals("7", ok(full.run("wait", polite)), "the exit, written into the space its monitor took at start");
            assertEquals(7, number(ok(full.run("inspect", polite)), "exitCode"));

            // the writer was never blocked by its log: it still runs, and is stopped like any other
            assertEquals("running", field(ok(full.run("inspect", writer)), "status"));
            ok(full.run("stop", "-t", "1", writer));
            assertEquals("137", ok(full.run("wait", writer)));
            String log = full.run("logs", writer).out();
            assertTrue(log.startsWith("y\ny\n"), log.substring(0, Math.min(20, log.length())));
            Files.delete(filler);
        } finally {
            try {
                if (full != null) {
                    for (String id : full.run("ps", "-a", "-q").lines()) full.run("rm", "-f", id);
                    assertEquals(List.of(), full.teardown());
                }
                assertEquals(List.of(), Leaks.killAll(small, marker), "processes left");
            } finally {
                Quilt.sh("umount " + small);
                AtomicFiles.deleteTree(small);
            }
        }
    }
}
