package dev.quilt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quilt.domain.Container;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RuncTerms;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.oci.OciSpecCodec;
import dev.quilt.usecases.BundleRequest;
import dev.quilt.usecases.CreateContainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bundle's {@code config.json} honoured as runc honours it ({@link RuncTerms#RUNC}, what
 * {@code quilt-runc create} asks): the containers are made in this JVM through the one create use
 * case with runc's terms, then started, waited for, read and removed with the real {@code quilt}.
 * Namespaces joined by {@code /proc/PID/ns/…} (the inode is the other container's), the rootfs
 * used in place (a file written lands in it; Quilt writes no /etc file there and leaves no layer),
 * the hostname set only when given, {@code --no-pivot}, {@code process.oomScoreAdj}, and a path to a
 * namespace of the wrong type refused in one line with nothing left. Every process carries a marker;
 * the root is the test's own and is torn down through {@link Quilt#close}.
 */
class BundleTermsIT {
    private static final String MARK = "QUILT_IT=" + UUID.randomUUID();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path RUNC_SPEC = Path.of("..", "adapters-linux", "src", "test", "resources", "oci",
            "runc-1.1.5-spec.json").toAbsolutePath().normalize();
    private static Path root;
    private static Path work;
    private static Quilt quilt;
    private static CreateContainer create;

    @BeforeAll
    static void setUp() throws IOException {
        root = Files.createTempDirectory("quilt-bundle-terms-it-");
        work = Files.createTempDirectory("quilt-bundle-terms-it-work-");
        quilt = new Quilt(root);
        GlobalOptions options = new GlobalOptions();
        options.root(root);
        create = DaggerQuiltComponent.builder().options(options).invocation(Invocation.process()).build().createContainer();
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            quilt.close(MARK);
        } finally {
            AtomicFiles.deleteTree(work);
        }
    }

    /** A rootfs of the host's static busybox with no /etc at all, so anything written there shows. */
    private static void rootfs(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), dir.resolve("bin/busybox"));
        Process list = new ProcessBuilder("/bin/busybox", "--list").redirectErrorStream(true).start();
        String applets = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, list.waitFor(), applets);
        for (String a : applets.split("\n")) {
            if (!a.isBlank() && !a.equals("busybox")) Files.createSymbolicLink(dir.resolve("bin").resolve(a), Path.of("busybox"));
        }
    }

    /**
     * A bundle from {@code runc spec}'s config.json with a writable root, no terminal, the marker in
     * the env, {@code script} as the command, and {@code edit} applied to the JSON tree.
     */
    private static Path bundle(String script, java.util.function.Consumer<ObjectNode> edit) throws Exception {
        Path b = Files.createTempDirectory(work, "bundle-");
        rootfs(b.resolve("rootfs"));
        ObjectNode spec = (ObjectNode) JSON.readTree(RUNC_SPEC.toFile());
        ((ObjectNode) spec.get("root")).put("readonly", false);
        ObjectNode process = (ObjectNode) spec.get("process");
        process.put("terminal", false);
        process.putArray("args").add("sh").add("-c").add(script);
        ((ArrayNode) process.get("env")).add(MARK);
        edit.accept(spec);
        Files.writeString(b.resolve("config.json"), JSON.writeValueAsString(spec));
        return b;
    }

    private static void namespaces(ObjectNode spec, Map<String, String> paths, String... made) {
        ArrayNode ns = ((ObjectNode) spec.get("linux")).putArray("namespaces");
        for (String t : made) ns.addObject().put("type", t);
        paths.forEach((t, p) -> ns.addObject().put("type", t).put("path", p));
    }

    private static Container create(Path bundle, RuncTerms terms) throws IOException {
        return create.create(new BundleRequest(OciSpecCodec.read(bundle.resolve("config.json")), bundle.toString(),
                Optional.empty(), List.of(), terms));
    }

    private static Quilt.Result ok(Quilt.Result r) {
        assertEquals(0, r.exit(), r.out() + r.err());
        return r;
    }

    /** Starts a created container, waits for its end, and gives its output (its log). */
    private static String runToEnd(Container c) throws Exception {
        ok(quilt.run("start", c.id().value()));
        assertEquals("0", ok(quilt.run("wait", c.id().value())).out().trim());
        return ok(quilt.run("logs", c.id().value())).out();
    }

    private static String value(String out, String key) {
        return out.lines().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + key + " in " + out));
    }

    private static String nsLink(long pid, String type) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc", String.valueOf(pid), "ns", type)).toString();
    }

    private static TreeSet<String> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString()).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void aContainerJoinsAnothersIpcUtsNetAndPidNamespacesByPath() throws Exception {
        Path sandboxBundle = bundle("exec sleep 600", s -> {
            s.put("hostname", "sandbox");
            namespaces(s, Map.of(), "pid", "network", "ipc", "uts", "mount");
        });
        Container sandbox = create(sandboxBundle, RuncTerms.RUNC);
        ok(quilt.run("start", sandbox.id().value()));
        long pid = sandbox.init().orElseThrow().pid();
        Path b = bundle("echo ipc=$(readlink /proc/self/ns/ipc); echo uts=$(readlink /proc/self/ns/uts);"
                + " echo net=$(readlink /proc/self/ns/net); echo pid=$(readlink /proc/self/ns/pid);"
                + " echo host=$(hostname); echo me=$$", s -> {
            s.remove("hostname");
            java.util.Map<String, String> paths = new java.util.LinkedHashMap<>();
            for (String t : List.of("ipc", "uts", "net", "pid")) {
                paths.put(t.equals("net") ? "network" : t, "/proc/" + pid + "/ns/" + t);
            }
            namespaces(s, paths, "mount");
        });
        Container joiner = create(b, RuncTerms.RUNC);
        String out = runToEnd(joiner);
        for (String t : List.of("ipc", "uts", "net", "pid")) {
            assertEquals(nsLink(pid, t), value(out, t), t + " is the sandbox's: " + out);
        }
        assertEquals("sandbox", value(out, "host"), "no hostname given: the joined uts namespace keeps the sandbox's");
        assertNotEquals("1", value(out, "me"), "in a pid namespace joined by path the process is not its pid 1");
        String nspid = Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")).stream()
                .filter(l -> l.startsWith("NSpid:")).findFirst().orElseThrow();
        assertTrue(nspid.endsWith("\t1"), "the sandbox's command is its namespace's pid 1: " + nspid);
        ok(quilt.run("rm", joiner.id().value()));

        // exec into a container that joined them is in them too, not in the host's
        Path m = bundle("exec sleep 600", s -> {
            s.remove("hostname");
            namespaces(s, Map.of("network", "/proc/" + pid + "/ns/net", "ipc", "/proc/" + pid + "/ns/ipc"), "mount",
                    "uts", "pid");
        });
        Container member = create(m, RuncTerms.RUNC);
        ok(quilt.run("start", member.id().value()));
        String seen = ok(quilt.run("exec", member.id().value(), "--", "sh", "-c",
                "echo net=$(readlink /proc/self/ns/net); echo ipc=$(readlink /proc/self/ns/ipc)")).out();
        assertEquals(nsLink(pid, "net"), value(seen, "net"), seen);
        assertEquals(nsLink(pid, "ipc"), value(seen, "ipc"), seen);
        ok(quilt.run("rm", "-f", member.id().value()));
        ok(quilt.run("rm", "-f", sandbox.id().value()));
    }

    @Test
    void aPathToANamespaceOfAnotherTypeIsOneLineAndLeavesNothing() throws Exception {
        Path b = bundle("true", s -> namespaces(s, Map.of("network", "/proc/self/ns/ipc"), "mount", "uts"));
        int before = quilt.run("ps", "-aq").lines().size();
        QuiltException e = assertThrows(QuiltException.class, () -> create(b, RuncTerms.RUNC));
        assertTrue(e.getMessage().matches("container '[0-9a-f]+' is not ready: phase spawned failed: join namespace"
                + " \"/proc/self/ns/ipc\": invalid argument \\(not a namespace of the type linux.namespaces gives"
                + " it\\); removed it"), e.getMessage());
        assertEquals(before, quilt.run("ps", "-aq").lines().size(), "no record left");
        assertEquals(List.of(), Leaks.cgroups(root), "no cgroup left");
    }

    @Test
    void theRootfsIsUsedInPlaceAndQuiltWritesNoEtcFileIntoIt() throws Exception {
        Path b = bundle("echo made-inside > /written; echo host=$(hostname); cat /etc/hostname 2>&1 || true", s -> {
            s.remove("hostname");
            namespaces(s, Map.of(), "pid", "network", "ipc", "uts", "mount");
        });
        Path rootfs = b.resolve("rootfs");
        TreeSet<String> before = files(rootfs);
        Container c = create(b, RuncTerms.RUNC);
        assertFalse(Files.exists(root.resolve("data/containers").resolve(c.id().value()).resolve("upper")),
                "no layer over the rootfs");
        String out = runToEnd(c);
        assertEquals("made-inside\n", Files.readString(rootfs.resolve("written")), "written in place: " + out);
        assertEquals(Files.readString(Path.of("/proc/sys/kernel/hostname")).trim(), value(out, "host"),
                "no hostname given: a new uts namespace keeps the host's copy");
        ok(quilt.run("rm", c.id().value()));
        TreeSet<String> after = files(rootfs);
        after.remove("written");
        // runc too makes a mount's missing destination in the rootfs: config.json mounts /proc, /dev and /sys
        before.addAll(List.of("proc", "dev", "sys"));
        assertEquals(before, after, "nothing else made in the rootfs: no /etc, no hosts, hostname or resolv.conf");
        assertTrue(Files.isDirectory(rootfs.resolve("bin")), "rm leaves the bundle's rootfs");
        assertFalse(Files.exists(root.resolve("data/containers").resolve(c.id().value())), "nothing of it left");
    }

    @Test
    void noPivotRunsAndOomScoreAdjIsSet() throws Exception {
        Path b = bundle("echo oom=$(cat /proc/self/oom_score_adj); echo marker=$(ls /bin/busybox)", s -> {
            ((ObjectNode) s.get("process")).put("oomScoreAdj", 123);
            namespaces(s, Map.of(), "pid", "network", "ipc", "uts", "mount");
        });
        Container c = create(b, new RuncTerms(true, Optional.empty(), 0, true, false));
        String out = runToEnd(c);
        assertEquals("123", value(out, "oom"), out);
        assertEquals("/bin/busybox", value(out, "marker"), "the bundle's rootfs is / under --no-pivot");
        ok(quilt.run("rm", c.id().value()));
        List<String> left = new ArrayList<>(Leaks.cgroups(root));
        assertEquals(List.of(), left);
    }

    @Test
    void theCgroupIsAtCgroupsPathInEveryHierarchyAndRmTakesTheLeaf() throws Exception {
        String top = "quilt-it-" + UUID.randomUUID().toString().substring(0, 8);
        List<Path> hierarchies = Leaks.cgroupHierarchies();
        try {
            Path b = bundle("exec sleep 600", s -> {
                ((ObjectNode) s.get("linux")).put("cgroupsPath", "/" + top + "/c1");
                namespaces(s, Map.of(), "pid", "network", "ipc", "uts", "mount");
            });
            Container c = create(b, RuncTerms.RUNC);
            ok(quilt.run("start", c.id().value()));
            String pid = String.valueOf(c.init().orElseThrow().pid());
            for (Path h : hierarchies) {
                Path leaf = h.resolve(top).resolve("c1");
                assertTrue(Files.readAllLines(leaf.resolve("cgroup.procs")).contains(pid), leaf + " holds the init");
                assertFalse(Files.exists(h.resolve(LinuxPathsView.parent(root)).resolve(c.id().value())),
                        "not in quilt's own place in " + h);
            }
            String seen = ok(quilt.run("exec", c.id().value(), "--", "cat", "/proc/self/cgroup")).out();
            assertTrue(seen.lines().filter(l -> !l.isBlank()).allMatch(l -> l.endsWith(":/" + top + "/c1")),
                    "exec joins the cgroup at the path in every hierarchy (no cgroup namespace: the host's view): " + seen);
            String hostView = Files.readString(Path.of("/proc", pid, "cgroup"));
            assertTrue(hostView.contains(":/" + top + "/c1"), "the host sees the init at the path: " + hostView);
            ok(quilt.run("stats", c.id().value()));
            ok(quilt.run("rm", "-f", c.id().value()));
            for (Path h : hierarchies) {
                assertFalse(Files.exists(h.resolve(top).resolve("c1")), "rm took the leaf in " + h);
                assertTrue(Files.isDirectory(h.resolve(top)), "and left the directory on the way in " + h);
            }
        } finally {
            removeTestCgroups(hierarchies, top);
        }
    }

    @Test
    void aCgroupAlreadyAtCgroupsPathIsNotTakenNorRemoved() throws Exception {
        String top = "quilt-it-" + UUID.randomUUID().toString().substring(0, 8);
        List<Path> hierarchies = Leaks.cgroupHierarchies();
        try {
            for (Path h : hierarchies) Files.createDirectories(h.resolve(top).resolve("c1"));
            Path b = bundle("true", s -> {
                ((ObjectNode) s.get("linux")).put("cgroupsPath", "/" + top + "/c1");
                namespaces(s, Map.of(), "pid", "network", "ipc", "uts", "mount");
            });
            int before = quilt.run("ps", "-aq").lines().size();
            QuiltException e = assertThrows(QuiltException.class, () -> create(b, RuncTerms.RUNC));
            assertTrue(e.getMessage().contains("/" + top + "/c1 exists already (linux.cgroupsPath): quilt makes a"
                    + " container's cgroup itself and will not take or later remove one it did not make"), e.getMessage());
            for (Path h : hierarchies) assertTrue(Files.isDirectory(h.resolve(top).resolve("c1")), "someone else's, left in " + h);
            assertEquals(before, quilt.run("ps", "-aq").lines().size(), "no record left");
            assertEquals(List.of(), Leaks.cgroups(root), "nothing of quilt's own left");
        } finally {
            removeTestCgroups(hierarchies, top);
        }
    }

    /** The test's own cgroups at {@code /top/c1}: what still runs there (this test's) is killed, then they go. */
    private static void removeTestCgroups(List<Path> hierarchies, String top) throws Exception {
        for (Path h : hierarchies) {
            Path leaf = h.resolve(top).resolve("c1");
            if (!Files.isDirectory(leaf)) continue;
            for (String pid : Files.readAllLines(leaf.resolve("cgroup.procs"))) {
                var p = ProcessHandle.of(Long.parseLong(pid.trim()));
                if (p.isPresent()) {
                    p.get().destroyForcibly();
                    p.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
                }
            }
        }
        for (Path h : hierarchies) {
            Path leaf = h.resolve(top).resolve("c1");
            if (Files.isDirectory(leaf)) Files.delete(leaf);
            if (Files.isDirectory(h.resolve(top))) Files.delete(h.resolve(top));
        }
    }

    /** Where quilt's own cgroups go for this root. */
    private static final class LinuxPathsView {
        static String parent(Path root) {
            return dev.quilt.linux.LinuxPaths.under(root).cgroupParent();
        }
    }
}
