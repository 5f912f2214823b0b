package dev.quilt.cli.runc;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's podman 4.3 (with conmon 2.1) drives the runtime under test
 * ({@link RuntimeUnderTest}: {@code -Dquilt.runc.binary}, by default {@code ./quilt-runc})
 * as {@code podman --runtime PATH}: conmon calls it with {@code --flag=value} and without
 * {@code --root}, holds the console socket of {@code exec -it}, and is the subreaper of
 * the container's init.
 *
 * <p>The podman is private to the test: its own {@code --root/--runroot/--tmpdir}, storage
 * and {@code containers.conf} (cgroupfs manager, file events, k8s-file logs, {@code netns
 * = "none"} so there is no network at all, and nofile/nproc ulimits within this host's hard
 * limits: it has no CAP_SYS_RESOURCE, and podman's default nofile of 1048576 makes every
 * container fail with EPERM). The image is {@link BusyboxImage}'s tarball,
 * {@code podman import}ed.
 *
 * <p>Afterwards nothing is left: no container, conmon or container process, no state of
 * the runtime for any id podman created, no cgroup of those ids, no mount under the
 * private dirs, and the {@code libpod_parent} cgroups conmon made (on this host also under
 * controllers that are not mounted, as plain directories) are removed when the test made
 * them.
 */
class PodmanIT {
    private static final String IMG = BusyboxImage.NAME;
    private static Path work;
    private static RuntimeUnderTest runtime;
    private static Shell shell;
    private static List<String> podman;
    private static Set<Path> libpodParentsBefore;
    /** What was in /sys/fs/cgroup before: conmon makes plain dirs there for controllers with no hierarchy. */
    private static Set<Path> cgroupTopBefore;
    /**
     * Where podman writes outside its private dirs whatever the flags: containers/image's
     * blob-info cache of {@code podman import} ({@code /var/lib/containers/cache} for root).
     * What the test made there, it removes.
     */
    private static final List<Path> HOST_DIRS = List.of(Path.of("/var/lib/containers"),
            Path.of("/var/lib/containers/cache"));
    private static Set<Path> hostDirsBefore;
    /** Whether the runtime's default root was there before: podman passes no {@code --root}. */
    private static boolean runtimeRootBefore;

    @BeforeAll
    static void privatePodman() throws Exception {
        // what the host had, first: the clean-up compares with it even when the rest fails
        libpodParentsBefore = Leftovers.cgroupDirs("libpod_parent");
        try (Stream<Path> top = Files.list(Path.of("/sys/fs/cgroup"))) {
            cgroupTopBefore = new TreeSet<>(top.toList());
        }
        hostDirsBefore = new TreeSet<>(HOST_DIRS.stream().filter(Files::exists).toList());
        work = Files.createTempDirectory(Path.of("/tmp"), "quilt-podman-");
        runtime = RuntimeUnderTest.in(work);
        runtimeRootBefore = Files.exists(runtime.defaultRoot());
        Path conf = work.resolve("containers.conf");
        Files.writeString(conf, """
                [containers]
                netns = "none"
                log_driver = "k8s-file"
                default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
                [engine]
                cgroup_manager = "cgroupfs"
                events_logger = "file"
                [network]
                network_config_dir = "%s"
                """.formatted(work.resolve("networks")));
        Path storage = work.resolve("storage.conf");
        Files.writeString(storage, """
                [storage]
                driver = "overlay"
                runroot = "%s"
                graphroot = "%s"
                """.formatted(work.resolve("runroot"), work.resolve("root")));
        Map<String, String> env = new HashMap<>();
        // podman asks criu itself whether checkpoint works (go-criu runs `criu swrk` from PATH): the set-up's criu
        Path bin = Files.createDirectories(work.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("criu"), Path.of(dev.quilt.linux.checkpoint.CriuBinary.find().path()));
        env.put("PATH", bin + ":" + System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
        env.put("CONTAINERS_CONF", conf.toString());
        env.put("CONTAINERS_STORAGE_CONF", storage.toString());
        shell = new Shell(env, List.of(runtime.calls(), runtime.calls().resolveSibling("logs")));
        podman = List.of("podman", "--root", work.resolve("root").toString(), "--runroot", work.resolve("runroot").toString(),
                "--tmpdir", work.resolve("tmp").toString(), "--storage-driver", "overlay", "--cgroup-manager", "cgroupfs",
                "--events-backend", "file", "--runtime", runtime.wrapper().toString());
        BusyboxImage image = BusyboxImage.build(Path.of("/bin/busybox"), work.resolve("image"));
        shell.expect(0, podman("import", image.rootfsTarball().toString(), IMG));
    }

    @Test
    void runRmPrintsTheOutputAndExitsZero() throws Exception {
        Shell.Result r = shell.expect(0, podman("run", "--rm", "--name", name("echo"), IMG, "echo", "hi from podman"));
        assertEquals("hi from podman\n", r.out(), r.describe());
    }

    @Test
    void runRmExitsWithTheContainersExitCode() throws Exception {
        shell.expect(3, podman("run", "--rm", "--name", name("exit3"), IMG, "sh", "-c", "exit 3"));
    }

    /**
     * One detached container through podman's verbs: logs, exec (output and exit code),
     * exec -it through a pty ({@code script} gives podman one; conmon receives the
     * container's pty master over the runtime's console socket), top, pause/unpause,
     * kill -s USR1 (the trap prints), stop (a trapped TERM, exit 0), rm -f.
     */
    @Test
    void aDetachedContainerThroughLogsExecTopPauseKillStopAndRm() throws Exception {
        String c = name("detached");
        shell.expect(0, podman("run", "-d", "--name", c, IMG, "sh", "-c",
                "trap 'echo got USR1' USR1; trap 'echo got TERM; exit 0' TERM; echo started; "
                        + "while :; do sleep 1000 & wait $!; done"));
        awaitLog(c, "started", () -> { });

        Shell.Result logs = shell.expect(0, podman("logs", c));
        if (!logs.out().contains("started")) throw shell.failure("logs lack the container's output", logs);

        Shell.Result exec = shell.expect(0, podman("exec", c, "echo", "exec-ok"));
        assertEquals("exec-ok\n", exec.out(), exec.describe());
        shell.expect(4, podman("exec", c, "sh", "-c", "exit 4"));

        Shell.Result tty = shell.expect(0, List.of("script", "-qec", String.join(" ", podman("exec", "-it", c, "tty")),
                "/dev/null"));
        if (!tty.out().matches("(?s).*/dev/pts/\\d+.*")) throw shell.failure("exec -it has no pty", tty);

        Shell.Result top = shell.expect(0, podman("top", c));
        if (!top.out().contains("sleep 1000")) throw shell.failure("top does not show the container's processes", top);

        shell.expect(0, podman("pause", c));
        assertEquals("paused", status(c));
        shell.expect(0, podman("unpause", c));
        assertEquals("running", status(c));

        awaitLog(c, "got USR1", () -> shell.expect(0, podman("kill", "-s", "USR1", c)));

        shell.expect(0, podman("stop", "-t", "60", c));
        assertEquals("exited 0", status(c) + " " + inspect(c, "{{.State.ExitCode}}"));
        if (!shell.expect(0, podman("logs", c)).out().contains("got TERM")) {
            throw shell.failure("stop did not send TERM", shell.run(podman("logs", c)));
        }
        String id = inspect(c, "{{.Id}}");
        shell.expect(0, podman("rm", "-f", c));
        assertEquals("", shell.expect(0, podman("ps", "-a", "-q", "--filter", "name=" + c)).out());

        // how podman and conmon called the runtime (what docs/ and the face rely on): never with
        // --root; exec -it with a console socket, which conmon holds
        List<String> calls = runtime.callLines().stream().filter(l -> l.contains(id)).toList();
        String all = String.join("\n", calls);
        assertTrue(calls.stream().noneMatch(l -> l.contains("--root")), "a call with --root:\n" + all);
        for (String verb : List.of(" create ", " start " + id, " exec ", " pause " + id, " resume " + id, " kill ", " delete ")) {
            assertTrue(calls.stream().anyMatch(l -> l.contains(verb)), "no '" + verb.trim() + "' call:\n" + all);
        }
        assertTrue(calls.stream().anyMatch(l -> l.contains(" exec ") && l.contains("--console-socket")
                && l.contains("--tty")), "no exec with a console socket and a tty:\n" + all);
    }

    @Test
    void aContainerKilledWithSigkillExits137() throws Exception {
        String c = name("killed");
        shell.expect(0, podman("run", "-d", "--name", c, IMG, "sleep", "1000"));
        shell.expect(0, podman("kill", "-s", "KILL", c));
        Shell.Result wait = shell.expect(0, podman("wait", c));
        assertEquals("137", wait.out().trim(), wait.describe());
        shell.expect(0, podman("rm", c));
    }

    @Test
    void rmForceRemovesARunningContainer() throws Exception {
        String c = name("rmf");
        shell.expect(0, podman("run", "-d", "--name", c, IMG, "sleep", "1000"));
        assertEquals("running", status(c));
        shell.expect(0, podman("rm", "-f", c));
        assertEquals("", shell.expect(0, podman("ps", "-a", "-q", "--filter", "name=" + c)).out());
    }

    /** A counter with an open file: it prints {@code count N} each second and appends N to /tmp/count.log. */
    private static final String COUNTER = "i=0; exec 3>>/tmp/count.log; while :; do i=$((i+1)); echo \"count $i\";"
            + " echo $i >&3; sleep 1; done";

    /**
     * {@code podman container checkpoint} through the runtime's {@code checkpoint} ({@code --image-path} under the
     * container's userdata, {@code --work-path}, {@code --leave-running} twice, as podman passes it): with
     * {@code --leave-running} the counter counts on; without, it exits and podman holds CRIU's images. quilt-runc
     * restores nothing yet (docs/runtimes.md: the engine restores an init only as its own monitor's child, and
     * runc's process tree needs it to be conmon's): podman's restore gets quilt-runc's one line (exit 125), the
     * container stays exited, and goes with {@code rm} like any other.
     */
    @Test
    void aCounterIsCheckpointedAndItsRestoreIsRefusedInOneLine() throws Exception {
        String c = name("ckpt");
        shell.expect(0, podman("run", "-d", "--name", c, IMG, "sh", "-c", COUNTER));
        awaitLog(c, "count 2", () -> { });
        String id = inspect(c, "{{.Id}}");

        shell.expect(0, podman("container", "checkpoint", "--leave-running", c));
        assertEquals("running", status(c));
        awaitLog(c, "count " + (lastCount(c) + 1), () -> { });

        shell.expect(0, podman("container", "checkpoint", c));
        assertEquals("exited", status(c));
        Path images = work.resolve("root/overlay-containers").resolve(id).resolve("userdata/checkpoint");
        assertTrue(Files.isRegularFile(images.resolve("inventory.img")), "no CRIU images in " + images);

        Shell.Result restore = shell.expect(125, podman("container", "restore", c));
        assertTrue(restore.err().contains("quilt-runc: restore is not supported yet"), restore.describe());
        assertEquals("exited", status(c));
        shell.expect(0, podman("rm", c));

        List<String> calls = runtime.callLines().stream().filter(l -> l.contains(id)).toList();
        String all = String.join("\n", calls);
        assertTrue(calls.stream().anyMatch(l -> l.contains(" checkpoint ") && l.contains("--image-path " + images)
                && l.contains("--leave-running")), "no checkpoint --leave-running call:\n" + all);
        assertTrue(calls.stream().anyMatch(l -> l.contains(" restore ") && l.contains("--detach")
                && l.contains("--image-path") && l.contains("--bundle")), "no restore --detach call:\n" + all);
    }

    /**
     * {@code checkpoint --export} to a tarball holds CRIU's images; {@code restore --import} of it, the container
     * removed, gets quilt-runc's one line, and podman's half-made container goes with {@code rm}.
     */
    @Test
    void anExportedCheckpointHoldsTheImagesAndItsImportIsRefusedInOneLine() throws Exception {
        String c = name("export");
        Path tarball = work.resolve(c + ".tar");
        shell.expect(0, podman("run", "-d", "--name", c, IMG, "sh", "-c", COUNTER));
        awaitLog(c, "count 2", () -> { });
        Shell.Result exported = shell.expect(0, podman("container", "checkpoint", "--export", tarball.toString(), c));
        // podman tars CRIU's stats-dump from the work path, where runc's CRIU writes it
        assertFalse(exported.err().contains("stats-dump"), exported.describe());
        shell.expect(0, podman("rm", c));
        Shell.Result listed = shell.expect(0, List.of("tar", "tf", tarball.toString()));
        assertTrue(listed.out().lines().anyMatch(l -> l.equals("checkpoint/inventory.img")), listed.describe());
        assertTrue(listed.out().lines().anyMatch(l -> l.equals("stats-dump")), listed.describe());
        Shell.Result restore = shell.expect(125, podman("container", "restore", "--import", tarball.toString()));
        assertTrue(restore.err().contains("quilt-runc: restore is not supported yet"), restore.describe());
        shell.expect(0, podman("rm", "-f", c));
        assertEquals("", shell.expect(0, podman("ps", "-a", "-q", "--filter", "name=" + c)).out());
        Files.delete(tarball);
    }

    /** The highest {@code count N} in the container's log so far. */
    private static int lastCount(String c) throws Exception {
        return shell.expect(0, podman("logs", c)).out().lines().filter(l -> l.startsWith("count "))
                .mapToInt(l -> Integer.parseInt(l.substring(6).trim())).max().orElseThrow();
    }

    @AfterAll
    static void nothingLeft() throws Exception {
        if (work == null) return;
        List<String> problems = new ArrayList<>();
        List<String> calls = runtime == null ? List.of() : runtime.callLines();
        try {
            if (shell != null && podman != null) {
                Shell.Result ps = shell.run(podman("ps", "-a", "-q"));
                for (String id : ps.out().lines().filter(l -> !l.isBlank()).toList()) {
                    problems.add("container " + id + " left");
                    shell.run(podman("rm", "-f", id));
                }
                shell.run(podman("rmi", "-a", "-f"));
            }
            List<String> ids = runtime == null ? List.of() : runtime.createdIds();
            // conmon (its argv names the private dirs and the id), the runtime's own processes, the containers'
            Set<String> found = new TreeSet<>(Leftovers.processesMentioning(work.toString()));
            for (String id : ids) {
                found.addAll(Leftovers.processesInCgroup(id));
                found.addAll(Leftovers.processesMentioning(id));
            }
            List<String> procs = Leftovers.awaitExit(List.copyOf(found), Duration.ofSeconds(30));
            procs.forEach(p -> problems.add("process left: " + p));
            Leftovers.kill(procs);
            for (String id : ids) {
                for (Path state : Leftovers.named(runtime.defaultRoot(), id)) problems.add("runtime state left: " + state);
                for (Path cg : Leftovers.cgroupDirs(id)) {
                    problems.add("cgroup left: " + cg);
                    Leftovers.removeCgroupTree(cg);
                }
            }
            if (runtime != null) {
                for (String cg : Leftovers.quiltCgroupParent(runtime.defaultRoot())) problems.add("cgroup left: " + cg);
            }
            // conmon's cgroupfs manager makes libpod_parent (and libpod_parent/conmon) in every
            // hierarchy, and under the controllers this host does not mount as plain directories
            for (Path made : Leftovers.cgroupDirs("libpod_parent")) {
                if (libpodParentsBefore.contains(made)) continue;
                Leftovers.removeCgroupTree(made);
                if (Files.exists(made)) problems.add("cgroup left: " + made);
            }
            for (Path controller : List.of("hugetlb", "net_cls", "net_prio", "perf_event").stream()
                    .map(c -> Path.of("/sys/fs/cgroup", c)).toList()) {
                // a plain directory conmon made for a controller with no hierarchy, now empty
                if (Files.isDirectory(controller) && !cgroupTopBefore.contains(controller)
                        && Leftovers.mountsUnder(controller).isEmpty()) {
                    try (Stream<Path> in = Files.list(controller)) {
                        if (in.findAny().isEmpty()) Files.delete(controller);
                    }
                }
            }
            // the default root the runtime made for this test's containers (their state in it was checked above)
            if (runtime != null && !runtimeRootBefore && Files.exists(runtime.defaultRoot())) {
                List<String> inRoot = Leftovers.mountsUnder(runtime.defaultRoot());
                if (inRoot.isEmpty()) dev.quilt.linux.AtomicFiles.deleteTree(runtime.defaultRoot());
                else inRoot.forEach(m -> problems.add("mount left: " + m));
            }
            for (Path dir : HOST_DIRS) {
                if (!hostDirsBefore.contains(dir) && Files.exists(dir)) {
                    dev.quilt.linux.AtomicFiles.deleteTree(dir);
                    break;
                }
            }
            List<String> mounts = Leftovers.mountsUnder(work);
            // containers/storage bind-mounts its overlay home onto itself, private: that one is podman's, not a leak
            Set<String> expected = new TreeSet<>(List.of(work.resolve("root/overlay").toString()));
            for (String m : mounts) if (!expected.contains(m)) problems.add("mount left: " + m);
            Leftovers.unmountAll(work);
        } finally {
            if (Leftovers.mountsUnder(work).isEmpty()) dev.quilt.linux.AtomicFiles.deleteTree(work);
            else problems.add("could not unmount under " + work + "; left it");
        }
        assertTrue(problems.isEmpty(), "left behind: " + problems + "\nthe runtime's calls:\n" + String.join("\n", calls));
    }

    private static List<String> podman(String... args) {
        List<String> cmd = new ArrayList<>(podman);
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String name(String what) {
        return "qp-" + what + "-" + String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
    }

    private static String inspect(String c, String format) throws Exception {
        return shell.expect(0, podman("inspect", "--format", format, c)).out().trim();
    }

    private static String status(String c) throws Exception {
        return inspect(c, "{{.State.Status}}");
    }

    /** Follows the container's log until {@code line} is in it (the wait is on conmon's log stream). */
    private static void awaitLog(String c, String line, Shell.Trigger trigger) throws Exception {
        shell.awaitLine(podman("logs", "-f", c), l -> l.contains(line), Duration.ofSeconds(60), trigger);
    }
}
