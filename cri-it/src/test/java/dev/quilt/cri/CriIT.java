package dev.quilt.cri;

import dev.quilt.cri.v1.Cri;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Watches;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Kubernetes path without a kubelet: a private containerd 1.6 with its CRI plugin, one
 * runtime handler {@code quilt} (runc shim v2, {@code BinaryName} = the runtime under test),
 * and this test speaking {@code runtime.v1.RuntimeService} over the unix socket as the kubelet
 * does. The runtime is {@code -Dquilt.runc.binary} (the pom's default: the repo's
 * {@code ./quilt-runc}); {@code -Dquilt.runc.binary=/usr/sbin/runc} checks the harness on runc.
 *
 * <p>The pod uses the node's network (NamespaceOption network NODE), so no CNI plugin and no
 * traffic. The pause image is made here: busybox-static's {@code sh} that waits for SIGTERM or
 * SIGINT; the workload image is busybox; both are imported with {@code ctr images import}.
 * Afterwards nothing may be left: shims, processes, mounts, cgroups, the runtime's, the shim's
 * and the CRI plugin's state, the shim sockets.
 */
@Timeout(600)
class CriIT {
    static final String PAUSE_IMAGE = "localhost/quilt-pause:1";
    static final String IMAGE = "localhost/busybox:quilt-cri";
    /** A broken build's deadline for one CRI call or one wait, not a timing assertion. */
    static final Duration DEADLINE = Duration.ofSeconds(90);

    private Path dir;
    private String marker;
    private String cgroupParent;
    private Containerd containerd;
    private CriClient cri;
    /** Every sandbox and container id the test made: their shim sockets must be gone afterwards. */
    private final Set<String> ids = new LinkedHashSet<>();
    /** The shims' pids, found while they ran. */
    private final List<Integer> shims = new ArrayList<>();

    static Path runtimeUnderTest() {
        String p = System.getProperty("quilt.runc.binary", "../quilt-runc");
        Path runtime = Path.of(p).toAbsolutePath().normalize();
        if (!Files.isExecutable(runtime)) {
            fail("no runtime to test at " + runtime + ": build quilt-runc, or pass -Dquilt.runc.binary=/usr/sbin/runc");
        }
        return runtime;
    }

    @BeforeEach
    void setUp() throws Exception {
        Path runtime = runtimeUnderTest();
        for (String tool : List.of("containerd", "ctr", "containerd-shim-runc-v2")) {
            if (new ProcessBuilder("sh", "-c", "command -v " + tool).start().waitFor() != 0) {
                fail(tool + " is not installed: apt-get install containerd (Debian 12's is 1.6)");
            }
        }
        dir = Files.createTempDirectory("quilt-cri-it-");
        marker = "QUILT_CRI_IT=" + UUID.randomUUID();
        cgroupParent = dir.getFileName().toString();
        NativeLibrary.load(dir.resolve("native"));
        Path images = Files.createDirectories(dir.resolve("images"));
        pauseImage().write(PAUSE_IMAGE, images.resolve("pause.tar"));
        busyboxImage().write(IMAGE, images.resolve("busybox.tar"));

        containerd = new Containerd(dir);
        containerd.start(runtime, PAUSE_IMAGE, DEADLINE.toSeconds());
        containerd.ctr("images", "import", images.resolve("pause.tar").toString());
        containerd.ctr("images", "import", images.resolve("busybox.tar").toString());
        cri = new CriClient(containerd.socket, DEADLINE, containerd::diagnostics);
    }

    /** Only what a pause container needs: busybox-static as sh and sleep. */
    static OciArchive pauseImage() throws IOException {
        return new OciArchive()
                .dir("bin", 0755).dir("dev", 0755).dir("proc", 0555).dir("sys", 0555).dir("etc", 0755)
                .hostFile("bin/busybox", Path.of("/bin/busybox"), 0755)
                .symlink("bin/sh", "busybox").symlink("bin/sleep", "busybox")
                // pid 1 ignores a signal it has no handler for: trap TERM and INT, then wait
                .entrypoint("/bin/sh", "-c", "trap 'exit 0' TERM INT; sleep 2147483647 & wait");
    }

    /** busybox-static with every applet it lists, a root and a nobody user. */
    static OciArchive busyboxImage() throws IOException, InterruptedException {
        OciArchive image = new OciArchive()
                .dir("bin", 0755).dir("dev", 0755).dir("proc", 0555).dir("sys", 0555).dir("etc", 0755)
                .dir("tmp", 01777).dir("root", 0700)
                .hostFile("bin/busybox", Path.of("/bin/busybox"), 0755)
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
                        .getBytes(StandardCharsets.UTF_8), 0644)
                .file("etc/group", "root:x:0:\nnogroup:x:65534:\n".getBytes(StandardCharsets.UTF_8), 0644)
                .entrypoint("/bin/sh");
        Process list = new ProcessBuilder("/bin/busybox", "--list").start();
        for (String applet : new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            if (!applet.isBlank() && !applet.equals("busybox")) image.symlink("bin/" + applet.trim(), "busybox");
        }
        assertEquals(0, list.waitFor(), "busybox --list");
        return image;
    }

    private static Cri.NamespaceOption namespaces() {
        return Cri.NamespaceOption.newBuilder()
                .setNetwork(Cri.NamespaceMode.NODE)
                .setPid(Cri.NamespaceMode.CONTAINER)
                .setIpc(Cri.NamespaceMode.POD)
                .build();
    }

    private Cri.PodSandboxConfig sandboxConfig() {
        String uid = UUID.randomUUID().toString();
        return Cri.PodSandboxConfig.newBuilder()
                .setMetadata(Cri.PodSandboxMetadata.newBuilder().setName("quilt-cri").setUid(uid).setNamespace("quilt-it"))
                .setLogDirectory(dir.resolve("pods").resolve(uid).toString())
                .putLabels("app", "quilt-cri-it")
                .setLinux(Cri.LinuxPodSandboxConfig.newBuilder()
                        .setCgroupParent("/" + cgroupParent)
                        .setSecurityContext(Cri.LinuxSandboxSecurityContext.newBuilder().setNamespaceOptions(namespaces())))
                .build();
    }

    private Cri.ContainerConfig container(String name, String... command) {
        return Cri.ContainerConfig.newBuilder()
                .setMetadata(Cri.ContainerMetadata.newBuilder().setName(name))
                .setImage(Cri.ImageSpec.newBuilder().setImage(IMAGE))
                .addAllCommand(List.of(command))
                .addEnvs(Cri.KeyValue.newBuilder().setKey(marker.substring(0, marker.indexOf('=')))
                        .setValue(marker.substring(marker.indexOf('=') + 1)))
                .setLogPath(name + ".log")
                // what the kubelet sends for a BestEffort container: the least CPU weight, the
                // first to go under memory pressure, the pod's namespaces
                .setLinux(Cri.LinuxContainerConfig.newBuilder()
                        .setResources(Cri.LinuxContainerResources.newBuilder()
                                .setCpuPeriod(100_000).setCpuShares(2).setOomScoreAdj(1000))
                        .setSecurityContext(Cri.LinuxContainerSecurityContext.newBuilder().setNamespaceOptions(namespaces())))
                .build();
    }

    @Test
    void aPodRunsThroughTheCriAsTheKubeletDrivesIt() throws Exception {
        Cri.VersionResponse version = cri.version();
        assertEquals("containerd", version.getRuntimeName());
        assertEquals("v1", version.getRuntimeApiVersion());

        Cri.PodSandboxConfig sandbox = sandboxConfig();
        String pod = cri.runPodSandbox(sandbox, Containerd.HANDLER);
        ids.add(pod);
        shims.addAll(Leftovers.shims(containerd.socket, pod));
        assertEquals(1, shims.size(), "one runc shim serves the pod: " + shims);
        Path shimSocket = Leftovers.shimSocket(containerd.socket, Containerd.NAMESPACE, pod);
        assertTrue(Files.exists(shimSocket), "the pod's shim listens on " + shimSocket);

        // a container that completes: the CRI reports EXITED and its exit code
        String done = cri.createContainer(pod, container("exit3", "sh", "-c", "exit 3"), sandbox);
        ids.add(done);
        Cri.ContainerStatus exited;
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            // the CRI plugin checkpoints each status change into this dir (written to a temp
            // file, renamed) before it answers ContainerStatus with it: each rename is an event
            containerd.criContainerDir(done).register(watch, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
            cri.startContainer(done);
            exited = awaitExited(done, watch);
        }
        assertEquals(Cri.ContainerState.CONTAINER_EXITED, exited.getState(), exited.toString());
        assertEquals(3, exited.getExitCode(), exited.toString());
        assertEquals("Error", exited.getReason(), "a non-zero exit is the kubelet's 'Error'");

        // a long-running container: ExecSync's output and exit code, then a stop by SIGTERM
        String web = cri.createContainer(pod, container("web", "sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait"), sandbox);
        ids.add(web);
        cri.startContainer(web);
        assertEquals(Cri.ContainerState.CONTAINER_RUNNING, cri.containerStatus(web).getState());
        Cri.ExecSyncResponse exec = cri.execSync(web, DEADLINE.toSeconds(), "sh", "-c", "echo out; echo err >&2; exit 7");
        assertEquals("out\n", exec.getStdout().toStringUtf8(), exec.toString());
        assertEquals("err\n", exec.getStderr().toStringUtf8(), exec.toString());
        assertEquals(7, exec.getExitCode(), exec.toString());
        Cri.ExecSyncResponse env = cri.execSync(web, DEADLINE.toSeconds(), "sh", "-c", "echo $QUILT_CRI_IT");
        assertEquals(marker.substring(marker.indexOf('=') + 1) + "\n", env.getStdout().toStringUtf8(), env.toString());
        assertEquals(0, env.getExitCode());
        Cri.ExecSyncResponse oom = cri.execSync(web, DEADLINE.toSeconds(), "cat", "/proc/1/oom_score_adj");
        assertEquals("1000\n", oom.getStdout().toStringUtf8(), "the kubelet's oom_score_adj reached the container: " + oom);

        // StopContainer returns once the CRI has recorded the exit
        cri.stopContainer(web, DEADLINE.toSeconds());
        Cri.ContainerStatus stopped = cri.containerStatus(web);
        assertEquals(Cri.ContainerState.CONTAINER_EXITED, stopped.getState(), stopped.toString());
        assertEquals(0, stopped.getExitCode(), "the trap's exit 0 after SIGTERM: " + stopped);

        cri.removeContainer(done);
        cri.removeContainer(web);
        cri.stopPodSandbox(pod);
        cri.removePodSandbox(pod);
        assertEquals(0, cri.listContainers().getContainersCount(), cri.listContainers().toString());
        assertEquals(0, cri.listPodSandbox().getItemsCount(), cri.listPodSandbox().toString());

        // what the runc shim asked of the runtime, in the runtime's own words
        List<String> calls = containerd.runtimeCalls();
        System.out.println("runtime calls through the CRI:\n  " + String.join("\n  ", calls));
        for (String verb : List.of("create", "start", "exec", "kill", "delete")) {
            assertTrue(calls.stream().anyMatch(c -> List.of(c.split(" ")).contains(verb)),
                    "the shim never called '" + verb + "': " + calls);
        }
    }

    /**
     * A container whose command does not exist: StartContainer fails with the runtime's own
     * words, and the kubelet sees what it shows as StartError (containerd's exit code 128),
     * then the pod comes down with nothing left.
     */
    @Test
    void aCommandThatDoesNotExistIsTheRuntimesErrorInTheCrisAnswer() throws Exception {
        Cri.PodSandboxConfig sandbox = sandboxConfig();
        String pod = cri.runPodSandbox(sandbox, Containerd.HANDLER);
        ids.add(pod);
        shims.addAll(Leftovers.shims(containerd.socket, pod));
        String broken = cri.createContainer(pod, container("broken", "/bin/no-such-command"), sandbox);
        ids.add(broken);
        CriClient.CriException e = org.junit.jupiter.api.Assertions.assertThrows(CriClient.CriException.class,
                () -> cri.startContainer(broken));
        String answer = e.getMessage().substring(0, e.getMessage().indexOf('\n'));
        assertTrue(answer.contains("no-such-command"), "the CRI's answer names the missing command: " + e.getMessage());
        Cri.ContainerStatus status = cri.containerStatus(broken);
        assertEquals(Cri.ContainerState.CONTAINER_EXITED, status.getState(), status.toString());
        assertEquals("StartError", status.getReason(), status.toString());
        assertEquals(128, status.getExitCode(), status.toString());
        cri.removeContainer(broken);
        cri.stopPodSandbox(pod);
        cri.removePodSandbox(pod);
    }

    /**
     * ContainerStatus until EXITED, asked again only when the CRI's checkpoint dir changes
     * (an event), within {@link #DEADLINE}.
     */
    private Cri.ContainerStatus awaitExited(String id, WatchService watch) throws InterruptedException {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            Cri.ContainerStatus status = cri.containerStatus(id);
            if (status.getState() == Cri.ContainerState.CONTAINER_EXITED) return status;
            WatchKey key = watch.poll(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (key == null) {
                fail("container " + id + " did not exit within " + DEADLINE + ": " + status + "\n" + containerd.diagnostics());
            }
            key.pollEvents();
            key.reset();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        List<String> problems = new ArrayList<>();
        if (cri != null) {
            // what a failed test left, taken down the kubelet's way first
            try {
                for (Cri.PodSandbox p : cri.listPodSandbox().getItemsList()) {
                    problems.add("pod " + p.getId() + " left");
                    cri.stopPodSandbox(p.getId());
                    cri.removePodSandbox(p.getId());
                }
            } catch (AssertionError e) {
                problems.add(e.getMessage());
            }
            cri.close();
        }
        for (int shim : shims) {
            if (!awaitGone(shim)) problems.add("shim " + Leftovers.describe(shim) + " still runs");
        }
        if (containerd != null) {
            String diagnostics = containerd.diagnostics();
            containerd.close();
            for (long pid : Leftovers.processes(dir, marker, cgroupParent)) problems.add("process " + Leftovers.describe(pid));
            for (String m : Leftovers.mounts(dir)) problems.add("mount " + m);
            for (Path c : Leftovers.cgroups(cgroupParent)) problems.add("cgroup " + c);
            for (String id : ids) {
                Path socket = Leftovers.shimSocket(containerd.socket, Containerd.NAMESPACE, id);
                if (Files.exists(socket)) problems.add("shim socket " + socket);
            }
            // the runtime's root may keep files of its own (caches); a container's state is named by its id
            for (String id : ids) {
                Path state = containerd.runtimeRoot.resolve(Containerd.NAMESPACE).resolve(id);
                if (Files.exists(state)) problems.add("runtime state " + state);
            }
            for (Path state : List.of(containerd.taskDir(),
                    dir.resolve("root/io.containerd.grpc.v1.cri/sandboxes"), dir.resolve("root/io.containerd.grpc.v1.cri/containers"),
                    dir.resolve("state/io.containerd.grpc.v1.cri/sandboxes"))) {
                for (String e : Leftovers.entries(state)) problems.add("state " + e);
            }
            if (!problems.isEmpty()) problems.add("diagnostics:\n" + diagnostics);
        }
        if (dir != null) {
            for (String f : Leftovers.removeAll(dir, marker, cgroupParent,
                    ids.stream().map(id -> Leftovers.shimSocket(dir.resolve("containerd.sock"), Containerd.NAMESPACE, id)).toList())) {
                problems.add("could not remove: " + f);
            }
        }
        assertEquals(List.of(), problems, "left behind");
    }

    /** Waits on the process's pidfd (readable when it exits), within {@link #DEADLINE}; true when it is gone. */
    private static boolean awaitGone(int pid) {
        int fd = Processes.openPidfd(pid);
        if (fd < 0) return true;
        try {
            return Watches.await(new int[] {fd}, DEADLINE.toMillis()) != Watches.TIMED_OUT;
        } finally {
            Processes.closeFd(fd);
        }
    }
}
