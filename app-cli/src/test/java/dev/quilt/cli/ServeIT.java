package dev.quilt.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code quilt serve} as a process on the real kernel: one server per root, a dead server's socket reclaimed, a
 * file Quilt did not make left alone, SIGTERM and SIGINT stop it cleanly while containers run on and the next
 * server serves them, the socket's mode and group, and the peer in the request log. The wire-level behaviour of the
 * core (keep-alive, malformed requests, bodies, hijack, hang-ups, concurrency) is {@code ApiServerTest}'s.
 */
class ServeIT {
    /** A marker no other process has (not the class name: maven's own environment names the test it runs). */
    static final String MARK = "QUILT_IT=" + java.util.UUID.randomUUID();
    static Path root;
    static Quilt quilt;

    @BeforeAll
    static void up() throws Exception {
        root = Files.createTempDirectory("quilt-serve-it");
        quilt = new Quilt(root);
        quilt.env.put("QUILT_IT", MARK.substring(MARK.indexOf('=') + 1));
    }

    @AfterAll
    static void down() throws Exception {
        quilt.close(MARK);
    }

    private static Path socket() {
        return root.resolve("run").resolve("quilt.sock");
    }

    @Test
    void aSecondServerOnTheSameRootExits1NamingTheFirstsPid() throws Exception {
        try (Served first = Served.start(quilt, root)) {
            Quilt.Result second = quilt.run("serve");
            assertEquals(1, second.exit(), second.err());
            assertTrue(second.err().contains("(pid " + first.pid() + ")"), second.err());
            assertEquals(1, second.err().strip().lines().count(), "one line: " + second.err());
            assertEquals(200, first.client().get("/_ping").status(), "the first one serves on");
            assertEquals(0, first.stop());
        }
    }

    @Test
    void aKilledServersSocketIsReclaimedByTheNext() throws Exception {
        try (Served crashed = Served.start(quilt, root)) {
            crashed.kill();
        }
        assertTrue(Files.exists(socket(), LinkOption.NOFOLLOW_LINKS), "SIGKILL leaves the socket behind");
        try (Served next = Served.start(quilt, root)) {
            assertEquals(200, next.client().get("/_ping").status());
            assertEquals(next.pid() + "", Files.readString(root.resolve("run/.serve.pid")).strip());
            assertEquals(0, next.stop());
        }
        assertFalse(Files.exists(socket(), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(root.resolve("run/.serve.pid")), "a clean stop removes its pid file");
    }

    @Test
    void aRegularFileAtTheSocketPathIsRefusedAndLeftAlone() throws Exception {
        Files.createDirectories(socket().getParent());
        Files.writeString(socket(), "not quilt's\n");
        try {
            Quilt.Result r = quilt.run("serve");
            assertEquals(1, r.exit(), r.err());
            assertTrue(r.err().contains("is not a socket"), r.err());
            assertEquals("not quilt's\n", Files.readString(socket()), "the file is left as it was");
        } finally {
            Files.deleteIfExists(socket());
        }
        try (Served s = Served.start(quilt, root)) {
            assertEquals(200, s.client().get("/_ping").status(), "the refusal left no lock behind");
        }
    }

    @Test
    void sigtermAndSigintStopCleanlyAndContainersRunOnForTheNextServer() throws Exception {
        String name = "survivor-" + Long.toHexString(System.nanoTime());
        Quilt.Result run = quilt.run("run", "-d", "--network", "none", "--name", name, "-e", MARK, "--",
                "sleep", "infinity");
        assertEquals(0, run.exit(), run.err());
        try {
            for (String signal : new String[] {"TERM", "INT"}) {
                try (Served s = Served.start(quilt, root)) {
                    assertEquals(1, s.client().get("/v1.41/info").json().get("ContainersRunning").asInt());
                    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(s.pid())).start();
                    assertEquals(0, kill.waitFor());
                    assertEquals(0, s.exited("SIG" + signal), "SIG" + signal + ": " + s.log());
                    assertTrue(s.awaitLine(l -> l.contains("stopped; containers keep running"), 60), s.log());
                    assertFalse(Files.exists(socket(), LinkOption.NOFOLLOW_LINKS), "SIG" + signal + " removes the socket");
                }
                Quilt.Result inspect = quilt.run("inspect", name);
                assertEquals(0, inspect.exit(), inspect.err());
                assertEquals("running", Quilt.field(inspect.out(), "status"), "after SIG" + signal);
            }
            try (Served again = Served.start(quilt, root)) {
                assertEquals(1, again.client().get("/v1.41/info").json().get("ContainersRunning").asInt(),
                        "a new server sees the container");
            }
        } finally {
            quilt.run("rm", "-f", name);
        }
    }

    /**
     * A stop in flight when SIGTERM comes finishes: the container traps SIGTERM (writing a file in a bind mount the
     * test watches with inotify: the event that says the call is in flight, inside its {@code t}), so docker's stop
     * waits out {@code t} and then kills; the server answers it, then exits 0.
     */
    @Test
    void aCallInFlightAtSigtermFinishesWithinTheGrace() throws Exception {
        Path signal = Files.createTempDirectory("quilt-serve-it-signal");
        String name = "trapper-" + Long.toHexString(System.nanoTime());
        try (java.nio.file.WatchService watch = signal.getFileSystem().newWatchService()) {
            signal.register(watch, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE);
            Quilt.Result run = quilt.run("run", "-d", "--network", "none", "--name", name, "-e", MARK,
                    "-v", signal + ":/signal", "--", "sh", "-c",
                    "trap 'touch /signal/term' TERM; while :; do sleep 1000 & wait $!; done");
            assertEquals(0, run.exit(), run.err());
            try (Served s = Served.start(quilt, root, "--grace", "120")) {
                java.util.concurrent.CompletableFuture<ApiClient.Response> stop =
                        java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                            try {
                                return s.client().post("/v1.41/containers/" + name + "/stop?t=5");
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        });
                java.nio.file.WatchKey key = watch.poll(120, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(key != null && Files.exists(signal.resolve("term")), "the container got stop's SIGTERM");
                Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(s.pid())).start();
                assertEquals(0, kill.waitFor());
                assertEquals(204, stop.get(120, java.util.concurrent.TimeUnit.SECONDS).status(), s.log());
                assertEquals(0, s.exited("SIGTERM"), s.log());
                assertFalse(s.log().contains("were cut off"), s.log());
            }
        } finally {
            quilt.run("rm", "-f", name);
            Files.deleteIfExists(signal.resolve("term"));
            Files.deleteIfExists(signal);
        }
    }

    @Test
    void theSocketIs0660AndBelongsToTheGroupAsked() throws Exception {
        String group = "qt" + Long.toHexString(System.nanoTime() & 0xffffffL);
        assertEquals(0, Quilt.sh("groupadd " + group));
        try {
            try (Served s = Served.start(quilt, root, "--group", group)) {
                PosixFileAttributes a = Files.readAttributes(socket(), PosixFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                assertEquals("rw-rw----", PosixFilePermissions.toString(a.permissions()));
                assertEquals(group, a.group().getName());
                assertEquals("root", a.owner().getName());
            }
        } finally {
            assertEquals(0, Quilt.sh("groupdel " + group));
        }
        boolean quiltGroup = Quilt.sh("getent group quilt") == 0;
        try (Served s = Served.start(quilt, root)) {
            PosixFileAttributes a = Files.readAttributes(socket(), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            assertEquals("rw-rw----", PosixFilePermissions.toString(a.permissions()));
            assertEquals(quiltGroup ? "quilt" : "root", a.group().getName(), "group quilt if it exists, else root's");
        }
        Quilt.Result nosuch = quilt.run("serve", "--group", "qt-no-such-group");
        assertNotEquals(0, nosuch.exit());
        assertTrue(nosuch.err().contains("--group qt-no-such-group: no such group"), nosuch.err());
        assertFalse(Files.exists(socket(), LinkOption.NOFOLLOW_LINKS), "no socket left open to everyone's default");
    }

    @Test
    void theRequestLogNamesThePeersPidAndUid() throws Exception {
        try (Served s = Served.start(quilt, root)) {
            assertEquals(200, s.client().get("/v1.41/version").status());
            String me = "pid=" + ProcessHandle.current().pid() + " uid=0 ";
            assertTrue(s.awaitLine(l -> l.contains(me) && l.contains("GET /v1.41/version 200"), 60), s.log());
            assertEquals(0, s.stop());
        }
    }

    @Test
    void helpSaysWhatTheServerDoes() throws Exception {
        Quilt.Result help = quilt.run("serve", "--help");
        assertEquals(0, help.exit(), help.err());
        String text = help.out().toLowerCase(java.util.Locale.ROOT);
        for (String word : new String[] {"--socket", "--group", "sigterm", "0660", "--grace"}) {
            assertTrue(text.contains(word), word + " in: " + help.out());
        }
        assertTrue(text.contains("one server per root"), help.out());
    }
}
