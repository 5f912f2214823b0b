package dev.quilt.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code quilt pause}/{@code unpause} on the real kernel (this hybrid host pauses
 * with its cgroup2 tree's {@code cgroup.freeze}). The container spins in a shell
 * loop that makes no system call, so while it runs its state in
 * {@code /proc/PID/stat} is always R; frozen, it is not, and the kernel's
 * {@code cgroup.events} says {@code frozen 1}. No timing is asserted.
 */
class PauseIT {
    private static Path root;
    private static Quilt quilt;
    private static final String MARK = UUID.randomUUID().toString();
    private static final String SPIN = "while :; do :; done";

    @BeforeAll
    static void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-pause-it-");
        quilt = new Quilt(root);
    }

    @AfterAll
    static void tearDown() throws Exception {
        quilt.close(MARK);
    }

    private static String up(String name, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--network", "none", "--name", name, "-e",
                "QUILT_IT=" + MARK, "--"));
        args.addAll(List.of(command));
        Quilt.Result r = quilt.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        return r.out().strip();
    }

    private static String inspect(String name) throws Exception {
        Quilt.Result r = quilt.run("inspect", name);
        assertEquals(0, r.exit(), r.err());
        return r.out();
    }

    private static long pid(String name) throws Exception {
        var m = java.util.regex.Pattern.compile("\"pid\" : (\\d+)").matcher(inspect(name));
        assertTrue(m.find());
        return Long.parseLong(m.group(1));
    }

    /** The one-letter state of /proc/PID/stat (after the command's name in parentheses). */
    private static String state(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    }

    /** The container's directory in the cgroup2 tree, from its init's /proc/PID/cgroup ("0::/path"). */
    private static Path unifiedCgroup(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            if (line.startsWith("0::")) return Path.of("/sys/fs/cgroup/unified" + line.substring(3));
        }
        throw new AssertionError("no cgroup2 line for " + pid);
    }

    private static void rm(String name) throws Exception {
        Quilt.Result r = quilt.run("rm", "-f", name);
        assertEquals(0, r.exit(), r.err());
    }

    @Test
    void pauseFreezesTheSpinningProcessAndUnpauseLetsItRunOn() throws Exception {
        up("spin", "sh", "-c", SPIN);
        try {
            long pid = pid("spin");
            assertEquals("R", state(pid), "a loop without system calls is always runnable");
            Quilt.Result p = quilt.run("pause", "spin");
            assertEquals(0, p.exit(), p.err());
            assertEquals("spin\n", p.out(), "docker prints each container paused");
            assertEquals("paused", Quilt.field(inspect("spin"), "status"));
            assertTrue(quilt.run("ps").out().lines().anyMatch(l -> l.contains(" spin ") && l.contains(" paused ")),
                    "ps shows it on its own row");
            Quilt.Result json = quilt.run("ps", "--json");
            assertEquals(0, json.exit(), json.err());
            assertTrue(json.out().replaceAll("\\s+", "").contains("\"status\":\"paused\""), json.out());
            Quilt.Result gone = quilt.run("ps", "-a", "--json");
            assertTrue(gone.out().replaceAll("\\s+", "").contains("\"status\":\"paused\""), "and with -a");
            assertTrue(Files.readString(unifiedCgroup(pid).resolve("cgroup.events")).contains("frozen 1"));
            assertFalse(state(pid).equals("R"), "frozen, the loop does not run");

            Quilt.Result u = quilt.run("unpause", "spin");
            assertEquals(0, u.exit(), u.err());
            assertEquals("running", Quilt.field(inspect("spin"), "status"));
            assertEquals("R", state(pid), "thawed, it runs on");
        } finally {
            rm("spin");
        }
    }

    @Test
    void refusalsAreOneLineAndChangeNothing() throws Exception {
        up("busy", "sh", "-c", SPIN);
        Quilt.Result created = quilt.run("create", "--network", "none", "--name", "fresh", "-e", "QUILT_IT=" + MARK,
                "--", "true");
        assertEquals(0, created.exit(), created.err());
        try {
            Quilt.Result r = quilt.run("unpause", "busy");
            assertEquals(1, r.exit());
            assertEquals("quilt: container 'busy' is running, not paused; there is nothing to resume\n", r.err());
            r = quilt.run("pause", "fresh");
            assertEquals(1, r.exit());
            assertEquals("quilt: container 'fresh' is created, not running; only a running container can be paused\n", r.err());
            assertEquals("created", Quilt.field(inspect("fresh"), "status"));
            assertEquals(0, quilt.run("pause", "busy").exit());
            r = quilt.run("pause", "busy");
            assertEquals(1, r.exit());
            assertEquals("quilt: container 'busy' is already paused\n", r.err());
            r = quilt.run("exec", "busy", "--", "true");
            assertEquals(1, r.exit());
            assertEquals("quilt: container 'busy' is paused; exec needs a running one (quilt unpause busy)\n", r.err());
            r = quilt.run("rm", "busy");
            assertEquals(1, r.exit());
            assertEquals("quilt: container 'busy' is paused; stop it first or use --force\n", r.err());
            r = quilt.run("pause", "nosuch");
            assertEquals(1, r.exit());
            assertEquals("quilt: no container 'nosuch'; 'quilt ps -a' lists them\n", r.err());
        } finally {
            rm("busy"); // rm -f of a paused container: Quilt.close fails on any cgroup left
            rm("fresh");
        }
    }

    @Test
    void sigkillEndsAPausedContainer() throws Exception {
        up("frozen", "sh", "-c", SPIN);
        try {
            assertEquals(0, quilt.run("pause", "frozen").exit());
            Quilt.Result k = quilt.run("kill", "frozen", "KILL");
            assertEquals(0, k.exit(), k.err());
            Quilt.Result w = quilt.run("wait", "frozen");
            assertEquals("137", w.out().strip(), w.err());
            assertEquals("stopped", Quilt.field(inspect("frozen"), "status"));
        } finally {
            rm("frozen");
        }
    }

    @Test
    void stopEndsAPausedContainerWithItsSigterm() throws Exception {
        up("term", "sh", "-c", "trap 'exit 7' TERM; " + SPIN);
        try {
            assertEquals(0, quilt.run("pause", "term").exit());
            Quilt.Result s = quilt.run("stop", "term");
            assertEquals(0, s.exit(), s.err());
            Quilt.Result w = quilt.run("wait", "term");
            assertEquals("7", w.out().strip(), "thawed after its SIGTERM, it ran its trap: " + w.err());
        } finally {
            rm("term");
        }
    }
}
