package dev.quilt.cli;

import dev.quilt.linux.AtomicFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A quilt command SIGKILLed in the middle of its work, at points chosen by
 * events (a file appearing or going), not timers. Wherever the kill lands,
 * the next command sees a consistent status and rm -f / gc remove every trace.
 */
class CrashIT {
    private Path root;
    private Quilt quilt;
    private final String marker = "QUILT_IT=" + UUID.randomUUID();

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-crash-it-");
        quilt = new Quilt(root);
        Quilt.Result first = quilt.run("run", "--rm", "--", "true"); // image, native library, run dir in place
        assertEquals(0, first.exit(), first.err());
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            assertEquals(List.of(), Leaks.killAll(root, marker), "processes left behind");
        } finally {
            List<String> network = quilt.teardown();
            AtomicFiles.deleteTree(root);
            assertEquals(List.of(), network, "network left behind");
        }
    }

    /** Starts quilt and SIGKILLs it once {@code dirOf} holds a new entry named {@code name}. */
    private void killWhen(String name, Path dir, boolean deleted, String... args) throws Exception {
        try (WatchService w = FileSystems.getDefault().newWatchService()) {
            dir.register(w, deleted ? StandardWatchEventKinds.ENTRY_DELETE : StandardWatchEventKinds.ENTRY_CREATE);
            Process cli = quilt.start(args);
            boolean seen = false;
            while (!seen) {
                WatchKey key = w.poll(60, TimeUnit.SECONDS); // a deadline for a broken build, not a wait for anything
                if (key == null) throw new AssertionError("no " + name + " in " + dir + " within 60 s");
                for (WatchEvent<?> e : key.pollEvents()) {
                    if (e.context() != null && (name.isEmpty() || e.context().toString().equals(name))) seen = true;
                }
                key.reset();
            }
            cli.destroyForcibly().waitFor();
        }
    }

    private String onlyContainer() throws Exception {
        List<String> ids = quilt.run("ps", "-a", "-q").lines();
        assertEquals(1, ids.size(), "one container on record: " + ids);
        return ids.get(0);
    }

    /** ps answers and shows a status; rm -f and gc leave nothing. */
    private void consistentThenGone() throws Exception {
        Quilt.Result ps = quilt.run("ps", "-a", "--json");
        assertEquals(0, ps.exit(), ps.err());
        String id = onlyContainer();
        String status = Quilt.field(quilt.run("inspect", id).out(), "status");
        assertTrue(List.of("creating", "created", "running", "stopped").contains(status), status);
        Quilt.Result rm = quilt.run("rm", "-f", id);
        assertEquals(0, rm.exit(), rm.err());
        assertEquals(0, quilt.run("gc").exit());
        assertEquals(List.of(), Leaks.processes(root, marker), "processes left");
        assertEquals(List.of(), Leaks.mountsUnder(root), "mounts left");
        assertEquals(List.of(), Leaks.containers(root), "state or layers left");
        assertEquals(List.of(), Leaks.leases(root), "addresses left");
        assertEquals(List.of(), Leaks.links(quilt.bridge), "veths left");
    }

    @Test
    void killedAsTheAddressIsLeased() throws Exception {
        // set-up's run made the lease directory; the next entry in it is this container's address
        killWhen("", root.resolve("run/.network/leases"), false, "run", "-d", "-e", marker, "--", "sleep", "1000");
        consistentThenGone();
    }

    @Test
    void killedAsTheRecordIsBeingWritten() throws Exception {
        // the first thing create makes is its work directory for the record
        killWhen("", root.resolve("run"), false, "create", "-e", marker, "--", "sleep", "1000");
        List<String> ids = quilt.run("ps", "-a", "-q").lines();
        if (ids.isEmpty()) {
            // killed before the record was renamed into place: only gc's sweep has work
            assertEquals(0, quilt.run("gc").exit());
            assertEquals(List.of(), Leaks.containers(root));
            try (var left = Files.list(root.resolve("run"))) {
                assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList());
            }
            return;
        }
        consistentThenGone();
    }

    @Test
    void killedAsTheMonitorWritesItsPids() throws Exception {
        Path run = root.resolve("run");
        try (WatchService w = FileSystems.getDefault().newWatchService()) {
            run.register(w, StandardWatchEventKinds.ENTRY_CREATE);
            Process cli = quilt.start("run", "-d", "-e", marker, "--", "sleep", "1000");
            Path dir = null;
            while (dir == null) { // the record's work directory comes first, then the renamed container directory
                WatchKey key = w.poll(60, TimeUnit.SECONDS);
                if (key == null) throw new AssertionError("no container directory within 60 s");
                for (WatchEvent<?> e : key.pollEvents()) {
                    String n = String.valueOf(e.context());
                    if (!n.startsWith(".")) dir = run.resolve(n);
                }
                key.reset();
            }
            // now wait, by event, for the monitor's pids.json in that directory, then kill the CLI
            try (WatchService inner = FileSystems.getDefault().newWatchService()) {
                dir.register(inner, StandardWatchEventKinds.ENTRY_CREATE);
                while (!Files.exists(dir.resolve("pids.json"))) {
                    WatchKey k = inner.poll(60, TimeUnit.SECONDS);
                    if (k == null) throw new AssertionError("no pids.json within 60 s");
                    k.pollEvents();
                    k.reset();
                }
            }
            cli.destroyForcibly().waitFor();
        }
        assertEquals("running", Quilt.field(quilt.run("inspect", onlyContainer()).out(), "status"));
        consistentThenGone();
    }

    @Test
    void killedAsStartOpensTheGate() throws Exception {
        String id = quilt.run("create", "-e", marker, "--", "sleep", "1000").out().strip();
        killWhen("exec.fifo", root.resolve("run").resolve(id), true, "start", id);
        assertEquals("running", Quilt.field(quilt.run("inspect", id).out(), "status"));
        consistentThenGone();
    }

    /**
     * A start killed after it opened the gate and the init exec'd, before it removed the fifo or wrote the record
     * (a server SIGKILLed mid-call): the next start must not wait on a fifo no writer will open again.
     */
    @Test
    void aStartKilledPastTheGateIsFinishedByTheNext() throws Exception {
        String id = quilt.run("create", "-e", marker, "--", "sleep", "1000").out().strip();
        Path fifo = root.resolve("run").resolve(id).resolve("exec.fifo");
        // what the dead start did: open the gate and read to its end of file (the init's execve)
        try (java.io.InputStream gate = Files.newInputStream(fifo)) {
            assertEquals("0", new String(gate.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII));
        }
        assertTrue(Files.exists(fifo), "the dead start's fifo is still there");
        Quilt.Result start = quilt.run("start", id);
        assertEquals(0, start.exit(), start.err());
        assertEquals("running", Quilt.field(quilt.run("inspect", id).out(), "status"));
        consistentThenGone();
    }

    @Test
    void killedAsRmFindsTheExit() throws Exception {
        String id = quilt.run("run", "-d", "-e", marker, "--", "sleep", "1000").out().strip();
        killWhen("exit.json", root.resolve("run").resolve(id), false, "rm", "-f", id);
        Quilt.Result again = quilt.run("ps", "-a", "-q");
        if (again.lines().isEmpty()) {
            assertEquals(List.of(), Leaks.containers(root)); // rm got all the way
            return;
        }
        assertEquals("stopped", Quilt.field(quilt.run("inspect", id).out(), "status"));
        consistentThenGone();
    }
}
