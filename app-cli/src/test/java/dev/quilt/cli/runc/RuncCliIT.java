package dev.quilt.cli.runc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quilt.cli.Leaks;
import dev.quilt.linux.AtomicFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real {@code quilt-runc} (quilt.jar's {@code RuncMain} in a child JVM) on this kernel, as root, on
 * bundles over a busybox rootfs the test makes: a {@code config.json} from {@code quilt-runc spec} and one
 * from runc 1.1.5's own {@code runc spec} (the adapters-linux fixture), each with {@code terminal} false, the
 * test's command and a marker in {@code process.env}. Each container has its own ID; the state root is the
 * class's own; at the end whatever is marked is killed, every container is deleted, and nothing may be left:
 * no process, container, cgroup or mount.
 *
 * <p>Waiting for a container to stop is {@code quilt wait} on the same root (inotify on the state dir and the
 * monitor's pidfd: an event), never a poll.
 */
class RuncCliIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path JAR = Path.of("target", "quilt.jar").toAbsolutePath();
    private static final Path RUNC_SPEC = Path.of("..", "adapters-linux", "src", "test", "resources", "oci",
            "runc-1.1.5-spec.json").toAbsolutePath().normalize();
    private static final String MARK = "QUILT_IT=" + UUID.randomUUID();

    private static Path dir;
    private static Path root;
    private static Path rootfs;

    record Result(int exit, String out, String err) {}

    @BeforeAll
    static void setUp() throws Exception {
        dir = Files.createTempDirectory("quilt-runc-it-");
        root = dir.resolve("root");
        rootfs = dir.resolve("rootfs");
        busybox(rootfs);
    }

    @AfterAll
    static void tearDown() throws Exception {
        List<String> killed = Leaks.killAll(root, MARK.substring(MARK.indexOf('=') + 1));
        List<String> left = new ArrayList<>();
        for (String id : runc(dir, "list", "-q").out().lines().toList()) {
            Result r = runc(dir, "delete", "--force", id);
            if (r.exit() != 0) left.add("delete --force " + id + ": " + r.err().strip());
        }
        for (String id : runc(dir, "list", "-q").out().lines().toList()) left.add("container " + id + " left");
        left.addAll(Leaks.cgroups(root));
        List<String> mounts = Leaks.mountsUnder(root);
        mounts.addAll(Leaks.mountsUnder(rootfs));
        AtomicFiles.deleteTree(dir);
        assertEquals(List.of(), killed, "processes outlived the test");
        assertEquals(List.of(), left, "left behind");
        assertEquals(List.of(), mounts, "mounts left on the host");
    }

    /** A busybox root file system: the host's static busybox and a link per applet. */
    private static void busybox(Path d) throws IOException, InterruptedException {
        for (String s : List.of("bin", "etc", "dev", "proc", "sys", "tmp", "root")) Files.createDirectories(d.resolve(s));
        Files.copy(Path.of("/bin/busybox"), d.resolve("bin/busybox"));
        Process list = new ProcessBuilder("/bin/busybox", "--list").redirectErrorStream(true).start();
        String applets = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, list.waitFor(), applets);
        for (String a : applets.split("\n")) {
            if (!a.isBlank() && !a.equals("busybox")) Files.createSymbolicLink(d.resolve("bin").resolve(a), Path.of("busybox"));
        }
        Files.writeString(d.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(d.resolve("etc/group"), "root:x:0:\n");
    }

    /** A bundle {@code name} with {@code config} (a config.json's text) and the shared rootfs as its root. */
    private static Path bundle(String name, JsonNode config, String... args) throws IOException {
        Path b = Files.createDirectories(dir.resolve(name));
        ObjectNode c = (ObjectNode) config.deepCopy();
        ObjectNode p = (ObjectNode) c.get("process");
        p.put("terminal", false);
        ArrayNode a = p.putArray("args");
        for (String s : args) a.add(s);
        ((ArrayNode) p.get("env")).add(MARK);
        c.putObject("root").put("path", rootfs.toString()).put("readonly", true);
        Files.writeString(b.resolve("config.json"), JSON.writeValueAsString(c));
        return b;
    }

    /** quilt-runc's own {@code spec}, as written into a fresh directory. */
    private static JsonNode quiltRuncSpec() throws Exception {
        Path d = Files.createTempDirectory(dir, "spec-");
        Result r = runc(d, "spec");
        assertEquals(0, r.exit(), r.toString());
        return JSON.readTree(d.resolve("config.json").toFile());
    }

    static Result runc(Path cwd, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", JAR.toString(), "dev.quilt.cli.runc.RuncMain",
                "--root", root.toString()));
        cmd.addAll(List.of(args));
        return exec(cwd, cmd);
    }

    /** {@code quilt wait NAME} on the same root: returns when the container has stopped (an event, not a poll). */
    static Result quiltWait(String id) throws IOException, InterruptedException {
        return exec(dir, List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-jar", JAR.toString(), "--root", root.toString(), "wait", id));
    }

    private static Result exec(Path cwd, List<String> cmd) throws IOException, InterruptedException {
        Path out = Files.createTempFile("runc-out", ".txt");
        Path err = Files.createTempFile("runc-err", ".txt");
        try {
            Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectOutput(out.toFile())
                    .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " did not finish in 120 s");
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static JsonNode state(String id) throws Exception {
        Result r = runc(dir, "state", id);
        assertEquals(0, r.exit(), r.toString());
        OciSchemas.assertValidState(r.out());
        return JSON.readTree(r.out());
    }

    private static void assertOneLine(Result r, String expected) {
        assertEquals(1, r.exit(), r.toString());
        assertEquals(1, r.err().lines().count(), r.toString());
        assertTrue(r.err().startsWith("quilt-runc: ") && r.err().contains(expected), "wanted '" + expected + "': " + r);
    }

    private static void assertGone(String id) throws Exception {
        assertOneLine(runc(dir, "state", id), "container \"" + id + "\" does not exist");
    }

    @Test
    void runOfQuiltRuncSpecExitsWithTheCommandsCodeAndPassesStdoutThrough() throws Exception {
        Path b = bundle("exit3", quiltRuncSpec(), "sh", "-c", "echo to-stdout; exit 3");
        Result r = runc(dir, "run", "--keep", "--bundle", b.toString(), "exit3");
        assertEquals(3, r.exit(), r.toString());
        assertEquals("to-stdout\n", r.out());
        JsonNode s = state("exit3");
        assertEquals("stopped", s.get("status").asText());
        assertEquals(0, s.get("pid").asInt(), "runc: pid 0 once stopped");
        assertEquals(b.toString(), s.get("bundle").asText());
        assertEquals(rootfs.toString(), s.get("rootfs").asText());
        assertEquals(new Result(0, "", ""), runc(dir, "delete", "exit3"));
        assertGone("exit3");
    }

    @Test
    void runOfRuncsOwnSpecExits3AndASignalIs128PlusN() throws Exception {
        JsonNode runcs = JSON.readTree(RUNC_SPEC.toFile());
        Path b = bundle("runc-spec", runcs, "sh", "-c", "exit 3");
        assertEquals(3, runc(b, "run", "runc-spec").exit(), "the bundle defaults to the working directory");
        assertGone("runc-spec"); // runc's run deletes what it ran, unless --keep
        Path k = bundle("runc-spec-kill", runcs, "sh", "-c", "kill -9 $$");
        // pid 1 cannot SIGKILL itself from inside; Quilt's init hands it to the monitor, as described in ARCHITECTURE
        Result killed = runc(k, "run", "runc-spec-kill");
        assertEquals(137, killed.exit(), killed.toString());
        assertGone("runc-spec-kill");
    }

    @Test
    void createStartStateKillDeleteWithAPidFile() throws Exception {
        Path b = bundle("cycle", quiltRuncSpec(), "sh", "-c", "trap 'exit 7' TERM; sleep 1000 & wait");
        // a relative --pid-file is the caller's working directory's, as runc's
        Result c = runc(b, "create", "--pid-file", "init.pid", "cycle");
        assertEquals(new Result(0, "", ""), c);
        int pid = Integer.parseInt(Files.readString(b.resolve("init.pid")));
        assertTrue(Files.isDirectory(Path.of("/proc", Integer.toString(pid))), "the init runs, waiting for start");
        try (var names = Files.list(b)) {
            assertEquals(List.of("config.json", "init.pid"),
                    names.map(p -> p.getFileName().toString()).sorted().toList(), "no temp file left beside the pid file");
        }
        JsonNode created = state("cycle");
        assertEquals("created", created.get("status").asText());
        assertEquals(pid, created.get("pid").asInt());
        assertEquals(new Result(0, "", ""), runc(dir, "start", "cycle"));
        JsonNode running = state("cycle");
        assertEquals("running", running.get("status").asText());
        assertEquals(pid, running.get("pid").asInt());
        assertOneLine(runc(dir, "start", "cycle"), "cannot start an already running container");
        assertOneLine(runc(dir, "delete", "cycle"), "not stopped");
        assertOneLine(runc(dir, "kill", "cycle", "NOSUCH"), "invalid signal 'NOSUCH'");
        assertEquals(new Result(0, "", ""), runc(dir, "kill", "cycle"));
        quiltWait("cycle");
        JsonNode stopped = state("cycle");
        assertEquals("stopped", stopped.get("status").asText());
        assertEquals(0, stopped.get("pid").asInt());
        assertEquals(new Result(0, "", ""), runc(dir, "kill", "cycle", "KILL"), "kill of a stopped container");
        assertOneLine(runc(dir, "start", "cycle"), "cannot start a container that has stopped");
        assertEquals(new Result(0, "", ""), runc(dir, "delete", "cycle"));
        assertGone("cycle");
    }

    @Test
    void deleteOfACreatedContainerEndsItsInit() throws Exception {
        Path b = bundle("created-only", quiltRuncSpec(), "true");
        assertEquals(0, runc(b, "create", "created-only").exit());
        assertOneLine(runc(b, "create", "created-only"), "container with id exists: created-only");
        assertEquals("created", state("created-only").get("status").asText());
        assertEquals(new Result(0, "", ""), runc(dir, "delete", "created-only"));
        assertGone("created-only");
        assertEquals(List.of(), Leaks.processes(root, MARK.substring(MARK.indexOf('=') + 1)));
    }

    @Test
    void aPidFileThatCannotBeWrittenLeavesNoContainer() throws Exception {
        Path b = bundle("no-pid-dir", quiltRuncSpec(), "true");
        Result r = runc(b, "create", "--pid-file", dir.resolve("no-such-dir/init.pid").toString(), "no-pid-dir");
        assertOneLine(r, "no-such-dir");
        assertGone("no-pid-dir");
        assertEquals(List.of(), Leaks.processes(root, MARK.substring(MARK.indexOf('=') + 1)));
    }

    /** Under podman, containerd and CRI every bundle names its cgroup: exec'd processes must join it, as runc's. */
    @Test
    void anExecJoinsTheCgroupAtTheBundlesCgroupsPath() throws Exception {
        String parent = "quilt-runc-it-" + ProcessHandle.current().pid();
        String cgroup = "/" + parent + "/exec";
        ObjectNode spec = (ObjectNode) quiltRuncSpec().deepCopy();
        ((ObjectNode) spec.get("linux")).put("cgroupsPath", cgroup);
        Path b = bundle("cgexec", spec, "sleep", "1000");
        try {
            assertEquals(new Result(0, "", ""), runc(b, "run", "-d", "cgexec"));
            Path pidFile = dir.resolve("cgexec-exec.pid");
            Result exec = runc(dir, "exec", "-d", "--pid-file", pidFile.toString(), "cgexec", "sleep", "1000");
            assertEquals(0, exec.exit(), exec.toString());
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            String cgroups = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
            assertTrue(cgroups.lines().anyMatch(l -> l.matches("\\d+:pids:.*") && l.endsWith(":" + cgroup)), cgroups);
            Result ps = runc(dir, "ps", "--format", "json", "cgexec");
            assertTrue(ps.out().contains(Long.toString(pid)), "ps lists the exec'd process: " + ps);
        } finally {
            runc(dir, "delete", "--force", "cgexec");
            // the directory the absolute path made on the way is this test's to remove (runc leaves it too)
            try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
                for (Path h : hierarchies.toList()) Files.deleteIfExists(h.resolve(parent));
            }
        }
    }

    @Test
    void runDetachedThenKillAllBySignalNumberAndForceDelete() throws Exception {
        Path b = bundle("detached", quiltRuncSpec(), "sh", "-c", "sleep 1000 & sleep 1000 & wait");
        Path pidFile = dir.resolve("detached.pid");
        assertEquals(new Result(0, "", ""), runc(b, "run", "-d", "--pid-file=" + pidFile, "detached"));
        JsonNode s = state("detached");
        assertEquals("running", s.get("status").asText());
        assertEquals(Integer.parseInt(Files.readString(pidFile)), s.get("pid").asInt());

        Result list = runc(dir, "list", "--format", "json");
        assertEquals(0, list.exit(), list.toString());
        boolean listed = false;
        for (JsonNode n : JSON.readTree(list.out())) {
            OciSchemas.assertValidState(n.toString());
            listed |= n.get("id").asText().equals("detached") && n.get("status").asText().equals("running");
        }
        assertTrue(listed, list.out());
        assertTrue(runc(dir, "list").out().lines().anyMatch(l -> l.startsWith("detached ") && l.contains(" running ")));

        // --all: the cgroup's three processes, not only the init, by signal number
        assertEquals(new Result(0, "", ""), runc(dir, "kill", "--all", "detached", "9"));
        quiltWait("detached");
        assertEquals("stopped", state("detached").get("status").asText());
        assertEquals(new Result(0, "", ""), runc(dir, "delete", "-f", "detached"));
        assertGone("detached");
        assertEquals(new Result(0, "", ""), runc(dir, "delete", "--force", "detached"), "force: gone is success");
        assertOneLine(runc(dir, "delete", "detached"), "container \"detached\" does not exist");
    }

    @Test
    void forceDeleteKillsARunningContainer() throws Exception {
        Path b = bundle("forced", quiltRuncSpec(), "sleep", "1000");
        assertEquals(0, runc(b, "run", "--detach", "forced").exit());
        assertEquals("running", state("forced").get("status").asText());
        assertEquals(new Result(0, "", ""), runc(dir, "delete", "--force", "forced"));
        assertGone("forced");
    }

    /** Installed as a symlink (/usr/local/bin/quilt-runc): the launcher finds its checkout through the link. */
    @Test
    void theLauncherWorksThroughASymlink() throws Exception {
        Path launcher = Path.of("..", "quilt-runc").toAbsolutePath().normalize();
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path link = Files.createSymbolicLink(bin.resolve("quilt-runc"), launcher);
        Result r = exec(dir, List.of(link.toString(), "--version"));
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().startsWith("quilt-runc version "), r.out());
        Result f = exec(dir, List.of(link.toString(), "features"));
        assertEquals(0, f.exit(), f.toString());
        assertTrue(JSON.readTree(f.out()).get("linux").get("namespaces").size() > 0, f.out());
    }

    @Test
    void errorsReachTheJsonLogContainerdReads() throws Exception {
        Path log = dir.resolve("log.json");
        Result r = runc(dir, "--log", log.toString(), "--log-format", "json", "start", "never-made");
        assertOneLine(r, "container \"never-made\" does not exist");
        JsonNode last = JSON.readTree(Files.readAllLines(log).getLast());
        assertEquals("error", last.get("level").asText());
        assertEquals("container \"never-made\" does not exist", last.get("msg").asText());
    }
}
