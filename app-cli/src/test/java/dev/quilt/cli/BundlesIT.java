package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quilt.domain.Capability;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.Rlimit;
import dev.quilt.domain.oci.OciConversion;
import dev.quilt.domain.oci.OciProcess;
import dev.quilt.domain.oci.RuntimeSpec;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.oci.OciSpecCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OCI bundles through the engine ({@code quilt create --bundle}): the three config.json
 * fixtures of {@code adapters-linux/src/test/resources/oci/} (runc spec, a podman-created
 * container's, ctr oci spec), each copied into a bundle UNCHANGED beside a busybox rootfs.
 *
 * <p>Each runs first as it is: podman's {@code echo hi} prints hi; runc's asks for a
 * terminal ({@code terminal: true}, {@code sh}), which the engine cannot give an init yet,
 * so it is the one line saying so (runc, too, refuses it without {@code --console-socket})
 * and then the same file with only {@code terminal} flipped runs {@code sh}, which ends at
 * the end of its (empty) stdin; containerd's has no {@code process.args} ({@code ctr run}
 * adds them), so it is the one line asking for a command. Then each runs with a command
 * given on the command line, as {@code ctr run} gives one, that prints what the process
 * has: its capability sets, no_new_privs and seccomp mode from /proc/self/status, its
 * hostname, env, cwd, RLIMIT_NOFILE, whether its root is writable, its mounts. Each must be
 * what the config.json says. Afterwards nothing of it is left: no record, layer, cgroup or
 * mount, and the bundle's rootfs is as it was.
 *
 * <p>The podman config names podman's own paths (its root.path under
 * {@code /tmp/oci-podman}, bind sources for /etc/hosts, /etc/hostname, /dev/shm and
 * /run/.containerenv): the test makes them, as podman did before it ran runc, and removes
 * them; it refuses to run over a {@code /tmp/oci-podman} it did not make.
 */
class BundlesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FIXTURES = Path.of("..", "adapters-linux", "src", "test", "resources", "oci")
            .toAbsolutePath().normalize();
    private static final String RUNC = "runc-1.1.5-spec.json";
    private static final String PODMAN = "podman-4.3.1-create.json";
    private static final String CONTAINERD = "containerd-1.6.20-ctr-oci-spec.json";
    private static final Path PODMAN_PATHS = Path.of("/tmp/oci-podman");
    private static final String PODMAN_USERDATA = "overlay-containers/"
            + "ebdd5f4d7e0901ce4400f84c2044026c31b1417202f656550bd1d12a8b6c6f59/userdata";
    private static final String PODMAN_ROOTFS = "root/overlay/"
            + "99c64a54a2f805de3b61bdbaade76ccaa68e10c16045ec844a6d2529d1818ddf/merged";

    /** What the ctr-style command prints, one {@code key=value} or status line each. */
    private static final String PROBE = String.join("; ",
            "grep -E '^(Cap[A-Za-z]+|NoNewPrivs|Seccomp_filters):' /proc/self/status",
            "echo host=$(hostname)",
            "echo cwd=$(pwd)",
            "env | sed 's/^/env:/'",
            "echo nofile=$(ulimit -Sn):$(ulimit -Hn)",
            "if touch /.quilt-probe 2>/dev/null; then echo root=rw; else echo root=ro; fi",
            "sed 's/^/mnt:/' /proc/self/mountinfo",
            "echo hostsfile=$(cat /etc/hostname)");

    private static Path root;
    private static Quilt quilt;
    private static Path work;
    private static boolean madePodmanPaths;
    /**
     * The fixtures' linux.cgroupsPath directories on the way (podman's /libpod_parent) that were not there before
     * the test: the engine makes them as runc does and leaves them, so the test removes them when empty.
     */
    private static final List<Path> cgroupDirsToRemove = new ArrayList<>();

    @BeforeAll
    static void setUp() throws IOException {
        root = Files.createTempDirectory("quilt-bundles-it-");
        work = Files.createTempDirectory("quilt-bundles-it-work-");
        quilt = new Quilt(root);
        for (Path h : Leaks.cgroupHierarchies()) {
            if (!Files.exists(h.resolve("libpod_parent"))) cgroupDirsToRemove.add(h.resolve("libpod_parent"));
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        List<String> problems = quilt.teardown();
        problems.addAll(Leaks.mountsUnder(root));
        AtomicFiles.deleteTree(root);
        AtomicFiles.deleteTree(work);
        if (madePodmanPaths) AtomicFiles.deleteTree(PODMAN_PATHS);
        for (Path d : cgroupDirsToRemove) {
            try {
                Files.deleteIfExists(d);
            } catch (java.nio.file.FileSystemException inUse) {
                // someone else's containers are under it now (podman's own): theirs to remove
            }
        }
        assertEquals(List.of(), problems, "left behind");
    }

    // ---- bundles ----

    /** A busybox root file system at {@code dir}: the host's static busybox and a link per applet. */
    private static void busybox(Path dir) throws IOException, InterruptedException {
        for (String d : List.of("bin", "etc", "dev", "proc", "sys", "tmp", "root", "run")) {
            Files.createDirectories(dir.resolve(d));
        }
        Files.copy(Path.of("/bin/busybox"), dir.resolve("bin/busybox"));
        Process list = new ProcessBuilder("/bin/busybox", "--list").redirectErrorStream(true).start();
        String applets = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, list.waitFor(), applets);
        for (String a : applets.split("\n")) {
            if (!a.isBlank() && !a.equals("busybox")) Files.createSymbolicLink(dir.resolve("bin").resolve(a), Path.of("busybox"));
        }
        Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(dir.resolve("etc/group"), "root:x:0:\n");
        Files.writeString(dir.resolve("etc/hostname"), "busybox\n");
    }

    /** A bundle: the fixture's config.json byte for byte (or as {@code edit} says) and a rootfs where it says. */
    private static Path bundle(String fixture, java.util.function.UnaryOperator<String> edit) throws Exception {
        Path b = Files.createTempDirectory(work, "bundle-");
        String text = Files.readString(FIXTURES.resolve(fixture));
        Files.writeString(b.resolve("config.json"), edit.apply(text));
        RuntimeSpec spec = OciSpecCodec.read(FIXTURES.resolve(fixture));
        String path = spec.root().orElseThrow().path();
        if (path.startsWith("/")) {
            podmanPaths();
        } else {
            busybox(b.resolve(path));
        }
        return b;
    }

    /** What podman made before it ran runc on its config.json: the rootfs and the files it binds. */
    private static synchronized void podmanPaths() throws Exception {
        if (madePodmanPaths) return;
        assertFalse(Files.exists(PODMAN_PATHS, LinkOption.NOFOLLOW_LINKS),
                PODMAN_PATHS + " exists: the test makes podman's paths there and will not run over someone else's");
        madePodmanPaths = true;
        busybox(PODMAN_PATHS.resolve(PODMAN_ROOTFS));
        Path runroot = PODMAN_PATHS.resolve("runroot").resolve(PODMAN_USERDATA);
        Files.createDirectories(runroot);
        Files.writeString(runroot.resolve("hosts"), "127.0.0.1\tlocalhost\n");
        Files.writeString(runroot.resolve("hostname"), "ebdd5f4d7e09\n");
        Files.writeString(runroot.resolve(".containerenv"), "engine=\"podman-4.3.1\"\n");
        Files.createDirectories(PODMAN_PATHS.resolve("root").resolve(PODMAN_USERDATA).resolve("shm"));
    }

    private static Path rootfsOf(Path bundle) throws IOException {
        String path = OciSpecCodec.read(bundle.resolve("config.json")).root().orElseThrow().path();
        return path.startsWith("/") ? Path.of(path) : bundle.resolve(path);
    }

    /** Every file under {@code dir} with its type, size, mode and mtime: to show a container changed none. */
    private static Map<String, String> snapshot(Path dir) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                m.put(dir.relativize(p).toString(), (a.isDirectory() ? "d" : a.isSymbolicLink() ? "l" : "f") + " "
                        + a.size() + " " + a.lastModifiedTime() + " "
                        + Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS));
            }
        }
        return m;
    }

    // ---- running ----

    private static String ok(Quilt.Result r) {
        assertEquals(0, r.exit(), r.err());
        return r.out();
    }

    /** {@code create --bundle B [--name N] [-- ARGS]}, start, wait: the container's ID and exit code. */
    private static String createStartWait(Path bundle, String name, List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("create", "--bundle", bundle.toString(), "--name", name));
        if (!args.isEmpty()) {
            cmd.add("--");
            cmd.addAll(args);
        }
        String id = ok(quilt.run(cmd.toArray(String[]::new))).trim();
        ok(quilt.run("start", name));
        assertEquals("0", ok(quilt.run("wait", name)).trim(), quilt.run("logs", name).out());
        return id;
    }

    /** The container goes with rm and leaves nothing: no record, layer, name, cgroup or mount; the rootfs unchanged. */
    private static void removedWithoutATrace(String name, String id, Path bundle, Map<String, String> before)
            throws Exception {
        ok(quilt.run("rm", name));
        removedWithoutATraceAfterRm(id, bundle, before);
    }

    private static void removedWithoutATraceAfterRm(String id, Path bundle, Map<String, String> before)
            throws Exception {
        assertFalse(Files.exists(root.resolve("run").resolve(id)), "state of " + id + " left");
        assertFalse(Files.exists(root.resolve("data/containers").resolve(id)), "layer of " + id + " left");
        assertEquals(List.of(), Leaks.names(root), "name claims left");
        assertEquals(List.of(), Leaks.mountsUnder(root), "mounts left");
        assertEquals(List.of(), Leaks.mountsUnder(rootfsOf(bundle)), "mounts on the rootfs left");
        assertEquals(List.of(), Leaks.cgroups(root), "cgroups left");
        java.util.Optional<String> cgroupsPath = OciSpecCodec.read(bundle.resolve("config.json")).linux()
                .flatMap(l -> l.cgroupsPath());
        if (cgroupsPath.isPresent() && cgroupsPath.get().startsWith("/")) {
            for (Path h : Leaks.cgroupHierarchies()) {
                assertFalse(Files.exists(h.resolve(cgroupsPath.get().substring(1))), "cgroup at linux.cgroupsPath left in " + h);
            }
        }
        assertEquals(before, snapshot(rootfsOf(bundle)), "the bundle's rootfs changed");
        assertEquals("", ok(quilt.run("ps", "-aq")).trim());
    }

    /** A refusal: non-zero, one line, nothing made. */
    private static void refused(Quilt.Result r, String expected) throws Exception {
        assertTrue(r.exit() != 0, r.out());
        assertEquals("quilt: " + expected + "\n", r.err());
        assertEquals("", ok(quilt.run("ps", "-aq")).trim(), "a refused bundle left a container");
        assertEquals(List.of(), Leaks.cgroups(root), "cgroups left");
        try (Stream<Path> layers = Files.exists(root.resolve("data/containers"))
                ? Files.list(root.resolve("data/containers")) : Stream.empty()) {
            assertEquals(List.of(), layers.toList(), "a refused bundle left a layer");
        }
    }

    // ---- what the process has, against what config.json says ----

    private static long mask(Set<Capability> caps) {
        long m = 0;
        for (Capability c : caps) m |= 1L << c.number();
        return m;
    }

    private static Map<String, String> fields(String out) {
        Map<String, String> m = new TreeMap<>();
        for (String line : out.split("\n")) {
            int sep = line.indexOf(line.startsWith("Cap") || line.startsWith("NoNew") || line.startsWith("Seccomp_filters")
                    ? ':' : '=');
            if (sep > 0 && !line.startsWith("env:") && !line.startsWith("mnt:")) {
                m.put(line.substring(0, sep), line.substring(sep + 1).trim());
            }
        }
        return m;
    }

    private static List<String> prefixed(String out, String prefix) {
        return Stream.of(out.split("\n")).filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()))
                .toList();
    }

    /** mountinfo: mount point → its per-mount options. */
    private static Map<String, String> mounts(String out) {
        Map<String, String> m = new TreeMap<>();
        for (String line : prefixed(out, "mnt:")) {
            String[] f = line.split(" ");
            m.put(f[4], f[5]);
        }
        return m;
    }

    private static void holdsWhatTheConfigSays(String fixture, String name, Path bundle, String out) throws Exception {
        RuntimeSpec spec = OciSpecCodec.read(FIXTURES.resolve(fixture));
        OciProcess p = spec.process().orElseThrow();
        OciProcess.CapabilitySets caps = p.capabilities().orElseThrow();
        Map<String, String> f = fields(out);
        String why = fixture + ":\n" + out;
        assertEquals(mask(caps.bounding()), Long.parseUnsignedLong(f.get("CapBnd"), 16), "CapBnd " + why);
        assertEquals(mask(caps.effective()), Long.parseUnsignedLong(f.get("CapEff"), 16), "CapEff " + why);
        assertEquals(mask(caps.permitted()), Long.parseUnsignedLong(f.get("CapPrm"), 16), "CapPrm " + why);
        assertEquals(mask(caps.inheritable()), Long.parseUnsignedLong(f.get("CapInh"), 16), "CapInh " + why);
        // ambient: what the kernel can raise (permitted and inheritable), as under runc
        long ambient = mask(caps.ambient()) & mask(caps.permitted()) & mask(caps.inheritable());
        assertEquals(ambient, Long.parseUnsignedLong(f.get("CapAmb"), 16), "CapAmb " + why);
        assertEquals(p.noNewPrivileges() ? "1" : "0", f.get("NoNewPrivs"), why);
        // the process is pid 1, which always has the engine's SIGKILL notifier (docs: "pid 1 and SIGKILL");
        // linux.seccomp is one filter more
        boolean seccomp = spec.linux().orElseThrow().seccomp().isPresent();
        assertEquals(seccomp ? "2" : "1", f.get("Seccomp_filters"), "seccomp filters " + why);

        assertEquals(spec.hostname().filter(h -> !h.isEmpty()).orElse(name), f.get("host"), why);
        assertEquals(p.cwd(), f.get("cwd"), why);
        List<String> env = prefixed(out, "env:");
        for (String e : p.env()) assertTrue(env.contains(e), e + " in the env: " + why);
        Rlimit nofile = p.rlimits().stream().filter(r -> r.type().equals("RLIMIT_NOFILE")).findFirst().orElseThrow();
        assertEquals(nofile.soft() + ":" + nofile.hard(), f.get("nofile"), why);
        assertEquals(spec.root().orElseThrow().readonly() ? "ro" : "rw", f.get("root"), why);

        Map<String, String> mounts = mounts(out);
        assertTrue(mounts.get("/").startsWith(spec.root().orElseThrow().readonly() ? "ro" : "rw"), "/ " + why);
        OciConversion.EngineSpec engine = OciConversion.toEngine(spec, "config.json");
        for (var m : spec.mounts()) {
            // without a cgroup namespace /sys/fs/cgroup stays sysfs's empty read-only directory (see docs)
            if (m.destination().equals("/sys/fs/cgroup") && !engine.namespaces().contains(Namespace.CGROUP)) continue;
            assertTrue(mounts.containsKey(m.destination()), m.destination() + " mounted: " + why);
        }
        assertTrue(mounts.get("/sys").startsWith("ro"), "/sys read-only: " + why);
        var linux = spec.linux().orElseThrow();
        for (String masked : linux.maskedPaths()) {
            // a path this kernel lacks is skipped, as runc does
            if (Files.exists(Path.of(masked))) assertTrue(mounts.containsKey(masked), masked + " masked: " + why);
        }
        for (String ro : linux.readonlyPaths()) {
            if (Files.exists(Path.of(ro))) {
                assertTrue(mounts.containsKey(ro) && mounts.get(ro).startsWith("ro"), ro + " read-only: " + why);
            }
        }

        JsonNode security = JSON.readTree(ok(quilt.run("inspect", name))).get("security");
        assertEquals(caps.bounding().size(), security.get("capabilities").get("bounding").size(), security.toString());
        assertEquals(p.noNewPrivileges(), security.get("noNewPrivileges").asBoolean());
        assertEquals(seccomp ? "config.json" : "unconfined", security.get("seccomp").asText(), security.toString());
        assertEquals(linux.maskedPaths().size(), security.get("maskedPaths").size(), security.toString());
        assertEquals(rootfsOf(bundle).toString(), JSON.readTree(ok(quilt.run("inspect", name))).get("rootfs").asText());
        for (var m : spec.mounts()) {
            // podman binds its own /etc/hostname: the container sees that file, not the rootfs's
            if (m.destination().equals("/etc/hostname") && m.source().isPresent()) {
                assertEquals(Files.readString(Path.of(m.source().get())).trim(), f.get("hostsfile"), why);
            }
        }
    }

    /** The fixture with a ctr-style command that prints what the process has; then removed without a trace. */
    private static void probed(String fixture, String name, java.util.function.UnaryOperator<String> edit)
            throws Exception {
        Path b = bundle(fixture, edit);
        Map<String, String> before = snapshot(rootfsOf(b));
        String id = null;
        try {
            id = createStartWait(b, name, List.of("sh", "-c", PROBE));
            holdsWhatTheConfigSays(fixture, name, b, ok(quilt.run("logs", name)));
            removedWithoutATrace(name, id, b, before);
        } finally {
            if (id != null) quilt.run("rm", "-f", id);
        }
    }

    // ---- the tests ----

    @Test
    void runcSpecAsItIsIsOneLineAboutItsTerminal() throws Exception {
        Path b = bundle(RUNC, t -> t);
        refused(quilt.run("create", "--bundle", b.toString(), "--name", "runc-tty"),
                dev.quilt.usecases.ContainerLauncher.TERMINAL_WITHOUT_SOCKET);
    }

    /** The same file with only {@code terminal} flipped: its own {@code sh} runs and ends at its stdin's end. */
    @Test
    void runcSpecWithTerminalFlippedRunsItsShell() throws Exception {
        Path b = bundle(RUNC, BundlesIT::noTerminal);
        Map<String, String> before = snapshot(rootfsOf(b));
        String id = createStartWait(b, "runc-sh", List.of());
        assertEquals("[\"sh\"]", JSON.readTree(ok(quilt.run("inspect", "runc-sh"))).get("command").toString(),
                "process.args as config.json says");
        removedWithoutATrace("runc-sh", id, b, before);
        probed(RUNC, "runc-probe", BundlesIT::noTerminal);
    }

    private static String noTerminal(String config) {
        String flipped = config.replace("\"terminal\": true", "\"terminal\": false");
        assertEquals(1, config.split("\"terminal\": true", -1).length - 1, "one terminal field in runc's config");
        return flipped;
    }

    @Test
    void podmanCreatedConfigRunsItsEcho() throws Exception {
        Path b = bundle(PODMAN, t -> t);
        Map<String, String> before = snapshot(rootfsOf(b));
        String id = createStartWait(b, "podman-echo", List.of());
        assertEquals("hi\n", ok(quilt.run("logs", "podman-echo")));
        JsonNode c = JSON.readTree(ok(quilt.run("inspect", "podman-echo")));
        assertEquals(2048, c.get("resources").get("pidsLimit").asInt(), "linux.resources.pids.limit");
        removedWithoutATrace("podman-echo", id, b, before);
        probed(PODMAN, "podman-probe", t -> t);
    }

    @Test
    void containerdSpecNeedsTheCommandCtrRunGives() throws Exception {
        Path b = bundle(CONTAINERD, t -> t);
        refused(quilt.run("create", "--bundle", b.toString(), "--name", "ctr-noargs"),
                "config.json: process.args is empty: put the command there, or give it after '--'");
        probed(CONTAINERD, "ctr-probe", t -> t);
    }

    /** exec into a running bundle container gets the container's confinement, as for any other. */
    @Test
    void execIntoABundleContainerIsConfinedAsItsConfigSays() throws Exception {
        Path b = bundle(CONTAINERD, t -> t);
        Map<String, String> before = snapshot(rootfsOf(b));
        String id = ok(quilt.run("create", "--bundle", b.toString(), "--name", "ctr-exec", "--", "sleep", "3600")).trim();
        try {
            ok(quilt.run("start", "ctr-exec"));
            Map<String, String> f = fields(ok(quilt.run("exec", "ctr-exec", "--", "sh", "-c", PROBE)));
            OciProcess p = OciSpecCodec.read(FIXTURES.resolve(CONTAINERD)).process().orElseThrow();
            assertEquals(mask(p.capabilities().orElseThrow().bounding()), Long.parseUnsignedLong(f.get("CapBnd"), 16));
            assertEquals(mask(p.capabilities().orElseThrow().effective()), Long.parseUnsignedLong(f.get("CapEff"), 16));
            assertEquals("1", f.get("NoNewPrivs"));
            assertEquals("ctr-exec", f.get("host"));
            assertEquals("1024:1024", f.get("nofile"));
            ok(quilt.run("rm", "-f", "ctr-exec"));
            removedWithoutATraceAfterRm(id, b, before);
        } finally {
            quilt.run("rm", "-f", id);
        }
    }

    // ---- bad bundles ----

    @Test
    void aBundleWithoutItsRootfsIsOneLine() throws Exception {
        Path b = Files.createTempDirectory(work, "norootfs-");
        Files.copy(FIXTURES.resolve(CONTAINERD), b.resolve("config.json"));
        refused(quilt.run("create", "--bundle", b.toString(), "--", "true"),
                "root directory " + b.resolve("rootfs") + " is not a directory; make the bundle's rootfs or fix"
                        + " root.path");
    }

    @Test
    void aBadFieldInConfigJsonIsOneLineNamingIt() throws Exception {
        Path b = bundle(CONTAINERD, t -> t.replaceFirst("\"uid\": 0", "\"uid\": \"root\""));
        refused(quilt.run("create", "--bundle", b.toString(), "--", "true"),
                "config.json: process.user.uid is \"root\", not a number");
    }

    @Test
    void aBundleWithoutConfigJsonIsOneLine() throws Exception {
        Path b = Files.createTempDirectory(work, "noconfig-");
        refused(quilt.run("create", "--bundle", b.toString(), "--", "true"),
                b.resolve("config.json") + " does not exist: give a bundle with a config.json");
    }

    @Test
    void flagsThatConfigJsonSaysAreRefusedWithABundle() throws Exception {
        Path b = bundle(CONTAINERD, t -> t);
        refused(quilt.run("create", "--bundle", b.toString(), "--memory", "64m", "--", "true"),
                "--memory does not go with --bundle: config.json says how the container is made; change it there");
        refused(quilt.run("create", "--bundle", b.toString(), "busybox", "--", "true"),
                "--bundle takes no image ('busybox'): the bundle's root.path is the root; put a command after '--'");
    }

}
