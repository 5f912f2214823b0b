package dev.quilt.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The persist policy on the real kernel with the real CRIU (issue 16, item 7 and acceptance item 2's persist
 * sentence): {@code rm} of a running persisted container checkpoints it, the next {@code run --persist} of the name
 * restores it and counts on; a damaged checkpoint makes that create fall back fresh and say why (stderr and
 * {@code inspect}), leaving nothing of the failed restore; a checkpoint that cannot be made is a warning and the
 * container goes anyway. The workload counts one number per {@link #tick} (a fifo hand-off, no timing).
 */
class PersistIT {
    private static Path root;
    private static Quilt quilt;
    private static final String MARK = UUID.randomUUID().toString();
    private static final String TICK = "[ -p /tmp/tick ] || mkfifo /tmp/tick /tmp/ack; i=$(cat /tmp/n 2>/dev/null || echo 0);"
            + " exec 3>>/tmp/log; while true; do i=$((i+1)); echo $i >&3; echo $i > /tmp/tick; read ack < /tmp/ack; done";

    @BeforeAll
    static void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-persist-it-");
        quilt = new Quilt(root);
    }

    @AfterAll
    static void tearDown() throws Exception {
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

    private static Quilt.Result up(String name) throws Exception {
        return ok("run", "-d", "--persist", "--network", "none", "--name", name, "-e", "QUILT_IT=" + MARK, "--", "sh",
                "-c", TICK);
    }

    private static String tick(String name) throws Exception {
        return ok("exec", name, "sh", "-c", "cat /tmp/tick; echo > /tmp/ack").out().strip();
    }

    private static List<String> checkpoints(String name) throws Exception {
        return ok("checkpoint", "ls").lines().stream().skip(1).map(l -> l.split("\\s+")[0])
                .filter(r -> r.startsWith(name + "/")).toList();
    }

    /** Removes every checkpoint taken of containers named {@code name}, by ID (a name may be several containers'). */
    private static void dropCheckpoints(String name) throws Exception {
        for (String l : ok("checkpoint", "ls").lines().stream().skip(1).toList()) {
            String[] f = l.split("\\s+");
            if (f[0].startsWith(name + "/")) ok("checkpoint", "rm", f[1] + "/" + f[0].substring(name.length() + 1));
        }
    }

    private static long layers() throws Exception {
        Path dir = root.resolve("data/containers");
        if (!Files.isDirectory(dir)) return 0;
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void aPersistedCounterSurvivesRmAndRunOfTheSameName() throws Exception {
        String a = unique("counter");
        Quilt.Result first = up(a);
        assertEquals("", first.err(), "no checkpoint yet: a first create is no failure");
        String view = ok("inspect", a).out();
        assertEquals("fresh", Quilt.field(view, "path"));
        assertEquals("no checkpoint of '" + a + "'", Quilt.field(view, "reason"));
        assertEquals("1", tick(a));
        assertEquals("2", tick(a));

        Quilt.Result rm = ok("rm", a); // no -f: persisted, it is checkpointed and goes
        assertEquals("", rm.err());
        assertEquals(1, checkpoints(a).size(), "one checkpoint of it");
        assertTrue(ok("ps", "-aq").lines().isEmpty(), "removed");

        Quilt.Result again = up(a);
        assertEquals("", again.err(), "restored: nothing to warn of");
        assertEquals("3", tick(a), "it counts on from where it was");
        assertEquals(List.of("1", "2", "3", "4"), ok("exec", a, "cat", "/tmp/log").lines(),
                "its open file too (the loop wrote 4 and waits to hand it over)");
        view = ok("inspect", a).out();
        assertEquals("restore", Quilt.field(view, "path"));
        assertEquals(checkpoints(a).get(0), Quilt.field(view, "from"));

        // and once more: the newest checkpoint is the one taken
        ok("rm", a);
        assertEquals(2, checkpoints(a).size());
        up(a);
        assertEquals("4", tick(a));
        ok("rm", "-f", a);
        assertEquals(3, checkpoints(a).size(), "rm -f of a running persisted container checkpoints it too");
        dropCheckpoints(a);
    }

    /**
     * After a persist cycle (the name's container removed and made again: a new ID), what {@code checkpoint} prints
     * is a reference restore, rm and ls take; a restore under another name is not persisted; {@code ls} of nothing
     * and {@code rm} of a missing one are refused, the other removed; {@code --persist -v} is refused at create.
     */
    @Test
    void afterAPersistCycleEveryPrintedReferenceWorks() throws Exception {
        String a = unique("cycle");
        up(a);
        assertEquals("1", tick(a));
        ok("rm", a); // checkpointed: its first container's
        up(a); // restored: a new ID, the same name
        assertEquals("2", tick(a));
        String printed = ok("checkpoint", "--leave-running", "--name", "flip", a).out().strip();
        assertEquals(a + "/flip", printed);
        List<String> listed = ok("checkpoint", "ls", a).lines();
        assertEquals(3, listed.size(), "the header and both containers' checkpoints: " + listed);
        assertTrue(listed.get(0).contains("NOT HASHED"), listed.get(0));

        String zz = unique("zz");
        ok("restore", "--name", zz, printed);
        assertTrue(ok("inspect", zz).out().contains("\"quilt.restored-from\""));
        assertTrue(!ok("inspect", zz).out().contains("quilt.persist"), "not persisted: " + ok("inspect", zz).out());
        assertTrue(!ok("inspect", zz).out().contains("quilt.restored.path"), "no path of the original's");
        assertEquals("", ok("rm", "-f", zz).err());
        Quilt.Result none = quilt.run("checkpoint", "ls", zz);
        assertEquals(1, none.exit(), "its rm made no checkpoint: " + none.out());
        assertEquals("", none.out(), "refused before the header");
        assertEquals("quilt: no container or checkpoints called '" + zz + "'; 'quilt checkpoint ls' lists every"
                + " checkpoint", none.err().strip());

        Quilt.Result rm = quilt.run("checkpoint", "rm", a + "/nosuch", printed);
        assertEquals(1, rm.exit(), rm.err());
        assertEquals(List.of(printed), rm.out().lines().toList(), "the second is removed all the same");
        assertEquals(List.of("quilt: no checkpoint '" + a + "/nosuch'; see 'quilt checkpoint ls'"),
                rm.err().lines().toList());

        Quilt.Result bind = quilt.run("run", "-d", "--persist", "--network", "none", "--name", unique("bind"),
                "-v", "/tmp:/data", "--", "true");
        assertTrue(bind.exit() != 0, bind.err());
        assertEquals("quilt: --persist (label quilt.persist=true) cannot go with the bind mount -v /tmp:/data: a"
                + " container with bind mounts from the host cannot be checkpointed; drop one of them",
                bind.err().strip());

        ok("rm", "-f", a);
        dropCheckpoints(a);
    }

    @Test
    void aDamagedCheckpointMakesTheCreateFreshAndSaysWhy() throws Exception {
        String a = unique("damaged");
        up(a);
        assertEquals("1", tick(a));
        ok("rm", a);
        String ref = checkpoints(a).get(0);
        Path dir;
        try (Stream<Path> s = Files.walk(root.resolve("data/checkpoints"), 2)) {
            dir = s.filter(p -> p.getFileName().toString().equals(ref.substring(ref.indexOf('/') + 1)))
                    .findFirst().orElseThrow();
        }
        Path layer = dir.resolve("rootfs-diff.tar");
        byte[] b = Files.readAllBytes(layer);
        b[b.length / 2] ^= 1;
        Files.write(layer, b);

        Quilt.Result made = up(a);
        List<String> err = made.err().lines().toList();
        assertEquals(1, err.size(), made.err());
        assertTrue(err.get(0).startsWith("warning: restore of " + ref + " failed ("), err.get(0));
        assertTrue(err.get(0).endsWith("); created fresh"), err.get(0));
        assertTrue(err.get(0).contains("rootfs-diff.tar"), "the reason names the damaged file: " + err.get(0));
        assertEquals("1", tick(a), "a fresh count");
        String view = ok("inspect", a).out();
        assertEquals("fresh", Quilt.field(view, "path"));
        assertEquals(ref, Quilt.field(view, "from"));
        assertTrue(Quilt.field(view, "reason").contains("rootfs-diff.tar"), view);
        assertEquals(1, ok("ps", "-aq").lines().size(), "nothing of the failed restore is left");
        assertEquals(1, layers(), "one layer: the fresh container's");
        ok("rm", "-f", a);
        dropCheckpoints(a);
        assertTrue(checkpoints(a).isEmpty());
    }

    @Test
    void aCheckpointThatCannotBeMadeIsAWarningAndTheContainerGoes() throws Exception {
        String a = unique("nocriu");
        up(a);
        quilt.env.put("QUILT_CRIU", root.resolve("no-such-criu").toString());
        try {
            Quilt.Result rm = ok("rm", a);
            assertTrue(rm.err().startsWith("warning: checkpoint of persisted container '" + a + "' failed ("),
                    rm.err());
            assertTrue(rm.err().strip().endsWith("); removing it anyway"), rm.err());
            assertEquals(1, rm.err().lines().count(), rm.err());
        } finally {
            quilt.env.remove("QUILT_CRIU");
        }
        assertTrue(ok("ps", "-aq").lines().isEmpty(), "removed all the same");
        assertTrue(checkpoints(a).isEmpty());
    }

    @Test
    void refusalsAreOneLineAndMakeNothing() throws Exception {
        String[][] cases = {
                {"quilt: --persist needs -d: a persisted container may come back restored, and a restored one runs"
                        + " detached", "run", "--persist", "--network", "none", "--name", "p1", "--", "true"},
                {"quilt: --persist needs --name: the next run or create finds the checkpoint by name", "run", "-d",
                        "--persist", "--network", "none", "--", "true"},
                {"quilt: --persist and --label quilt.persist=false contradict each other", "run", "-d", "--persist",
                        "--label", "quilt.persist=false", "--network", "none", "--name", "p2", "--", "true"},
                {"quilt: label quilt.persist='maybe' must be true or false", "create", "--label",
                        "quilt.persist=maybe", "--network", "none", "--name", "p3", "--", "true"},
                {"quilt: label quilt.persist=true needs a container name: the next create finds the checkpoint by"
                        + " name", "create", "--label", "quilt.persist=true", "--network", "none", "--", "true"},
        };
        for (String[] c : cases) {
            Quilt.Result r = quilt.run(java.util.Arrays.copyOfRange(c, 1, c.length));
            assertEquals(c[0] + "\n", r.err());
            assertTrue(r.exit() != 0);
        }
        assertTrue(ok("ps", "-aq").lines().isEmpty(), "nothing made");
    }
}
