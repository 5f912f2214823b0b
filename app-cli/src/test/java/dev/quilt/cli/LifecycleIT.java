package dev.quilt.cli;

import dev.quilt.linux.AtomicFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Detached containers, their monitor, and the OCI lifecycle verbs, end to end as root. */
class LifecycleIT {
    private Path root;
    private Quilt quilt;
    private final String marker = "QUILT_IT=" + UUID.randomUUID();

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createTempDirectory("quilt-life-it-");
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

    private String ok(Quilt.Result r) {
        assertEquals(0, r.exit(), r.err());
        return r.out().strip();
    }

    private String detached(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("run", "-d", "-e", marker));
        all.addAll(List.of(args));
        return ok(quilt.run(all.toArray(String[]::new)));
    }

    @Test
    void runDetachedKillWaitRemove() throws Exception {
        String id = detached();
        assertTrue(id.matches("[0-9a-f]{64}"), id);
        String ps = ok(quilt.run("ps"));
        assertTrue(ps.contains(id.substring(0, 12)) && ps.contains("running") && ps.contains("(quilt-init)"), ps);
        ok(quilt.run("kill", id, "TERM"));
        assertEquals("143", ok(quilt.run("wait", id)));
        ok(quilt.run("kill", id)); // exited already: still success
        assertTrue(ok(quilt.run("ps", "-a")).contains("exited (143)"));
        assertFalse(ok(quilt.run("ps")).contains(id.substring(0, 12)), "ps without -a hides stopped ones");
        assertEquals(id, ok(quilt.run("rm", id)));
        assertEquals(List.of(), Leaks.containers(root));
    }

    @Test
    void theExitCodeOutlivesTheCliThatStartedIt() throws Exception {
        // the CLI is SIGKILLed as soon as it has printed the ID: the monitor, not the CLI, records the exit
        Process cli = quilt.start("run", "-d", "-e", marker, "--", "sh", "-c", "sleep 1; exit 3");
        String id = new String(cli.getInputStream().readNBytes(64));
        cli.destroyForcibly().waitFor();
        assertEquals("3", ok(quilt.run("wait", id)));
        assertEquals("3", ok(quilt.run("wait", id)), "waiting again answers the same");
        assertTrue(ok(quilt.run("ps", "-a")).contains("exited (3)"));

        Process killed = quilt.start("run", "-d", "-e", marker, "--", "sleep", "1000");
        String other = new String(killed.getInputStream().readNBytes(64));
        killed.destroyForcibly().waitFor();
        assertEquals("running", Quilt.field(ok(quilt.run("inspect", other)), "status"));
        ok(quilt.run("kill", other, "KILL"));
        assertEquals("137", ok(quilt.run("wait", other)));
    }

    @Test
    void createRunsNothingUntilStart() throws Exception {
        String id = ok(quilt.run("create", "--name", "gated", "-e", marker, "--", "sh", "-c", "echo ran > /marker; exit 4"));
        Path upper = root.resolve("data/containers").resolve(id).resolve("upper");
        assertEquals("created", Quilt.field(ok(quilt.run("inspect", "gated")), "status"));
        assertFalse(Files.exists(upper.resolve("marker")), "the command ran before start");
        ok(quilt.run("start", "gated"));
        assertEquals("4", ok(quilt.run("wait", "gated")));
        assertEquals("ran\n", Files.readString(upper.resolve("marker")));
        Files.delete(upper.resolve("marker"));
        // an exited one is started again on its own layer, as docker's start (RestartIT)
        ok(quilt.run("start", "gated"));
        assertEquals("4", ok(quilt.run("wait", "gated")));
        assertEquals("ran\n", Files.readString(upper.resolve("marker")));
    }

    @Test
    void anExecThatFailsAtStartIsReportedByStart() throws Exception {
        String id = ok(quilt.run("create", "-e", marker, "--", "/bin/nosuch"));
        Quilt.Result r = quilt.run("start", id.substring(0, 10));
        assertEquals(127, r.exit());
        assertEquals("quilt: exec \"/bin/nosuch\": no such file or directory\n", r.err());
        String json = ok(quilt.run("inspect", id));
        assertEquals("stopped", Quilt.field(json, "status"));
        assertTrue(json.contains("\"exitCode\" : 127"), json);
    }

    @Test
    void logsKeepTheStreamsApartAndFollowToTheEnd() throws Exception {
        String id = ok(quilt.run("create", "-e", marker, "--", "sh", "-c", "echo out1; echo err1 >&2; printf tail"));
        Process follow = quilt.start("logs", "-f", id); // started before the container: follows it to its end
        ok(quilt.run("start", id));
        assertEquals(0, follow.waitFor());
        assertEquals("out1\ntail", new String(follow.getInputStream().readAllBytes()));
        assertEquals("err1\n", new String(follow.getErrorStream().readAllBytes()));
        Quilt.Result again = quilt.run("logs", id);
        assertEquals("out1\ntail", again.out());
        assertEquals("err1\n", again.err());
    }

    @Test
    void stopSendsTermThenKillAtTheDeadline() throws Exception {
        String polite = detached("--init", "--", "sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait");
        ok(quilt.run("stop", "-t", "30", polite));
        assertEquals("0", ok(quilt.run("wait", polite)));
        String deaf = detached("--", "sleep", "1000"); // pid 1 without a handler ignores TERM
        ok(quilt.run("stop", "-t", "1", deaf));
        assertEquals("137", ok(quilt.run("wait", deaf)));
        ok(quilt.run("stop", deaf)); // stopped already: fine
    }

    @Test
    void rmRefusesARunningContainerWithoutForce() throws Exception {
        String id = detached("--name", "busy");
        Quilt.Result r = quilt.run("rm", "busy");
        assertEquals(1, r.exit());
        assertEquals("quilt: container 'busy' is running; stop it first or use --force\n", r.err());
        assertEquals(id, ok(quilt.run("rm", "-f", "busy")));
        assertEquals(List.of(), Leaks.processes(root, marker));
    }

    @Test
    void namesAreUniqueAndPrefixesMustBeUnambiguous() throws Exception {
        String a = detached("--name", "one");
        Quilt.Result dup = quilt.run("run", "-d", "--name", "one");
        assertEquals(125, dup.exit());
        assertTrue(dup.err().startsWith("quilt: the name 'one' is in use by container"), dup.err());
        assertEquals("running", Quilt.field(ok(quilt.run("inspect", a.substring(0, 5))), "status"));
        Quilt.Result none = quilt.run("inspect", "zzz");
        assertEquals("quilt: no container 'zzz'; 'quilt ps -a' lists them\n", none.err());
        Quilt.Result badSignal = quilt.run("kill", a, "NOPE");
        assertEquals(1, badSignal.exit());
        assertTrue(badSignal.err().startsWith("quilt: invalid signal 'NOPE'"), badSignal.err());
    }

    @Test
    void quiltInitReapsOrphanedZombies() throws Exception {
        // 50 double-forked children exit; their parent is gone, so pid 1 must reap them
        String script = "for i in $(seq 50); do (sh -c 'exit 0' &); done; "
                + "z=50; for i in $(seq 10000); do z=$(grep -l '^State:.*Z' /proc/[0-9]*/status 2>/dev/null | wc -l); "
                + "[ $z = 0 ] && break; done; echo zombies=$z; ls /proc | grep -c '^[0-9]'";
        String id = detached("--init", "--", "sh", "-c", script + "; sleep 1000");
        Process follow = quilt.start("logs", "-f", id);
        ok(quilt.run("kill", id, "KILL"));
        follow.waitFor();
        String out = new String(follow.getInputStream().readAllBytes());
        assertTrue(out.startsWith("zombies=0\n"), out);
    }

    @Test
    void twentyConcurrentRunsGetDistinctIds() throws Exception {
        List<Process> clis = new ArrayList<>();
        // twenty JVMs at once on two cores: what is tested is the ids, not the speed (10 s was missed under load)
        for (int i = 0; i < 20; i++) clis.add(quilt.start("run", "-d", "--ready-timeout", "90s", "-e", marker));
        HashSet<String> ids = new HashSet<>();
        for (Process p : clis) {
            String id = new String(p.getInputStream().readAllBytes()).strip();
            assertEquals(0, p.waitFor(), new String(p.getErrorStream().readAllBytes()));
            ids.add(id);
        }
        assertEquals(20, ids.size());
        assertEquals(20, quilt.run("ps", "-q").lines().size());
    }
}
