package dev.quilt.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crashes and races of checkpoint and restore on the real kernel with the real CRIU (issue 16's fresh-user check):
 * a {@code checkpoint --leave-running} SIGKILLed while it holds its container frozen, a {@code restore} SIGKILLed
 * once CRIU has restored the tree, and {@code checkpoint rm} against a restore. Each kill point is an event (a file
 * appearing, watched with inotify), never a timer; the CLIs are real child JVMs.
 */
class CheckpointCrashIT {
    private static Path root;
    private static Quilt quilt;
    private static final String MARK = UUID.randomUUID().toString();
    private static final String TICK = "mkfifo /tmp/tick /tmp/ack; i=0; exec 3>/tmp/log;"
            + " while true; do i=$((i+1)); echo $i >&3; echo $i > /tmp/tick; read ack < /tmp/ack; done";

    @BeforeAll
    static void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-checkpoint-crash-it-");
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

    private static String tick(String name) throws Exception {
        return ok("exec", name, "sh", "-c", "cat /tmp/tick; echo > /tmp/ack").out().strip();
    }

    private static String status(String name) throws Exception {
        return Quilt.field(ok("inspect", name).out(), "status");
    }

    /**
     * Waits for an entry of {@code dir} that {@code matches} (one there already counts): inotify through the JDK's
     * WatchService, with a deadline for a broken build only. {@code dir} must exist.
     */
    private static Path await(Path dir, Predicate<Path> matches) throws Exception {
        try (WatchService w = FileSystems.getDefault().newWatchService()) {
            dir.register(w, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
            while (true) {
                try (Stream<Path> s = Files.list(dir)) {
                    Optional<Path> found = s.filter(matches).findFirst();
                    if (found.isPresent()) return found.get();
                }
                WatchKey key = w.poll(120, TimeUnit.SECONDS); // a deadline for a broken build, not a wait for time
                if (key == null) throw new AssertionError("nothing matching in " + dir + " within 120 s");
                key.pollEvents();
                key.reset();
            }
        }
    }

    private static boolean named(Path p, String name) {
        return p.getFileName().toString().equals(name);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return ""; // replaced meanwhile: read again at the next event
        }
    }

    /** Waits for a process (pid and start time) to end: poll(2) on its pidfd, an event, with a deadline. */
    private static void awaitExit(int pid, long startTime) throws Exception {
        if (!dev.quilt.linux.ProcStat.alive(new dev.quilt.domain.ProcessRef(pid, startTime))) return;
        Process p = new ProcessBuilder("python3", "-c", "import os, select, sys\n"
                + "try:\n    fd = os.pidfd_open(" + pid + ")\nexcept ProcessLookupError:\n    sys.exit(0)\n"
                + "p = select.poll(); p.register(fd, select.POLLIN)\nsys.exit(0 if p.poll(120000) else 1)\n")
                .redirectErrorStream(true).start();
        assertEquals(0, p.waitFor(), "pid " + pid + " did not end within 120 s");
    }

    /**
     * Defect 1: a {@code checkpoint --leave-running} killed between its freeze and its thaw left the container
     * paused for ever (gc removed the draft and thawed nothing). The draft says it froze the container; once the
     * killed CLI and its CRIU are both gone, gc thaws it and removes the draft, and the workload counts on.
     */
    @Test
    void aCheckpointKilledWhileItHeldTheContainerFrozenIsThawedByGc() throws Exception {
        String a = unique("frozen");
        // a big memory footprint (200 MB in a shell variable) makes the dump long enough to be killed in
        String id = ok("run", "-d", "--network", "none", "--name", a, "-e", "QUILT_IT=" + MARK, "--", "sh", "-c",
                TICK.replace("i=0;", "x=$(yes | head -c 200000000); i=0;")).out().strip();
        assertEquals("1", tick(a));
        ok("checkpoint", "--leave-running", "--name", "first", a); // so its checkpoint directory is there to watch
        assertEquals("running", status(a));
        Path dir = root.resolve("data/checkpoints").resolve(id);

        Process cli = quilt.start("checkpoint", "--leave-running", "--name", "killed", a);
        Path draft = await(dir, p -> p.getFileName().toString().startsWith(".tmp-")
                && p.getFileName().toString().endsWith("-killed"));
        // the freeze record names CRIU once it runs: the container is frozen by then (the record comes first)
        Path freeze = draft.resolve(".freeze");
        await(draft, p -> named(p, ".freeze") && read(p).startsWith("criu "));
        cli.destroyForcibly().waitFor();
        String[] criu = read(freeze).trim().split("\\s+");
        assertEquals("paused", status(a), "frozen by the checkpoint that was killed");

        // CRIU outlives its caller and ends the dump on its own (freezing the tree again at its end, as it found
        // it): only once it is gone is the freeze abandoned
        awaitExit(Integer.parseInt(criu[1]), Long.parseLong(criu[2]));
        assertEquals("paused", status(a), "nothing thaws it on its own");
        Quilt.Result gc = ok("gc");
        assertTrue(gc.out().contains("thawed container " + id), gc.out());
        assertEquals("running", status(a));
        assertFalse(Files.exists(draft), "the draft went with the thaw");
        assertEquals("2", tick(a), "it counts on");
        ok("checkpoint", "rm", a + "/first");
        ok("rm", "-f", a);
    }

    /** A paused container stays paused through gc: only a checkpoint's own freeze is undone. */
    @Test
    void aContainerTheUserPausedStaysPaused() throws Exception {
        String a = unique("paused");
        ok("run", "-d", "--network", "none", "--name", a, "-e", "QUILT_IT=" + MARK, "--", "sh", "-c", TICK);
        ok("pause", a);
        ok("checkpoint", "--leave-running", "--name", "p", a);
        ok("gc");
        assertEquals("paused", status(a));
        ok("unpause", a);
        assertEquals("1", tick(a));
        ok("checkpoint", "rm", a + "/p");
        ok("rm", "-f", a);
    }

    /**
     * Defect 2: a restore killed after CRIU restored the tree left a record that said running, with no readiness
     * and no address (though the container had one). The record stays creating until the restore has written it
     * as a fresh create does; gc clears it as a crashed create: processes, cgroup, veth, address, layer, record.
     */
    @Test
    void aRestoreKilledAfterCriuIsACrashedCreateThatGcClears() throws Exception {
        String a = unique("orig");
        ok("run", "-d", "--network", "bridge", "--name", a, "-e", "QUILT_IT=" + MARK, "--", "sh", "-c", TICK);
        assertEquals("1", tick(a));
        ok("checkpoint", "--name", "cp", a);
        ok("rm", a);
        List<String> leasesBefore = Leaks.leases(root);
        List<String> linksBefore = Leaks.links(quilt.bridge);

        String b = unique("killed");
        Path run = root.resolve("run");
        Path dir;
        Process cli;
        try (WatchService w = FileSystems.getDefault().newWatchService()) {
            run.register(w, StandardWatchEventKinds.ENTRY_CREATE);
            cli = quilt.start("restore", "--name", b, a + "/cp");
            dir = null;
            while (dir == null) {
                WatchKey key = w.poll(120, TimeUnit.SECONDS); // a deadline for a broken build
                if (key == null) throw new AssertionError("no container directory in " + run + " within 120 s");
                for (var e : key.pollEvents()) {
                    if (e.context() instanceof Path p && p.toString().matches("[0-9a-f]{64}")) dir = run.resolve(p);
                }
                key.reset();
            }
        }
        String id = dir.getFileName().toString();
        // CRIU's log appears as it starts: the CLI is stopped there, so it cannot write the record (it does so only
        // once the monitor reports the restored init, after CRIU), however fast the machine; killing it only once
        // restore.pid was there let a quick CLI write 'running' first
        await(dir, p -> named(p, "restore.log"));
        assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(cli.pid())).start().waitFor());
        // CRIU has restored the tree once its pidfile is there: the CLI dies before it writes the record
        await(dir, p -> named(p, "restore.pid"));
        cli.destroyForcibly().waitFor();
        // the monitor carries on without it: network, pids.json
        await(dir, p -> named(p, "pids.json") || named(p, "exit.json"));

        assertEquals("creating", status(b), "not running: its maker never wrote it so");
        Quilt.Result ps = ok("ps", "-a");
        assertTrue(ps.out().lines().anyMatch(l -> l.contains(b) && l.contains("creating")), ps.out());

        Quilt.Result gc = ok("gc");
        assertTrue(gc.out().contains("removed container " + id), gc.out());
        assertFalse(ok("ps", "-a").out().contains(b));
        assertFalse(Files.exists(dir));
        assertFalse(Files.exists(root.resolve("data/containers").resolve(id)), "its layer");
        assertEquals(leasesBefore, Leaks.leases(root), "its address");
        assertEquals(linksBefore, Leaks.links(quilt.bridge), "its veth");
        assertFalse(Leaks.cgroups(root).stream().anyMatch(c -> c.contains(id)), "its cgroup: " + Leaks.cgroups(root));

        // the checkpoint is whole: a restore now is a ready container that counts on
        String c = unique("again");
        ok("restore", "--name", c, a + "/cp");
        assertEquals("2", tick(c));
        ok("rm", "-f", c);
        ok("checkpoint", "rm", a + "/cp");
    }

    /**
     * Defect 3: {@code checkpoint rm} ran under a restore, which then failed in CRIU. A restore holds a read lock
     * on the checkpoint's {@code .lock} from its check until CRIU is done (held here by the test, as a restore in
     * another process holds it): rm is refused at once in one line; and a restore that comes while a removal holds
     * the write lock finds the checkpoint gone and makes nothing.
     */
    @Test
    void checkpointRmAndARestoreNeverOverlap() throws Exception {
        String a = unique("held");
        String id = ok("run", "-d", "--network", "none", "--name", a, "-e", "QUILT_IT=" + MARK, "--", "sh", "-c",
                TICK).out().strip();
        assertEquals("1", tick(a));
        ok("checkpoint", "--leave-running", "--name", "cp", a);
        ok("checkpoint", "--leave-running", "--name", "cp2", a);
        Path cp = root.resolve("data/checkpoints").resolve(id).resolve("cp");

        // a restore holds it: rm is refused, without waiting
        try (FileChannel ch = FileChannel.open(cp.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE); FileLock held = ch.lock(0, Long.MAX_VALUE, true)) {
            Quilt.Result rm = quilt.run("checkpoint", "rm", a + "/cp");
            assertEquals(1, rm.exit(), rm.err());
            assertEquals("quilt: checkpoint " + a + "/cp is being restored; try again when it is done\n", rm.err());
            assertTrue(Files.isDirectory(cp));
        }
        // the lock file is none of the checkpoint's files: it still restores
        String b = unique("copy");
        ok("restore", "--name", b, a + "/cp");
        assertEquals("2", tick(b));
        ok("rm", "-f", b);
        ok("checkpoint", "rm", a + "/cp");
        assertFalse(Files.exists(cp));

        // the other order: a removal holds the write lock and renames the checkpoint away; a restore meanwhile
        // finds it gone (whether it came before or after the rename), says so, and makes nothing
        Path cp2 = cp.resolveSibling("cp2");
        List<String> before = ok("ps", "-aq").lines();
        String c = unique("late");
        Process restore;
        try (FileChannel ch = FileChannel.open(cp2.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE); FileLock held = ch.lock()) {
            restore = quilt.start("restore", "--name", c, a + "/cp2");
            Path away = cp2.resolveSibling(".tmp-1-1-rm-cp2");
            Files.move(cp2, away, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            dev.quilt.linux.AtomicFiles.deleteTree(away);
        }
        assertTrue(restore.waitFor(120, TimeUnit.SECONDS));
        String err = new String(restore.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, restore.exitValue(), err);
        assertTrue(err.startsWith("quilt: no checkpoint '" + a + "/cp2'"), err);
        assertEquals(before, ok("ps", "-aq").lines(), "nothing made");
        ok("rm", "-f", a);
    }
}
