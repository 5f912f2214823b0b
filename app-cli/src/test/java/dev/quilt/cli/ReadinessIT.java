package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quilt.linux.AtomicFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
 * The readiness chain through the CLI: run -d returns once exec works and the
 * health check passes; a container that does not make it by the deadline is
 * removed, naming the phase; health checks by hand with {@code quilt health}.
 */
class ReadinessIT {
    private Path root;
    private Quilt quilt;
    private final String mark = UUID.randomUUID().toString();

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-ready-it-");
        quilt = new Quilt(root);
    }

    @AfterEach
    void tearDown() throws Exception {
        List<String> problems = quilt.teardown();
        List<String> killed = Leaks.killAll(root, mark);
        AtomicFiles.deleteTree(root);
        assertEquals(List.of(), killed, "processes outlived the test");
        assertEquals(List.of(), problems, "left behind");
    }

    private Quilt.Result run(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        if (args[0].equals("run") || args[0].equals("create")) all.addAll(1, List.of("-e", "QUILT_IT=" + mark));
        return quilt.run(all.toArray(String[]::new));
    }

    private JsonNode inspect(String ref) throws Exception {
        Quilt.Result r = run("inspect", ref);
        assertEquals(0, r.exit(), r.err());
        return new ObjectMapper().readTree(r.out());
    }

    private static List<String> phases(JsonNode c) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : c.get("readiness")) out.add(p.get("phase").asText() + (p.get("skipped").asBoolean() ? "-" : ""));
        return out;
    }

    /** Nothing of a container that was removed: no record, process, cgroup, lease or link. */
    private void nothingLeft() throws Exception {
        assertEquals(List.of(), run("ps", "-aq").lines());
        assertEquals(List.of(), Leaks.containers(root));
        assertEquals(List.of(), Leaks.processes(root, mark));
        assertEquals(List.of(), Leaks.cgroups(root));
        assertEquals(List.of(), Leaks.leases(root));
        assertEquals(List.of(), Leaks.links(quilt.bridge));
        assertEquals(List.of(), Leaks.mountsUnder(root));
    }

    @Test
    void runDetachedReturnsOnlyOnceTheHealthCheckPasses() throws Exception {
        // the file comes a while after the command starts; the check fails until then
        Quilt.Result r = run("run", "-d", "--network", "none", "--name", "late", "--health-check", "test -f /tmp/ok",
                "--", "sh", "-c", "sleep 1; touch /tmp/ok; exec sleep 2147483647");
        assertEquals(0, r.exit(), r.err());
        assertEquals(0, run("exec", "late", "--", "test", "-f", "/tmp/ok").exit(), "returned before the file existed");
        JsonNode c = inspect("late");
        assertEquals(List.of("spawned", "network-", "exec", "healthy"), phases(c));
        assertEquals("healthy", c.get("health").get("status").asText());
        assertEquals(0, c.get("health").get("failingStreak").asInt());
        assertEquals(0, c.get("health").get("last").get("exitCode").asInt());
    }

    @Test
    void aCheckThatNeverPassesFailsAtTheDeadlineNamingHealthyAndLeavesNothing() throws Exception {
        Quilt.Result r = run("run", "-d", "--name", "never", "--ready-timeout", "3s",
                "--health-check", "echo not today; exit 3", "--", "sleep", "2147483647");
        assertEquals(125, r.exit());
        assertEquals("quilt: container 'never' is not ready: phase healthy did not hold within 3s (last check: exit 3: "
                + "not today); removed it (--keep-on-failure keeps it)\n", r.err());
        assertEquals("", r.out());
        nothingLeft();
    }

    @Test
    void aMissingBinaryFailsSpawnedAtOnceNotAtTheDeadline() throws Exception {
        // an hour's deadline: that the command comes back at all (in Quilt.run's 120 s) says it did not wait for it
        Quilt.Result r = run("run", "-d", "--ready-timeout", "1h", "--name", "nobin", "--", "/bin/nosuch");
        assertEquals(127, r.exit());
        assertEquals("quilt: container 'nobin' is not ready: phase spawned failed: exec \"/bin/nosuch\": no such file "
                + "or directory; removed it\n", r.err());
        nothingLeft();
    }

    @Test
    void theEarlierQuiltWayGivesAReadyAgentInOneCommand() throws Exception {
        Quilt.Result r = run("run", "-d", "--name", "agent-1", "--memory", "512", "--cpus", "0.5", "-e", "AGENT_ID=1",
                "--health-check", "echo ready");
        assertEquals(0, r.exit(), r.err());
        JsonNode c = inspect("agent-1");
        assertEquals("running", c.get("status").asText());
        assertEquals(List.of("spawned", "network", "exec", "healthy"), phases(c), "on the bridge: network is not skipped");
        for (JsonNode p : c.get("readiness")) assertTrue(p.get("millis").asDouble() >= 0, p.toString());
        assertEquals("healthy", c.get("health").get("status").asText());
        assertEquals(512L << 20, c.get("resources").get("memory").asLong());
        assertEquals("1\n", run("exec", "agent-1", "--", "sh", "-c", "echo $AGENT_ID").out());

        Quilt.Result h = run("health", "agent-1");
        assertEquals(0, h.exit(), h.err());
        assertEquals("healthy\nready\n", h.out());
    }

    @Test
    void createHoldsSpawnedAndNetworkAndStartTheRest() throws Exception {
        Quilt.Result created = run("create", "--name", "two-step", "--verbose", "--health-check", "true",
                "--", "sleep", "2147483647");
        assertEquals(0, created.exit(), created.err());
        assertEquals(List.of("spawned", "network"), phases(inspect("two-step")));
        assertTrue(created.err().startsWith("spawned "), created.err());
        assertEquals(1, created.out().lines().count(), "stdout is the ID alone");

        Quilt.Result started = run("start", "--verbose", "two-step");
        assertEquals(0, started.exit(), started.err());
        assertEquals(List.of("spawned", "network", "exec", "healthy"), phases(inspect("two-step")));
        List<String> words = started.err().lines().map(l -> l.split(" +")[0]).toList();
        assertEquals(List.of("spawned", "network", "exec", "healthy", "ready"), words, started.err());
    }

    @Test
    void keepOnFailureKeepsItAndHealthSaysUnhealthy() throws Exception {
        Quilt.Result r = run("run", "-d", "--network", "none", "--name", "kept", "--keep-on-failure",
                "--ready-timeout", "3s", "--health-check", "echo sick >&2; exit 1", "--health-retries", "1",
                "--", "sleep", "2147483647");
        assertEquals(125, r.exit());
        assertTrue(r.err().contains("phase healthy did not hold within 3s"), r.err());
        assertTrue(r.err().contains("kept it (--keep-on-failure)"), r.err());
        JsonNode c = inspect("kept");
        assertEquals("running", c.get("status").asText());
        assertEquals(List.of("spawned", "network-", "exec"), phases(c), "healthy never held");
        assertEquals("unhealthy", c.get("health").get("status").asText());
        assertEquals("sick\n", c.get("health").get("last").get("output").asText());

        Quilt.Result h = run("health", "kept");
        assertEquals(1, h.exit());
        assertEquals("unhealthy (exit 1)\nsick\n", h.out());
        assertEquals(0, run("rm", "-f", "kept").exit());
        nothingLeft();
    }

    @Test
    void aJobThatIsDoneBeforeItCanBeProbedIsNoFailure() throws Exception {
        // docker's run -d of a short job prints the ID; nothing is left to be ready for, so that is no failure
        Quilt.Result r = run("run", "-d", "--network", "none", "--name", "job", "--", "true");
        assertEquals(0, r.exit(), r.err());
        assertEquals("0\n", run("wait", "job").out());
        assertFalse(inspect("job").get("readiness").toString().contains("healthy"));
    }

    @Test
    void badHealthAndReadinessFlagsAreOneLineEach() throws Exception {
        String[][] bad = {
            {"--health-check", "true", "--health-retries", "0"},
            {"--health-check", "true", "--health-interval", "soon"},
            {"--health-check", "  "},
            {"--health-interval", "5s"},
            {"--ready-timeout", "0s"},
            {"--ready-timeout", "ten"},
        };
        for (String[] flags : bad) {
            List<String> args = new ArrayList<>(List.of("run", "-d", "--network", "none"));
            args.addAll(List.of(flags));
            args.addAll(List.of("--", "true"));
            Quilt.Result r = run(args.toArray(String[]::new));
            assertEquals(125, r.exit(), String.join(" ", flags));
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("quilt: "), r.err());
        }
        nothingLeft();

        assertEquals(0, run("run", "-d", "--network", "none", "--name", "plain", "--", "sleep", "2147483647").exit());
        Quilt.Result none = run("health", "plain");
        assertEquals(1, none.exit());
        assertEquals("quilt: container 'plain' has no health check; give one with --health-check CMD when you create it\n",
                none.err());
        Quilt.Result unknown = run("health", "nosuch");
        assertEquals(1, unknown.exit());
        assertEquals("quilt: no container 'nosuch'; 'quilt ps -a' lists them\n", unknown.err());
    }
}
