package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quilt.domain.Container;
import dev.quilt.domain.RuncTerms;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.oci.OciSpecCodec;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.ContainerStorage;
import dev.quilt.ports.HostNetwork;
import dev.quilt.ports.NetworkStore;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.StateStore;
import dev.quilt.usecases.BundleRequest;
import dev.quilt.usecases.ContainerLauncher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * runc's process tree through the engine's own launcher ({@code ContainerLauncher}, as quilt-runc create uses it)
 * on the real kernel, as root: this JVM is the caller's child subreaper (conmon, containerd's shim), the init of a
 * bundle's container is its child and it reaps exit 3; {@code quilt inspect} says created, then stopped with no
 * exit code and no "monitor gone"; {@code quilt rm} leaves no process, cgroup, mount or record ({@link Quilt#close}).
 */
class HandedOffTreeIT {
    private static final String MARK = "QUILT_IT=" + UUID.randomUUID();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path root;
    private Quilt quilt;
    private final java.util.List<Integer> children = new java.util.ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-tree-it-");
        quilt = new Quilt(root);
        NativeLibrary.load(LinuxPaths.under(root).nativeCache());
        Processes.childSubreaper(true);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            for (int pid : children) {
                int pidfd = Processes.openPidfd(pid);
                if (pidfd >= 0) {
                    Processes.signal(pidfd, dev.quilt.linux.jni.Protocol.SIGKILL);
                    Processes.closeFd(pidfd);
                }
                try {
                    Processes.await(pid);
                } catch (RuntimeException reapedAlready) {
                    // the test reaped it
                }
            }
        } finally {
            Processes.childSubreaper(false);
            quilt.close(MARK);
        }
    }

    @Test
    void theCallerReapsTheExitCodeQuiltSaysStoppedWithoutOneAndRmLeavesNothing() throws Exception {
        Path bundle = bundle();
        ContainerLauncher.Launch launch = launcher().launch(new BundleRequest(OciSpecCodec.read(
                bundle.resolve("config.json")), bundle.toString(), Optional.empty(), List.of(), RuncTerms.RUNC),
                ProcessSpawner.Mode.HANDED_OFF);
        launch.launched().close();
        Container c = launch.container();
        int init = c.init().orElseThrow().pid();
        children.add(init);
        children.add(c.monitor().orElseThrow().pid());
        String id = c.id().value();
        assertEquals(ProcessHandle.current().pid(), ProcessHandle.of(init).orElseThrow().parent().orElseThrow().pid(),
                "the init is the caller's child");
        JsonNode created = inspect(id);
        assertEquals("created", created.get("status").asText());
        assertEquals("running", created.get("monitor").asText());

        Quilt.Result start = quilt.run("start", id);
        assertEquals(0, start.exit(), start.err());
        int status = Processes.await(init);
        assertEquals(0, status & 0x7f, "exited, not signalled: " + status);
        assertEquals(3, (status >> 8) & 0xff, "the caller reaps the exit code");
        assertEquals(0, Processes.await(c.monitor().orElseThrow().pid()), "the monitor left after the init");

        JsonNode stopped = inspect(id);
        assertEquals("stopped", stopped.get("status").asText(), stopped.toString());
        assertTrue(stopped.get("exitCode") == null || stopped.get("exitCode").isNull(), "no code invented: " + stopped);
        assertFalse(stopped.has("monitor") && "gone".equals(stopped.get("monitor").asText()), "not 'monitor gone'");

        Quilt.Result rm = quilt.run("rm", id);
        assertEquals(0, rm.exit(), rm.err());
        assertEquals("", quilt.run("ps", "-aq").out().trim());
        // quilt.close(MARK) then fails on any process, cgroup, mount or network left
    }

    /** The launcher as quilt's own wiring builds it (LinuxModule), over this test's root. */
    private ContainerLauncher launcher() {
        GlobalOptions options = new GlobalOptions();
        options.root(root);
        LinuxPaths paths = LinuxModule.paths(options);
        NativeLibrary lib = LinuxModule.nativeLibrary(paths);
        StateStore state = LinuxModule.state(paths);
        ContainerStorage storage = LinuxModule.storage(paths);
        Cgroups cgroups = LinuxModule.cgroups(paths, lib);
        NetworkStore addresses = LinuxModule.networkStore(paths);
        HostNetwork host = LinuxModule.hostNetwork(paths, lib);
        var clock = LinuxModule.clock();
        return LinuxModule.launcher(LinuxModule.imageResolver(LinuxModule.images(paths, clock, LinuxModule.privileges()),
                        LinuxModule.defaultImage()), state, storage,
                LinuxModule.spawner(paths, lib, LinuxModule.seccompFilters(paths, lib), Invocation.process()),
                LinuxModule.forget(state, storage, host, addresses, cgroups), LinuxModule.attachNetwork(addresses, host),
                cgroups, LinuxModule.ids(), clock, LinuxModule.hostLimits(), LinuxModule.subordinateIds(paths));
    }

    private JsonNode inspect(String id) throws Exception {
        Quilt.Result r = quilt.run("inspect", id);
        assertEquals(0, r.exit(), r.err());
        JsonNode n = JSON.readTree(r.out());
        return n.isArray() ? n.get(0) : n;
    }

    /** A bundle: runc's shape of config.json, a command that says nothing (stdio is this JVM's), a busybox rootfs. */
    private Path bundle() throws Exception {
        Path b = Files.createDirectories(root.resolve("bundle"));
        Path rootfs = Files.createDirectories(b.resolve("rootfs/bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("busybox"));
        Files.createSymbolicLink(rootfs.resolve("sh"), Path.of("busybox"));
        for (String d : List.of("proc", "dev", "sys", "tmp", "etc")) Files.createDirectories(b.resolve("rootfs").resolve(d));
        Files.writeString(b.resolve("config.json"), """
                {"ociVersion": "1.0.2",
                 "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["sh", "-c", "exit 3"],
                             "env": ["PATH=/bin", "%s"], "cwd": "/"},
                 "root": {"path": "rootfs"},
                 "hostname": "tree",
                 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
                 "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "uts"}, {"type": "ipc"},
                                          {"type": "network"}]}}
                """.formatted(MARK));
        return b;
    }
}
