package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exec zygote through {@code quilt serve} (native/src/exec/zygote.h, {@code ExecZygotes}; made behind a
 * container's first exec, which is spawned, or by its second): execs forked by it
 * work as spawned ones do (exit code, stdout and stderr apart, stdin, a tty with its size, a deadline that kills the
 * group); there is one zygote per container, outside the container's pid namespace and every cgroup of it
 * (non-dumpable is test_zygote's: root holding CAP_SYS_PTRACE passes that check); it is gone when its container stops, when it is removed and when the server stops; one killed
 * between two execs fails neither; a container with a zygote is checkpointed.
 */
class ExecZygoteIT {
    @RegisterExtension
    static final ServedRoot SERVER = new ServedRoot("quilt-exec-zygote");
    static final String MARK = SERVER.mark;
    static Path root;
    static Quilt quilt;
    static Served served;
    static ApiClient api;

    @BeforeAll
    static void up() {
        root = SERVER.root;
        quilt = SERVER.quilt;
        served = SERVER.served;
        api = SERVER.api;
    }

    private static Map<String, Object> body(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    private static String unique(String name) {
        return name + "-" + Long.toHexString(System.nanoTime());
    }

    /** A running container made through the API (sleeps for ever), with the test's mark. */
    private static String container(String name) throws IOException {
        ApiClient.Response r = api.post("/v1.41/containers/create?name=" + name, body("Image", "",
                "Cmd", List.of("sleep", "1000000"), "Env", List.of(MARK),
                "HostConfig", body("NetworkMode", "none")));
        assertEquals(201, r.status(), r.text());
        ApiClient.Response s = api.post("/v1.41/containers/" + name + "/start");
        assertEquals(204, s.status(), s.text());
        return name;
    }

    private static String exec(String container, Map<String, Object> b) throws IOException {
        ApiClient.Response r = api.post("/v1.41/containers/" + container + "/exec", b);
        assertEquals(201, r.status(), r.text());
        return r.json().get("Id").asText();
    }

    private static JsonNode inspect(String id) throws IOException {
        ApiClient.Response r = api.get("/v1.41/exec/" + id + "/json");
        assertEquals(200, r.status(), r.text());
        return r.json();
    }

    /** An attached exec of {@code cmd}: its stdout and stderr (frames), then its exit code from inspect. */
    private static String[] run(String container, String... cmd) throws IOException {
        String id = exec(container, body("Cmd", List.of(cmd), "AttachStdout", true, "AttachStderr", true));
        StringBuilder out = new StringBuilder(), err = new StringBuilder();
        try (ApiClient.Open o = api.hijack("/v1.41/exec/" + id + "/start", body("Detach", false, "Tty", false))) {
            assertEquals(101, o.status);
            for (ApiClient.Frame f : o.frames()) (f.stream() == 1 ? out : err).append(f.text());
        }
        return new String[] {out.toString(), err.toString(), inspect(id).get("ExitCode").asText()};
    }

    private static String readUntil(InputStream in, String text) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while (!b.toString(StandardCharsets.UTF_8).contains(text) && (c = in.read()) >= 0) b.write(c);
        return b.toString(StandardCharsets.UTF_8);
    }

    /** The server's zygotes: its children that run quilt-exec (with zygotes on, no other quilt-exec is its child). */
    private static List<Integer> zygotes() throws IOException {
        List<Integer> found = new ArrayList<>();
        try (var dirs = Files.list(Path.of("/proc"))) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String name = d.getFileName().toString();
                if (!name.matches("[0-9]+")) continue;
                try {
                    String stat = Files.readString(d.resolve("stat"));
                    String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    if (Long.parseLong(after[1]) != served.pid()) continue;
                    String argv0 = Files.readString(d.resolve("cmdline")).split("\0")[0];
                    if (argv0.endsWith("/quilt-exec")) found.add(Integer.parseInt(name));
                } catch (IOException | RuntimeException e) {
                    // gone meanwhile
                }
            }
        }
        return found;
    }

    /** Two execs: a container's first is spawned and its zygote made behind it, or by the second (ExecZygotes). */
    private static void twoExecs(String container) throws IOException {
        assertEquals("0", run(container, "true")[2]);
        assertEquals("0", run(container, "true")[2]);
    }

    private static int only(List<Integer> zygotes) {
        assertEquals(1, zygotes.size(), "one zygote: " + zygotes);
        return zygotes.get(0);
    }

    private static int initPid(String container) throws IOException {
        ApiClient.Response r = api.get("/v1.41/containers/" + container + "/json");
        assertEquals(200, r.status(), r.text());
        return r.json().get("State").get("Pid").asInt();
    }

    /** poll(2) on the process's pidfd (an event, with a deadline): true once it has exited. */
    private static boolean exits(int pid) throws Exception {
        Process p = new ProcessBuilder("python3", "-c", "import os, select, sys\n"
                + "try:\n    fd = os.pidfd_open(" + pid + ")\nexcept ProcessLookupError:\n    sys.exit(0)\n"
                + "p = select.poll(); p.register(fd, select.POLLIN)\nsys.exit(0 if p.poll(60000) else 1)\n")
                .redirectErrorStream(true).start();
        return p.waitFor() == 0;
    }

    /** Runs a shell line on the host: its exit code. */
    private static int host(String line) throws Exception {
        return new ProcessBuilder("sh", "-c", line).redirectErrorStream(true).start().waitFor();
    }

    @Test
    void execsForkedByTheZygoteWorkAsSpawnedOnesDo() throws Exception {
        String c = container(unique("zy-works"));
        try {
            twoExecs(c);
            int zygote = only(zygotes());
            String[] r = run(c, "sh", "-c", "echo out; echo err >&2; exit 3");
            assertEquals("out\n", r[0]);
            assertEquals("err\n", r[1]);
            assertEquals("3", r[2]);
            // stdin and its half-close
            String in = exec(c, body("Cmd", List.of("tr", "a-z", "A-Z"), "AttachStdin", true, "AttachStdout", true));
            try (ApiClient.Open o = api.hijack("/v1.41/exec/" + in + "/start", body())) {
                o.out.write("hello\n".getBytes(StandardCharsets.UTF_8));
                o.out.flush();
                o.closeWrite();
                StringBuilder out = new StringBuilder();
                for (ApiClient.Frame f : o.frames()) out.append(f.text());
                assertEquals("HELLO\n", out.toString());
            }
            // a tty with its size
            String tty = exec(c, body("Cmd", List.of("stty", "size"), "Tty", true, "AttachStdout", true,
                    "ConsoleSize", List.of(24, 80)));
            try (ApiClient.Open o = api.hijack("/v1.41/exec/" + tty + "/start", body("Tty", true))) {
                assertTrue(readUntil(o.body(), "24 80").endsWith("24 80"));
            }
            // a deadline kills the whole group
            String late = exec(c, body("Cmd", List.of("sh", "-c", "sleep 1000 & sleep 1000"), "AttachStdout", true,
                    "QuiltTimeout", "1s"));
            try (ApiClient.Open o = api.hijack("/v1.41/exec/" + late + "/start", body())) {
                o.frames();
            }
            JsonNode after = inspect(late);
            assertEquals(137, after.get("ExitCode").asInt(), after.toString());
            assertTrue(after.get("Quilt").get("TimedOut").asBoolean(), after.toString());
            // (the killed background sleep is the init's zombie: sleep as pid 1 reaps nothing)
            assertEquals("1", run(c, "sh", "-c", "for p in /proc/[0-9]*; do [ \"$(cat $p/comm)\" = sleep ] "
                    + "&& ! grep -q '^State:.*Z' $p/status && echo x; done | wc -l")[0].strip(),
                    "only the container's own sleep is left running");
            assertEquals(List.of(zygote), zygotes(), "one zygote for all those execs");
        } finally {
            api.delete("/v1.41/containers/" + c + "?force=1");
        }
    }

    @Test
    void theZygoteJoinsNothingOfTheContainerAndIsNotDumpable() throws Exception {
        String c = container(unique("zy-outside"));
        try {
            twoExecs(c);
            int z = only(zygotes());
            int init = initPid(c);
            Path zp = Path.of("/proc", String.valueOf(z));
            Path ip = Path.of("/proc", String.valueOf(init));
            Path sp = Path.of("/proc", String.valueOf(served.pid()));
            // the host's pid namespace (the server's), not the container's: not in its /proc, not in its ps
            assertEquals(Files.readSymbolicLink(sp.resolve("ns/pid")), Files.readSymbolicLink(zp.resolve("ns/pid")));
            assertNotEquals(Files.readSymbolicLink(ip.resolve("ns/pid")), Files.readSymbolicLink(zp.resolve("ns/pid")));
            assertEquals(Files.readSymbolicLink(sp.resolve("ns/mnt")), Files.readSymbolicLink(zp.resolve("ns/mnt")));
            String nspid = Files.readAllLines(zp.resolve("status")).stream().filter(l -> l.startsWith("NSpid:"))
                    .findFirst().orElseThrow();
            assertEquals(1, nspid.trim().split("\\s+").length - 1, "a pid in one namespace only: " + nspid);
            String inside = run(c, "sh", "-c", "ps -o comm | grep -c quilt-exec || true")[0].strip();
            assertEquals("0", inside, "nothing of quilt-exec is visible inside");
            // every cgroup of the zygote is the server's; none of the container's holds it
            assertEquals(Files.readString(sp.resolve("cgroup")), Files.readString(zp.resolve("cgroup")));
            for (String line : Files.readAllLines(ip.resolve("cgroup"))) {
                String[] f = line.split(":", 3);
                String dir = f[1].isEmpty() ? "/sys/fs/cgroup/unified" + f[2]
                        : "/sys/fs/cgroup/" + (f[1].startsWith("name=") ? f[1].substring(5) : f[1].split(",")[0])
                          + f[2];
                for (String file : List.of("cgroup.procs", "tasks")) {
                    Path p = Path.of(dir, file);
                    if (!Files.exists(p)) continue;
                    assertFalse(Files.readAllLines(p).contains(String.valueOf(z)), z + " is in " + p);
                }
            }
            // non-dumpable: root holding CAP_SYS_PTRACE passes that check, so it is not seen from here; the zygote
            // makes itself so first thing (main.c, again in zygote_run), and test_zygote checks it in its children
        } finally {
            api.delete("/v1.41/containers/" + c + "?force=1");
        }
    }

    /** The host's dir of each hierarchy of {@code procCgroup}'s lines (/proc/PID/cgroup), on this hybrid host. */
    private static List<Path> cgroupDirs(String procCgroup) {
        List<Path> dirs = new ArrayList<>();
        for (String line : procCgroup.lines().toList()) {
            String[] f = line.split(":", 3);
            dirs.add(Path.of(f[1].isEmpty() ? "/sys/fs/cgroup/unified" + f[2]
                    : "/sys/fs/cgroup/" + (f[1].startsWith("name=") ? f[1].substring(5) : f[1].split(",")[0]) + f[2]));
        }
        return dirs;
    }

    private static String field(int pid, String name) throws IOException {
        return Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")).stream()
                .filter(l -> l.startsWith(name + ":")).findFirst().orElseThrow().substring(name.length() + 1).strip();
    }

    /**
     * A forked exec's command joins every cgroup of the container itself (before its execve) and its quilt-exec
     * none (native/src/exec/cgroups.h), so a {@code PidsLimit} counts what docker's (runc's) exec counts: the
     * container's own processes and the command's, not quilt-exec. With PidsLimit 5 and a container of N
     * processes of its own (here N = 1, the init {@code sleep}), an exec's shell runs 5 - N processes side by
     * side: itself and 4 - N children in the background; the fork of one more is refused (EAGAIN, pids.max).
     */
    @Test
    void aForkedExecsCommandIsInTheContainersCgroupsAndItsQuiltExecInNone() throws Exception {
        String c = unique("zy-pids");
        ApiClient.Response r = api.post("/v1.41/containers/create?name=" + c, body("Image", "",
                "Cmd", List.of("sleep", "1000000"), "Env", List.of(MARK),
                "HostConfig", body("NetworkMode", "none", "PidsLimit", 5)));
        assertEquals(201, r.status(), r.text());
        try {
            assertEquals(204, api.post("/v1.41/containers/" + c + "/start").status());
            twoExecs(c);
            int zygote = only(zygotes());
            int init = initPid(c);
            List<Path> dirs = cgroupDirs(Files.readString(Path.of("/proc", String.valueOf(init), "cgroup")));
            Path pids = dirs.stream().filter(d -> d.startsWith("/sys/fs/cgroup/pids")).findFirst().orElseThrow();
            assertEquals("5", Files.readString(pids.resolve("pids.max")).strip());
            int own = Integer.parseInt(Files.readString(pids.resolve("pids.current")).strip());
            assertEquals(1, own, "the container's own: its init");
            // each background child that forked says its number; a refused fork ends the shell (or leaves $! as it was)
            String[] ran = run(c, "sh", "-c", "last=; for i in 1 2 3 4 5; do sleep 1000 </dev/null >/dev/null 2>&1 & "
                    + "[ \"$!\" != \"$last\" ] && echo $i; last=$!; done");
            StringBuilder want = new StringBuilder();
            for (int i = 1; i <= 4 - own; i++) want.append(i).append('\n');
            assertEquals(want.toString(), ran[0], "5 - " + own + " processes side by side, the shell's own included: "
                    + String.join(" | ", ran));

            // while a command runs: it is in every hierarchy of the container, its quilt-exec (the zygote's child)
            // in none
            String id = exec(c, body("Cmd", List.of("sh", "-c", "echo ready; exec sleep 2000"), "AttachStdout", true));
            try (ApiClient.Open o = api.hijack("/v1.41/exec/" + id + "/start", body("Detach", false, "Tty", false))) {
                assertEquals(101, o.status);
                assertTrue(readUntil(o.body(), "ready").endsWith("ready"));
                // the command: the one process of the container's whose parent is a quilt-exec (the background
                // sleeps' is the init, which took them when their shell ended)
                int command = -1;
                for (String p : Files.readAllLines(pids.resolve("cgroup.procs"))) {
                    String parent = field(Integer.parseInt(p), "PPid");
                    if (Files.readString(Path.of("/proc", parent, "cmdline")).split("\0")[0].endsWith("/quilt-exec")) {
                        command = Integer.parseInt(p);
                    }
                }
                assertTrue(command > 0, "the command is in the container's pids cgroup");
                int quiltExec = Integer.parseInt(field(command, "PPid"));
                assertTrue(Files.readString(Path.of("/proc", String.valueOf(quiltExec), "cmdline")).split("\0")[0]
                        .endsWith("/quilt-exec"), "its parent is quilt-exec");
                assertEquals(zygote, Integer.parseInt(field(quiltExec, "PPid")), "forked by the zygote");
                String mine = Files.readString(Path.of("/proc", String.valueOf(command), "cgroup"));
                assertEquals(Files.readString(Path.of("/proc", String.valueOf(init), "cgroup")), mine,
                        "the command: every cgroup of the init's");
                String theirs = Files.readString(Path.of("/proc", String.valueOf(quiltExec), "cgroup"));
                assertEquals(Files.readString(Path.of("/proc", String.valueOf(served.pid()), "cgroup")), theirs,
                        "quilt-exec: the server's cgroups");
                for (Path d : dirs) {
                    for (String file : List.of("cgroup.procs", "tasks")) {
                        Path f = d.resolve(file);
                        if (!Files.exists(f)) continue;
                        List<String> in = Files.readAllLines(f);
                        assertTrue(in.contains(String.valueOf(command)), command + " is in " + f);
                        assertFalse(in.contains(String.valueOf(quiltExec)), quiltExec + " is not in " + f);
                    }
                }
            }
        } finally {
            api.delete("/v1.41/containers/" + c + "?force=1");
        }
    }

    @Test
    void theZygoteGoesWithItsContainerAndAKilledOneFailsNoExec() throws Exception {
        String c = container(unique("zy-life"));
        boolean removed = false;
        try {
            twoExecs(c);
            int first = only(zygotes());
            assertEquals(0, host("kill -KILL " + first));
            assertTrue(exits(first));
            String[] again = run(c, "sh", "-c", "echo again");
            assertEquals("again\n", again[0], "the exec after a killed zygote runs");
            assertEquals("0", again[2]);
            assertEquals("0", run(c, "true")[2]); // by now (the next at the latest) a new zygote took it
            int second = only(zygotes());
            assertNotEquals(first, second);
            // stopped: its init exits, and so does the zygote
            ApiClient.Response stop = api.post("/v1.41/containers/" + c + "/stop?t=1");
            assertEquals(204, stop.status(), stop.text());
            assertTrue(exits(second), "the zygote of a stopped container exits");
            // started again: a new init, a new zygote; rm takes it too
            assertEquals(204, api.post("/v1.41/containers/" + c + "/start").status());
            twoExecs(c);
            int third = only(zygotes());
            assertNotEquals(second, third);
            ApiClient.Response rm = api.delete("/v1.41/containers/" + c + "?force=1");
            assertEquals(204, rm.status(), rm.text());
            removed = true;
            assertTrue(exits(third), "the zygote of a removed container exits");
        } finally {
            if (!removed) api.delete("/v1.41/containers/" + c + "?force=1");
        }
    }

    @Test
    void aContainerWithAZygoteIsCheckpointed() throws Exception {
        String c = container(unique("zy-ckpt"));
        try {
            twoExecs(c);
            only(zygotes());
            ApiClient.Response r = api.post("/v1.41/containers/" + c + "/checkpoints",
                    Map.of("CheckpointID", "c1", "Exit", false));
            assertEquals(201, r.status(), r.text());
            assertEquals("after\n", run(c, "sh", "-c", "echo after")[0], "it runs on, and takes execs");
        } finally {
            api.delete("/v1.41/containers/" + c + "?force=1");
        }
    }

    @Test
    void aStoppingServerLeavesNoZygote() throws Exception {
        Path other = Files.createTempDirectory("quilt-exec-zygote-stop");
        Quilt q = new Quilt(other);
        String mark = "QUILT_IT=" + java.util.UUID.randomUUID(); // its own: its close kills what it marked, only
        q.env.put("QUILT_IT", mark.substring(mark.indexOf('=') + 1));
        try {
            Served s = Served.start(q, other);
            ApiClient a = s.client();
            ApiClient.Response r = a.post("/v1.41/containers/create?name=zy-stop", body("Image", "",
                    "Cmd", List.of("sleep", "1000000"), "Env", List.of(mark), "HostConfig", body("NetworkMode", "none")));
            assertEquals(201, r.status(), r.text());
            assertEquals(204, a.post("/v1.41/containers/zy-stop/start").status());
            for (int i = 0; i < 2; i++) { // the zygote is made behind the first, or by the second
                String id = a.post("/v1.41/containers/zy-stop/exec", body("Cmd", List.of("true"))).json().get("Id")
                        .asText();
                assertEquals(200, a.post("/v1.41/exec/" + id + "/start", body("Detach", true)).status());
            }
            List<Integer> mine = new ArrayList<>();
            try (var dirs = Files.list(Path.of("/proc"))) {
                for (Path d : (Iterable<Path>) dirs::iterator) {
                    if (!d.getFileName().toString().matches("[0-9]+")) continue;
                    try {
                        String stat = Files.readString(d.resolve("stat"));
                        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        String argv0 = Files.readString(d.resolve("cmdline")).split("\0")[0];
                        if (Long.parseLong(after[1]) == s.pid() && argv0.endsWith("/quilt-exec")) {
                            mine.add(Integer.parseInt(d.getFileName().toString()));
                        }
                    } catch (IOException | RuntimeException e) {
                        // gone meanwhile
                    }
                }
            }
            assertEquals(1, mine.size(), "its zygote: " + mine);
            assertEquals(0, s.stop(), s.log());
            s.close();
            assertTrue(exits(mine.get(0)), "the zygote exits with the server");
            assertEquals(0, q.run("rm", "-f", "zy-stop").exit());
        } finally {
            q.close(mark);
        }
    }
}
