package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OCI hooks (config.md "POSIX-platform Hooks", runtime.md "Lifecycle") through {@code quilt create
 * --bundle}, {@code start} and {@code rm}, on runc's own {@code runc spec} config with hooks added.
 * Each hook script appends its name, the status and pid of the state it read on stdin and its own
 * mount namespace to a log: createRuntime in the runtime's namespace, createContainer in the
 * container's mount namespace before pivot_root, startContainer in the container after start (its
 * state "created", pid 1), poststart after start, poststop after rm. A failing or timed-out hook
 * before start fails the create and leaves nothing; a poststop failure is a warning. Every hook and
 * container carries a marker; nothing of it may outlive the test.
 */
class HooksIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path RUNC_SPEC = Path.of("..", "adapters-linux", "src", "test", "resources", "oci",
            "runc-1.1.5-spec.json").toAbsolutePath().normalize();
    private static final String MARKER = "QUILT_IT=" + UUID.randomUUID();
    /**
     * Saves the state it reads to state-NAME.json beside LOG, then appends "NAME STATUS PID MNTNS CWD" to LOG (CWD
     * "rootfs" when it is the container's root); exits EXIT.
     */
    private static final String RECORD = """
            #!/bin/sh
            name=$1 log=$2
            cat > "$(dirname "$log")/state-$name.json"
            state=$(cat "$(dirname "$log")/state-$name.json")
            status=$(echo "$state" | sed -n 's/.*"status":"\\([a-z]*\\)".*/\\1/p')
            pid=$(echo "$state" | sed -n 's/.*"pid":\\([0-9]*\\).*/\\1/p')
            if [ -x ./bin/busybox ]; then cwd=rootfs; else cwd=$(pwd); fi
            echo "$name $status ${pid:-none} $(readlink /proc/$$/ns/mnt) $cwd" >> "$log"
            exit "${3:-0}"
            """;

    private static Path root;
    private static Path work;
    private static Quilt quilt;

    @BeforeAll
    static void setUp() throws IOException {
        root = Files.createTempDirectory("quilt-hooks-it-");
        work = Files.createTempDirectory("quilt-hooks-it-work-");
        quilt = new Quilt(root);
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            quilt.close(MARKER);
        } finally {
            dev.quilt.linux.AtomicFiles.deleteTree(work);
        }
    }

    private static String ok(Quilt.Result r) {
        assertEquals(0, r.exit(), r.err());
        return r.out();
    }

    /** A busybox root, with the record script in it too (for startContainer, which runs in the container). */
    private static void busybox(Path rootfs) throws IOException, InterruptedException {
        for (String d : List.of("bin", "proc", "dev", "sys", "tmp", "etc")) Files.createDirectories(rootfs.resolve(d));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"));
        Process list = new ProcessBuilder("/bin/busybox", "--list").redirectErrorStream(true).start();
        for (String a : new String(list.getInputStream().readAllBytes()).split("\n")) {
            if (!a.isBlank() && !a.equals("busybox")) Files.createSymbolicLink(rootfs.resolve("bin").resolve(a), Path.of("busybox"));
        }
        assertEquals(0, list.waitFor());
        record(rootfs.resolve("record.sh"));
    }

    private static void record(Path at) throws IOException {
        Files.writeString(at, RECORD);
        Files.setPosixFilePermissions(at, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static ObjectNode hook(String path, List<String> args, int timeout) {
        ObjectNode h = JSON.createObjectNode().put("path", path);
        ArrayNode a = h.putArray("args");
        args.forEach(a::add);
        h.putArray("env").add("PATH=/bin:/usr/bin").add(MARKER);
        if (timeout > 0) h.put("timeout", timeout);
        return h;
    }

    /** The record script of the bundle (runtime side) as hook NAME, exiting EXIT. */
    private static ObjectNode recording(Path bundle, String name, int exit) {
        return hook("/bin/sh", List.of("sh", bundle.resolve("record.sh").toString(), name,
                bundle.resolve("hooks.log").toString(), String.valueOf(exit)), 10);
    }

    /** A bundle: runc's spec, no terminal, a writable root, a marker, an annotation, and the hooks {@code hooks} adds. */
    private static Path bundle(BiConsumer<Path, ObjectNode> hooks) throws Exception {
        Path b = Files.createTempDirectory(work, "bundle-");
        busybox(b.resolve("rootfs"));
        record(b.resolve("record.sh"));
        ObjectNode c = (ObjectNode) JSON.readTree(RUNC_SPEC.toFile());
        ObjectNode p = (ObjectNode) c.get("process");
        p.put("terminal", false);
        p.putArray("args").add("sh").add("-c").add("cat /hooks.log; echo main $(readlink /proc/self/ns/mnt)");
        ((ArrayNode) p.get("env")).add(MARKER);
        ((ObjectNode) c.get("root")).put("readonly", false);
        c.putObject("annotations").put("org.example.hooks", "yes");
        hooks.accept(b, c.putObject("hooks"));
        Files.writeString(b.resolve("config.json"), JSON.writeValueAsString(c));
        return b;
    }

    private static List<String> log(Path bundle) throws IOException {
        Path log = bundle.resolve("hooks.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    private static String hostMountNamespace() throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")).toString();
    }

    /** Nothing of a refused create: no record, layer, name, cgroup, mount or process of it. */
    private static void nothingLeft() throws Exception {
        assertEquals("", ok(quilt.run("ps", "-aq")).trim(), "a failed create left a container");
        assertEquals(List.of(), Leaks.containers(root), "state or layer left");
        assertEquals(List.of(), Leaks.names(root), "name claims left");
        assertEquals(List.of(), Leaks.cgroups(root), "cgroups left");
        assertEquals(List.of(), Leaks.mountsUnder(root), "mounts left");
        assertEquals(List.of(), Leaks.processes(root, MARKER), "processes left");
    }

    @Test
    void eachHookRunsAtItsPointWithTheStateOnItsStdin() throws Exception {
        Path b = bundle((dir, h) -> {
            // /bin/true never reads its stdin: EPIPE for us, no error
            h.putArray("prestart").add(recording(dir, "prestart", 0));
            h.putArray("createRuntime").add(recording(dir, "createRuntime", 0)).add(hook("/bin/true", List.of("true"), 0));
            h.putArray("createContainer").add(recording(dir, "createContainer", 0));
            h.putArray("startContainer").add(hook("/bin/sh", List.of("sh", "/record.sh", "startContainer", "/hooks.log"), 0));
            h.putArray("poststart").add(recording(dir, "poststart", 0));
            h.putArray("poststop").add(recording(dir, "poststop", 0));
        });
        String id = ok(quilt.run("create", "--bundle", b.toString(), "--name", "hooked")).trim();
        int pid = JSON.readTree(ok(quilt.run("inspect", "hooked"))).get("pid").asInt();
        String host = hostMountNamespace();
        List<String> created = log(b);
        assertEquals(3, created.size(), created.toString());
        assertEquals(List.of("prestart creating " + pid + " " + host + " " + b, "createRuntime creating " + pid + " "
                + host + " " + b), created.subList(0, 2), "in the runtime's mount namespace, in the bundle");
        String[] cc = created.get(2).split(" ");
        assertEquals(List.of("createContainer", "creating", "1", "rootfs"), List.of(cc[0], cc[1], cc[2], cc[4]),
                "as runc's init runs it: its own pid, in the root it is about to pivot into");
        assertNotEquals(host, cc[3], "createContainer runs in the container's mount namespace");

        JsonNode state = JSON.readTree(b.resolve("state-createRuntime.json").toFile());
        assertEquals("hooked", state.get("id").asText(), "the OCI state names it by the name its creator gave (quilt-runc: its ID)");
        assertEquals("creating", state.get("status").asText());
        assertEquals(pid, state.get("pid").asInt());
        assertEquals(b.toString(), state.get("bundle").asText());
        assertEquals(Map.of("org.example.hooks", "yes"), JSON.convertValue(state.get("annotations"), Map.class));
        assertTrue(state.get("ociVersion").asText().startsWith("1."), state.toString());

        ok(quilt.run("start", "hooked"));
        assertEquals("poststart running " + pid + " " + host + " " + b, log(b).get(3), "after start, in the runtime's namespace");
        assertEquals("0", ok(quilt.run("wait", "hooked")).trim());
        List<String> inside = ok(quilt.run("logs", "hooked")).lines().toList();
        assertEquals(2, inside.size(), inside.toString());
        String[] sc = inside.get(0).split(" ");
        assertEquals(List.of("startContainer", "created", "1", "rootfs"), List.of(sc[0], sc[1], sc[2], sc[4]),
                "startContainer's state has the init's own pid, as runc gives it");
        assertEquals("main " + cc[3], inside.get(1), "the command runs in the namespace createContainer saw");
        assertEquals(cc[3], sc[3], "startContainer runs in the container");

        Quilt.Result rm = quilt.run("rm", "hooked");
        assertEquals(0, rm.exit(), rm.err());
        assertEquals("", rm.err());
        List<String> all = log(b);
        assertEquals(5, all.size(), all.toString());
        assertEquals("poststop stopped none " + host + " " + b, all.get(4), "after delete; a stopped container's state has no pid");
        assertFalse(Files.exists(root.resolve("run").resolve(id)), "rm went through");
    }

    @Test
    void aFailingCreateRuntimeHookFailsTheCreateAndLeavesNothing() throws Exception {
        Path b = bundle((dir, h) -> h.putArray("createRuntime").add(recording(dir, "createRuntime", 3)));
        Quilt.Result r = quilt.run("create", "--bundle", b.toString(), "--name", "refused");
        assertEquals(125, r.exit(), r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("error running createRuntime hook #0 /bin/sh: exit status 3"), r.err());
        assertEquals(1, log(b).size(), "it ran once");
        nothingLeft();
    }

    @Test
    void aHookPastItsTimeoutIsKilledAndTheCreateFails() throws Exception {
        Path b = bundle((dir, h) -> h.putArray("createContainer").add(hook("/bin/sleep", List.of("sleep", "600"), 1)));
        Quilt.Result r = quilt.run("create", "--bundle", b.toString(), "--name", "slow");
        assertEquals(125, r.exit(), r.out());
        assertTrue(r.err().contains("error running createContainer hook #0 /bin/sleep: ran past its timeout of 1s"), r.err());
        nothingLeft(); // the sleep carried the marker: it is gone
    }

    @Test
    void aFailingStartContainerHookFailsTheStart() throws Exception {
        Path b = bundle((dir, h) -> h.putArray("startContainer").add(hook("/bin/sh", List.of("sh", "-c", "echo nope >&2; exit 4"), 0)));
        ok(quilt.run("create", "--bundle", b.toString(), "--name", "nostart"));
        Quilt.Result r = quilt.run("start", "nostart");
        assertNotEquals(0, r.exit());
        assertEquals("quilt: error running startContainer hook #0 /bin/sh: exit status 4: nope\n", r.err());
        assertEquals("", ok(quilt.run("logs", "nostart")), "the command never ran");
        ok(quilt.run("rm", "nostart"));
        nothingLeft();
    }

    @Test
    void aFailingPoststopHookIsAWarning() throws Exception {
        Path b = bundle((dir, h) -> h.putArray("poststop").add(hook("/bin/false", List.of("false"), 0)));
        String id = ok(quilt.run("create", "--bundle", b.toString(), "--name", "warned")).trim();
        Quilt.Result rm = quilt.run("rm", "-f", "warned"); // a created container goes only with -f
        assertEquals(0, rm.exit(), rm.err());
        assertEquals(id + "\n", rm.out());
        assertEquals("warning: error running poststop hook #0 /bin/false: exit status 1\n", rm.err());
        nothingLeft();
    }
}
