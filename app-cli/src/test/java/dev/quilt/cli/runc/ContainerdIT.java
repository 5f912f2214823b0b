package dev.quilt.cli.runc;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's containerd 1.6 and its runc shim v2 ({@code io.containerd.runc.v2}) drive the
 * runtime under test ({@link RuntimeUnderTest}) through {@code ctr run --runc-binary PATH
 * --runc-root DIR}: the shim calls it as {@code RT --root DIR/NAMESPACE --log STATE/ID/log.json
 * --log-format json VERB ...}: {@code create --bundle --pid-file}, {@code start},
 * {@code exec --process FILE --detach --pid-file}, {@code ps --format json}, {@code pause},
 * {@code resume}, {@code kill ID SIGNAL-NUMBER}, {@code delete [--force]}.
 *
 * <p>The containerd is private to the test and started by it: its own root, state,
 * sockets and {@code opt} dir, the CRI plugin disabled, no network; it is stopped at the
 * end. The image is {@link BusyboxImage}'s OCI archive, {@code ctr images import}ed into a
 * namespace of the test's own. Afterwards nothing is left: no shim or container process, no
 * mount under the private dirs, no state under the runtime root, no cgroup of the namespace,
 * no shim socket dir under {@code /run/containerd} that was not there before.
 */
class ContainerdIT {
    private static final String IMG = BusyboxImage.NAME;
    /** The shims' sockets ({@code s/}) and ctr's task fifos ({@code fifo/}): containerd 1.6 puts them here whatever its state dir. */
    private static final Path SHIM_SOCKETS = Path.of("/run/containerd");
    private static Path work;
    private static RuntimeUnderTest runtime;
    private static Shell shell;
    private static String namespace;
    private static Process containerd;
    private static Path containerdLog;
    private static boolean shimSocketsBefore;

    @BeforeAll
    static void privateContainerd() throws Exception {
        shimSocketsBefore = Files.exists(SHIM_SOCKETS);
        work = Files.createTempDirectory(Path.of("/tmp"), "quilt-ctrd-");
        namespace = "quilt-" + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
        runtime = RuntimeUnderTest.in(work);
        Path config = work.resolve("config.toml");
        Files.writeString(config, """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                disabled_plugins = ["io.containerd.grpc.v1.cri"]
                [grpc]
                  address = "%1$s/containerd.sock"
                [ttrpc]
                  address = "%1$s/containerd.sock.ttrpc"
                [debug]
                  address = "%1$s/debug.sock"
                [metrics]
                  address = ""
                [plugins."io.containerd.internal.v1.opt"]
                  path = "%1$s/opt"
                """.formatted(work));
        containerdLog = work.resolve("containerd.log");
        // containerd leaves the checkpoint a task restores from in a temp dir (ctrd-checkpoint*): in work, which goes
        Path tmp = Files.createDirectories(work.resolve("tmp"));
        shell = new Shell(Map.of("TMPDIR", tmp.toString()), List.of(runtime.calls(), runtime.calls().resolveSibling("logs"),
                containerdLog));
        // the shim's runtime finds criu on PATH (runc's --criu default): the set-up's, for checkpoint and restore
        Path bin = Files.createDirectories(work.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("criu"), Path.of(dev.quilt.linux.checkpoint.CriuBinary.find().path()));
        ProcessBuilder daemon = new ProcessBuilder("containerd", "--config", config.toString()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        daemon.environment().put("PATH", bin + ":" + System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
        daemon.environment().put("TMPDIR", tmp.toString());
        containerd = daemon.start();
        // containerd says when it serves: read its log for that line, copying it all to a file
        CompletableFuture<Boolean> booted = new CompletableFuture<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(containerd.getInputStream(), StandardCharsets.UTF_8));
                 BufferedWriter out = Files.newBufferedWriter(containerdLog)) {
                for (String line; (line = in.readLine()) != null; ) {
                    out.write(line);
                    out.newLine();
                    out.flush();
                    if (line.contains("containerd successfully booted")) booted.complete(true);
                }
            } catch (java.io.IOException e) {
                // containerd gone: the boot future says so below
            } finally {
                booted.complete(false);
            }
        }, "containerd-log");
        pump.setDaemon(true);
        pump.start();
        boolean up;
        try {
            up = booted.get(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            up = false;
        }
        if (!up) throw new AssertionError("the private containerd did not boot\n" + shell.logs());
        BusyboxImage image = BusyboxImage.build(Path.of("/bin/busybox"), work.resolve("image"));
        shell.expect(0, ctr("images", "import", image.ociArchive().toString()));
    }

    @Test
    void runRmPrintsAndExitsWithTheContainersExitCode() throws Exception {
        Shell.Result r = shell.expect(3, run("--rm", name("exit3"), "sh", "-c", "echo hi from ctr; exit 3"));
        assertEquals("hi from ctr\n", r.out(), r.describe());
    }

    @Test
    void runRmExitsZero() throws Exception {
        shell.expect(0, run("--rm", name("true"), "true"));
    }

    /**
     * ctr's spec allows devices it does not list in {@code linux.devices} ({@code WithDefaultUnixDevices}:
     * {@code c 5:1} /dev/console, {@code c 136:*} the ptys, {@code c 5:2} ptmx): the task is made, and the
     * container's v1 devices cgroup ({@code linux.cgroupsPath} {@code /NAMESPACE/ID}) holds those rules and runc's
     * default allowance, as runc would write them.
     */
    @Test
    void ctrsDeviceRulesReachTheDevicesCgroup() throws Exception {
        String c = name("devices");
        shell.expect(0, run("-d", c, "sleep", "1000"));
        Path list = Path.of("/sys/fs/cgroup/devices", namespace, c, "devices.list");
        List<String> rules = Files.readAllLines(list);
        for (String want : List.of("c 5:1 rwm", "c 136:* rwm", "c 5:2 rwm", "c *:* m", "b *:* m", "c 1:3 rwm")) {
            assertTrue(rules.contains(want), list + " lacks " + want + ": " + rules + "\n" + shell.logs());
        }
        List<String> events = shell.awaitLine(ctr("events"),
                l -> l.contains("/tasks/exit") && l.contains("\"" + c + "\""), Duration.ofSeconds(60),
                () -> shell.expect(0, ctr("task", "kill", "-s", "9", c)));
        assertTrue(events.getLast().contains("\"exit_status\":137"), events.getLast());
        shell.expect(0, ctr("task", "delete", c));
        shell.expect(0, ctr("container", "delete", c));
    }

    /**
     * A detached task through ctr's verbs: exec (detached by the shim, with a pid file;
     * output and exit code), ps, pause/resume, kill with a signal number, the exit code of
     * a SIGKILLed task (137: the shim's exit event and {@code task delete}'s exit), and
     * {@code task ls} showing it STOPPED before the task and the container are deleted.
     */
    @Test
    void aDetachedTaskThroughExecPsPauseKillAndDelete() throws Exception {
        String c = name("detached");
        shell.expect(0, run("-d", c, "sleep", "1000"));
        String pid = taskLine(c).split("\\s+")[1];
        assertEquals("RUNNING", taskLine(c).split("\\s+")[2]);
        // the check for leftover shim sockets looks where the shim really listens
        assertTrue(Files.exists(shimSocket(c)), "no shim socket at " + shimSocket(c));

        Shell.Result exec = shell.expect(0, ctr("task", "exec", "--exec-id", "x", c, "echo", "exec-ok"));
        assertEquals("exec-ok\n", exec.out(), exec.describe());
        Shell.Result failing = shell.expect(5, ctr("task", "exec", "--exec-id", "y", c, "sh", "-c", "echo exec-5; exit 5"));
        assertEquals("exec-5\n", failing.out(), failing.describe());

        Shell.Result ps = shell.expect(0, ctr("task", "ps", c));
        if (ps.out().lines().noneMatch(l -> l.trim().startsWith(pid + " "))) {
            throw shell.failure("task ps does not list the task's init " + pid, ps);
        }

        shell.expect(0, ctr("task", "pause", c));
        assertEquals("PAUSED", taskLine(c).split("\\s+")[2]);
        shell.expect(0, ctr("task", "resume", c));
        assertEquals("RUNNING", taskLine(c).split("\\s+")[2]);

        // the exit is an event: listen first, then kill with a signal number
        List<String> events = shell.awaitLine(ctr("events"),
                l -> l.contains("/tasks/exit") && l.contains("\"" + c + "\""), Duration.ofSeconds(60),
                () -> shell.expect(0, ctr("task", "kill", "-s", "9", c)));
        String exit = events.getLast();
        assertTrue(exit.contains("\"exit_status\":137"), "the exit event: " + exit + "\n" + shell.logs());
        assertEquals("STOPPED", taskLine(c).split("\\s+")[2]);

        // ctr 1.6's task delete warns with the task's exit code (and exits 0)
        Shell.Result delete = shell.expect(0, ctr("task", "delete", c));
        if (!delete.err().contains("exit code 137")) throw shell.failure("task delete does not say exit code 137", delete);
        shell.expect(0, ctr("container", "delete", c));
        Shell.Result ls = shell.expect(0, ctr("container", "ls", "-q"));
        if (ls.out().lines().anyMatch(c::equals)) throw shell.failure("the container is still listed", ls);

        // the verbs went through the runtime as the shim calls them (what docs/ and the face rely on)
        List<String> calls = runtime.callLines().stream().filter(l -> l.endsWith(" " + c) || l.contains(" " + c + " ")).toList();
        for (String verb : List.of(" create --bundle ", " start " + c, " exec --process ", " ps --format json " + c,
                " pause " + c, " resume " + c, " kill " + c + " 9", " delete " + c)) {
            assertTrue(calls.stream().anyMatch(l -> l.contains(verb)), "no '" + verb.trim() + "' call:\n" + String.join("\n", calls));
        }
        assertTrue(calls.stream().anyMatch(l -> l.contains(" exec --process ") && l.contains(" --detach ")
                && l.contains(" --pid-file ")), "exec is not detached with a pid file:\n" + String.join("\n", calls));
    }

    /**
     * containerd's checkpoint through the runtime: {@code ctr containers checkpoint --task --rw} (the shim runs
     * {@code pause}, {@code checkpoint --image-path --work-path --file-locks --leave-running}, {@code resume}, and
     * containerd keeps the images and the rw layer as an image): the task runs on and its open file counts on. Then,
     * the task and container gone, {@code ctr containers restore --live --rw} (the shim's {@code restore --detach
     * --pid-file --no-subreaper --bundle}) gets quilt-runc's one line: it restores nothing yet (docs/runtimes.md).
     */
    @Test
    void aTaskIsCheckpointedLiveAndItsRestoreIsRefusedInOneLine() throws Exception {
        String c = name("ckpt");
        String ref = "localhost/" + c + ":checkpoint";
        shell.expect(0, run("-d", c, "sh", "-c",
                "i=0; exec 3>>/tmp/count.log; while :; do i=$((i+1)); echo $i >&3; sleep 1; done"));
        List<Integer> before = awaitCount(c, "w1", 2);
        shell.expect(0, ctr("container", "checkpoint", "--task", "--rw", c, ref));
        assertEquals("RUNNING", taskLine(c).split("\\s+")[2]);
        List<Integer> after = awaitCount(c, "w2", before.getLast() + 2);
        for (int i = 0; i < after.size(); i++) assertEquals(i + 1, after.get(i), "the open file's numbers: " + after);
        shell.awaitLine(ctr("events"), l -> l.contains("/tasks/exit") && l.contains("\"" + c + "\""),
                Duration.ofSeconds(60), () -> shell.expect(0, ctr("task", "kill", "-s", "9", c)));
        shell.expect(0, ctr("task", "delete", c));
        shell.expect(0, ctr("container", "delete", c));

        Shell.Result restore = shell.run(ctr("container", "restore", "--live", "--rw", c, ref));
        assertTrue(restore.exit() != 0 && restore.err().contains("restore is not supported yet"), restore.describe());
        // ctr made the container before the task failed: it is ctr's to remove, with nothing of the runtime's left
        shell.run(ctr("container", "delete", c));
        shell.expect(0, ctr("images", "rm", ref));
        List<String> calls = runtime.callLines().stream().filter(l -> l.endsWith(" " + c)).toList();
        String all = String.join("\n", calls);
        assertTrue(calls.stream().anyMatch(l -> l.contains(" checkpoint --image-path ") && l.contains("--file-locks")
                && l.contains("--leave-running")), "no checkpoint call:\n" + all);
        assertTrue(calls.stream().anyMatch(l -> l.contains(" pause " + c)) && calls.stream()
                .anyMatch(l -> l.contains(" resume " + c)), "no pause and resume around the checkpoint:\n" + all);
        assertTrue(calls.stream().anyMatch(l -> l.contains(" restore ") && l.contains("--detach")
                && l.contains("--pid-file")), "no restore --detach --pid-file call:\n" + all);
    }

    /**
     * The counter's file through an exec (id {@code execId}) that follows it ({@code tail -f}) until it holds
     * {@code atLeast}, then the whole file as read then. The exec ends by itself: its reader stops at that number,
     * and {@code tail} takes SIGPIPE at the counter's next write, so no process of it is left in the container.
     */
    private static List<Integer> awaitCount(String c, String execId, int atLeast) throws Exception {
        Shell.Result r = shell.expect(0, ctr("task", "exec", "--exec-id", execId, c, "sh", "-c",
                "tail -n +1 -f /tmp/count.log | while read -r n; do echo \"$n\"; [ \"$n\" -ge " + atLeast
                        + " ] && exit 0; done"));
        return r.out().lines().filter(l -> !l.isBlank()).map(String::trim).map(Integer::parseInt).toList();
    }

    @AfterAll
    static void nothingLeft() throws Exception {
        if (work == null) return;
        List<String> problems = new ArrayList<>();
        List<String> calls = runtime == null ? List.of() : runtime.callLines();
        try {
            if (containerd != null && containerd.isAlive() && shell != null) {
                Shell.Result tasks = shell.run(ctr("task", "ls", "-q"));
                for (String t : tasks.out().lines().filter(l -> !l.isBlank()).toList()) {
                    problems.add("task " + t + " left");
                    shell.run(ctr("task", "kill", "-s", "9", t));
                    shell.run(ctr("task", "delete", "--force", t));
                }
                Shell.Result containers = shell.run(ctr("container", "ls", "-q"));
                for (String c : containers.out().lines().filter(l -> !l.isBlank()).toList()) {
                    problems.add("container " + c + " left");
                    shell.run(ctr("container", "delete", c));
                }
                shell.run(ctr("images", "rm", IMG));
                shell.run(ctr("namespaces", "rm", namespace));
            }
            if (containerd != null) {
                containerd.destroy();
                if (!containerd.waitFor(60, TimeUnit.SECONDS)) {
                    problems.add("containerd did not stop on SIGTERM");
                    containerd.destroyForcibly();
                    containerd.waitFor();
                }
            }
            // the shims (their argv names containerd's socket here), the containers' processes
            List<String> found = new ArrayList<>(Leftovers.processesMentioning(work.toString()));
            if (namespace != null) found.addAll(Leftovers.processesInCgroup("/" + namespace + "/"));
            List<String> procs = Leftovers.awaitExit(found, Duration.ofSeconds(30));
            procs.forEach(p -> problems.add("process left: " + p));
            Leftovers.kill(procs);
            if (namespace != null) {
                // the namespace's cgroup (cgroupsPath /NAMESPACE/ID) is the parent the runtime
                // leaves, as runc does: the test made it and removes it; a container's is a leak
                for (Path cg : Leftovers.cgroupDirs(namespace)) {
                    try (var children = Files.list(cg)) {
                        children.filter(Files::isDirectory).forEach(d -> problems.add("cgroup left: " + d));
                    }
                    Leftovers.removeCgroupTree(cg);
                    if (Files.exists(cg)) problems.add("cgroup left: " + cg);
                }
                Path runtimeRoot = work.resolve("runc-root").resolve(namespace);
                for (Path p : Leftovers.stateUnder(runtimeRoot)) problems.add("runtime state left: " + p);
                for (String cg : Leftovers.quiltCgroupParent(runtimeRoot)) problems.add("cgroup left: " + cg);
            }
            // the shims' sockets of this containerd's tasks; other containerds' are not ours to touch
            for (String id : runtime == null ? List.<String>of() : runtime.createdIds()) {
                Path socket = shimSocket(id);
                if (Files.exists(socket)) {
                    problems.add("shim socket left: " + socket);
                    Files.delete(socket);
                }
            }
            if (!shimSocketsBefore) {
                // the dirs the shims and ctr made, when nothing else (another containerd) uses them now
                for (Path dir : List.of(SHIM_SOCKETS.resolve("s"), SHIM_SOCKETS.resolve("fifo"), SHIM_SOCKETS)) {
                    try {
                        Files.deleteIfExists(dir);
                    } catch (java.nio.file.DirectoryNotEmptyException e) {
                        // in use by another containerd
                    }
                }
            }
            for (String m : Leftovers.mountsUnder(work)) problems.add("mount left: " + m);
            Leftovers.unmountAll(work);
        } finally {
            if (Leftovers.mountsUnder(work).isEmpty()) dev.quilt.linux.AtomicFiles.deleteTree(work);
            else problems.add("could not unmount under " + work + "; left it");
        }
        assertTrue(problems.isEmpty(), "left behind: " + problems + "\nthe runtime's calls:\n" + String.join("\n", calls));
    }

    private static List<String> ctr(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ctr", "--address", work.resolve("containerd.sock").toString(),
                "--namespace", namespace));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** {@code ctr run [flags] --runc-binary RT --runc-root DIR IMG ID ARGS...}: flags first, then the id and the command. */
    private static List<String> run(String... flagsIdAndArgs) {
        List<String> cmd = ctr("run", "--runc-binary", runtime.wrapper().toString(),
                "--runc-root", work.resolve("runc-root").toString());
        int id = 0;
        while (flagsIdAndArgs[id].startsWith("-")) cmd.add(flagsIdAndArgs[id++]);
        cmd.add(IMG);
        cmd.addAll(List.of(flagsIdAndArgs).subList(id, flagsIdAndArgs.length));
        return cmd;
    }

    /**
     * Where containerd 1.6's runc shim v2 listens for task {@code id}: {@code /run/containerd/s/}
     * + hex sha256 of {@code ADDRESS/NAMESPACE/ID} (containerd {@code runtime/v2/shim/util_unix.go},
     * {@code SocketAddress}), whatever containerd's state dir.
     */
    private static Path shimSocket(String id) {
        String key = work.resolve("containerd.sock") + "/" + namespace + "/" + id;
        return SHIM_SOCKETS.resolve("s").resolve(BusyboxImage.sha256(key.getBytes(StandardCharsets.UTF_8)));
    }

    /** The task's line of {@code ctr task ls}: TASK PID STATUS. */
    private static String taskLine(String c) throws Exception {
        Shell.Result ls = shell.expect(0, ctr("task", "ls"));
        return ls.out().lines().filter(l -> l.startsWith(c + " ")).findFirst()
                .orElseThrow(() -> shell.failure("no task " + c, ls)).trim();
    }

    private static String name(String what) {
        return "qc-" + what + "-" + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    }
}
