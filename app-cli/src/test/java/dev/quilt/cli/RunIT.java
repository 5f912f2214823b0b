package dev.quilt.cli;

import dev.quilt.linux.AtomicFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code quilt run} end to end: the real jar, as root, on the real kernel, in a private state root. */
class RunIT {
    private static Path root;
    private static Quilt quilt;
    /** This class's markers all start so; other suites (another worktree's, say) may run containers meanwhile. */
    private static final String CLASS_MARK = "QUILT_IT=" + UUID.randomUUID();
    private final String marker = CLASS_MARK + "-" + UUID.randomUUID();

    @BeforeAll
    static void setUp() throws IOException {
        root = Files.createTempDirectory("quilt-run-it-");
        quilt = new Quilt(root);
    }

    @AfterEach
    void nothingLeftRunning() throws Exception {
        assertEquals(List.of(), Leaks.processes(root, marker), "processes left");
        assertEquals(List.of(), Leaks.mountsUnder(root), "mounts left");
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            Leaks.killAll(root, CLASS_MARK); // not every QUILT_IT= process on the machine
        } finally {
            List<String> network = quilt.teardown();
            AtomicFiles.deleteTree(root);
            assertEquals(List.of(), network, "network left behind");
        }
    }

    private Quilt.Result run(String... args) throws Exception {
        String[] withMarker = new String[args.length + 3];
        withMarker[0] = "run";
        withMarker[1] = "-e";
        withMarker[2] = marker;
        System.arraycopy(args, 0, withMarker, 3, args.length);
        return quilt.run(withMarker);
    }

    @Test
    void theCommandSeesItsOwnPidHostnameAndRoot() throws Exception {
        Quilt.Result r = run("--rm", "--hostname", "sandbox", "--", "sh", "-c",
                "echo $$; hostname; tr '\\0' ' ' < /proc/1/cmdline; echo; ls /");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.lines();
        assertEquals("1", lines.get(0));
        assertEquals("sandbox", lines.get(1));
        assertEquals("sh -c echo $$; hostname; tr '\\0' ' ' < /proc/1/cmdline; echo; ls /", lines.get(2).strip());
        List<String> listing = lines.subList(3, lines.size());
        assertTrue(listing.contains("bin") && listing.contains("proc") && listing.contains("dev"), listing.toString());
        assertFalse(listing.contains("work") || listing.contains("lib64"), "the host's root shows: " + listing);
        assertEquals(List.of(), Leaks.containers(root));
    }

    @Test
    void exitCodesPassThrough() throws Exception {
        assertEquals(7, run("--rm", "--", "sh", "-c", "exit 7").exit());
        assertEquals(0, run("--rm", "--", "true").exit());
        assertEquals(List.of(), Leaks.containers(root));
    }

    @Test
    void aProcessKilledBySignalNExits128PlusN() throws Exception {
        assertEquals(137, run("--rm", "--", "sh", "-c", "kill -9 $$").exit());
        // from a child of pid 1, too
        assertEquals(137, run("--rm", "--", "sh", "-c", "sh -c 'kill -9 1'; echo survived").exit());
        // other signals keep pid 1's rules, as in runc: no handler, no effect
        Quilt.Result term = run("--rm", "--", "sh", "-c", "kill -TERM $$; echo ignored");
        assertEquals(0, term.exit(), term.err());
        assertEquals("ignored\n", term.out());
    }

    @Test
    void aMissingBinaryIsOneLineAnd127() throws Exception {
        Quilt.Result r = run("--rm", "--", "/bin/nosuch");
        assertEquals(127, r.exit());
        assertEquals("quilt: exec \"/bin/nosuch\": no such file or directory\n", r.err());
        assertEquals(List.of(), Leaks.containers(root));
    }

    @Test
    void aFailedRunLeavesNothingEvenWithoutRm() throws Exception {
        assertEquals(127, run("--", "nosuch-command").exit());
        // a file where the working directory should be: runc makes a missing one, but not through a file
        Quilt.Result cwd = run("-w", "/etc/passwd/dir", "--", "true");
        assertEquals(125, cwd.exit());
        assertEquals("quilt: chdir \"/etc/passwd/dir\": not a directory\n", cwd.err());
        assertEquals(List.of(), Leaks.containers(root));
    }

    @Test
    void withoutRmTheStoppedContainerStaysOnRecord() throws Exception {
        // its own root: the container it keeps must not show up in the other tests' leak checks
        Path own = Files.createTempDirectory("quilt-keep-it-");
        Quilt q = new Quilt(own);
        try {
            keepsTheRecord(q, own);
        } finally {
            List<String> network = q.teardown();
            AtomicFiles.deleteTree(own);
            assertEquals(List.of(), network, "network left behind");
        }
    }

    private void keepsTheRecord(Quilt quilt, Path root) throws Exception {
        String name = "keep-" + UUID.randomUUID().toString().substring(0, 8);
        assertEquals(3, quilt.run("run", "-e", marker, "--name", name, "--", "sh", "-c", "exit 3").exit());
        Path names = root.resolve("run/.names").resolve(name);
        assertTrue(Files.isSymbolicLink(names));
        Path state = root.resolve("run").resolve(Files.readSymbolicLink(names).toString());
        String json = Files.readString(state.resolve("state.json"));
        assertTrue(json.contains("\"status\":\"stopped\"") && json.contains("\"exitCode\":3"), json);
        assertTrue(Files.readString(state.resolve("exit.json")).contains("\"exitCode\":3"));
        Quilt.Result again = quilt.run("run", "--name", name, "--", "true");
        assertEquals(125, again.exit());
        assertTrue(again.err().startsWith("quilt: the name '" + name + "' is in use by container"), again.err());
    }

    @Test
    void environmentWorkdirAndUserReachTheProcess() throws Exception {
        Quilt.Result r = run("--rm", "-e", "GREETING=hello world", "-w", "/tmp", "-u", "65534:65534", "--",
                "sh", "-c", "echo \"$GREETING\"; pwd; id -u; id -g");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of("hello world", "/tmp", "65534", "65534"), r.lines());
    }

    @Test
    void theContainerHasItsOwnDevAndReadOnlySys() throws Exception {
        Quilt.Result r = run("--rm", "--", "sh", "-c",
                "ls /dev; echo x > /dev/null && echo null-ok; touch /sys/x 2>/dev/null || echo sys-ro; cat /proc/kcore | wc -c");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.lines();
        for (String dev : List.of("null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm")) {
            assertTrue(lines.contains(dev), "/dev/" + dev + " missing: " + lines);
        }
        assertTrue(lines.contains("null-ok") && lines.contains("sys-ro"), lines.toString());
        assertEquals("0", lines.get(lines.size() - 1).strip(), "/proc/kcore is masked");
    }

    @Test
    void networkNoneHasOnlyLoopbackAndBridgeAddsEth0() throws Exception {
        Quilt.Result none = run("--rm", "--network", "none", "--", "ls", "/sys/class/net");
        assertEquals(0, none.exit(), none.err());
        assertEquals(List.of("lo"), none.lines());
        Quilt.Result bridge = run("--rm", "--", "ls", "/sys/class/net");
        assertEquals(0, bridge.exit(), bridge.err());
        assertEquals(List.of("eth0", "lo"), bridge.lines());
    }

    @Test
    void noHostFdReachesTheContainer() throws Exception {
        Quilt.Result r = run("--rm", "--", "ls", "/proc/self/fd");
        assertEquals(0, r.exit(), r.err());
        assertEquals(List.of("0", "1", "2", "3"), r.lines(), "only stdio and ls's own directory fd");
    }
}
