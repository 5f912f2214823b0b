package dev.quilt.cli.runc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quilt.cli.RuncHarness;
import dev.quilt.cli.RuncHarness.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.PipedReader;
import java.io.PipedWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code quilt-runc pause/resume/ps/update/events} on the real kernel, against
 * containers that {@code quilt run -d} made in the same state root (the verbs
 * run in this JVM through {@link RuncHarness}, which calls quilt-runc's main).
 */
class RuncControlIT {
    private static Path root;
    private static RuncHarness.QuiltRoot quilt;
    private static final String MARK = UUID.randomUUID().toString();
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-runc-ctl-it-");
        quilt = new RuncHarness.QuiltRoot(root);
    }

    @AfterAll
    static void tearDown() throws Exception {
        quilt.close(MARK);
    }

    private static Result runc(String... args) {
        List<String> all = new ArrayList<>(List.of("--root", root.toString()));
        all.addAll(List.of(args));
        return RuncHarness.run(all.toArray(String[]::new));
    }

    private static String up(String name, String... command) throws Exception {
        return up(List.of(), name, command);
    }

    private static String up(List<String> options, String name, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--network", "none", "--name", name, "-e",
                "QUILT_IT=" + MARK));
        args.addAll(options);
        args.add("--");
        args.addAll(List.of(command));
        Result r = quilt.quilt(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return r.out().strip();
    }

    private static void rm(String name) throws Exception {
        Result r = quilt.quilt("rm", "-f", name);
        assertEquals(0, r.code(), r.err());
    }

    private static String status(String name) throws Exception {
        Result r = quilt.quilt("inspect", name);
        assertEquals(0, r.code(), r.err());
        return JSON.readTree(r.out()).path(0).path("status").asText(JSON.readTree(r.out()).path("status").asText());
    }

    /** Every host process whose cgroup (in the memory hierarchy) is the container's: found from /proc, not from Quilt. */
    private static Set<Integer> hostPidsOf(String id) throws Exception {
        Set<Integer> out = new TreeSet<>();
        try (Stream<Path> s = Files.list(Path.of("/proc"))) {
            for (Path p : s.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    for (String line : Files.readAllLines(p.resolve("cgroup"))) {
                        if (line.contains(":memory:") && line.endsWith("/" + id)) out.add(Integer.parseInt(p.getFileName().toString()));
                    }
                } catch (java.io.IOException gone) {
                    // exited while we looked
                }
            }
        }
        return out;
    }

    /** The container's directory in a v1 hierarchy, from its init's /proc/PID/cgroup. */
    private static Path v1Cgroup(int pid, String controller) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            if (List.of(f[1].split(",")).contains(controller)) return Path.of("/sys/fs/cgroup/" + controller + f[2]);
        }
        throw new AssertionError("no " + controller + " cgroup for " + pid);
    }

    @Test
    void psListsExactlyTheContainersPids() throws Exception {
        String id = up("procs", "sh", "-c", "sleep 2147483647 & sleep 2147483646 & wait");
        try {
            Set<Integer> host = hostPidsOf(id);
            assertEquals(3, host.size(), "sh and its two sleeps: " + host);
            Result json = runc("ps", "--format", "json", "procs");
            assertEquals(0, json.code(), json.err());
            Set<Integer> listed = new TreeSet<>();
            JSON.readTree(json.out()).forEach(n -> listed.add(n.asInt()));
            assertEquals(host, listed);
            assertTrue(JSON.readTree(json.out()).isArray());

            Result table = runc("ps", "procs");
            assertEquals(0, table.code(), table.err());
            List<String> lines = table.out().lines().toList();
            assertTrue(lines.get(0).contains("PID"), "ps -ef's header: " + lines);
            assertEquals(host.size() + 1, lines.size(), table.out());

            Result custom = runc("ps", "procs", "-eo", "pid,comm");
            assertEquals(0, custom.code(), custom.err());
            List<String> rows = custom.out().lines().toList();
            assertEquals(List.of("PID", "COMMAND"), List.of(rows.get(0).strip().split("\\s+")));
            assertEquals(2, rows.stream().filter(r -> r.strip().endsWith(" sleep")).count(), custom.out());

            Result bad = runc("ps", "--format", "yaml", "procs");
            assertEquals(1, bad.code());
            assertEquals("quilt-runc: invalid format option 'yaml': give table or json\n", bad.err());
        } finally {
            rm("procs");
        }
    }

    @Test
    void pauseAndResumeAsRuncDoes() throws Exception {
        up("ctl", "sleep", "2147483647");
        try {
            Result p = runc("pause", "ctl");
            assertEquals(0, p.code(), p.err());
            assertEquals("", p.out(), "runc pause prints nothing");
            assertEquals("paused", status("ctl"));
            Result state = runc("state", "ctl");
            assertEquals(0, state.code(), state.err());
            assertEquals("paused", JSON.readTree(state.out()).path("status").asText(), "the OCI state says paused");
            Result list = runc("list", "--format", "json");
            assertEquals(0, list.code(), list.err());
            boolean listed = false;
            for (var c : JSON.readTree(list.out())) {
                if (c.path("id").asText().equals("ctl")) {
                    assertEquals("paused", c.path("status").asText());
                    listed = true;
                }
            }
            assertTrue(listed, list.out());
            Result again = runc("pause", "ctl");
            assertEquals(1, again.code());
            assertEquals("quilt-runc: container 'ctl' is already paused\n", again.err());
            Result r = runc("resume", "ctl");
            assertEquals(0, r.code(), r.err());
            assertEquals("running", status("ctl"));
            assertEquals("running", JSON.readTree(runc("state", "ctl").out()).path("status").asText());
            Result notPaused = runc("resume", "ctl");
            assertEquals(1, notPaused.code());
            assertEquals("quilt-runc: container 'ctl' is running, not paused; there is nothing to resume\n", notPaused.err());
        } finally {
            rm("ctl");
        }
    }

    @Test
    void updateChangesMemoryAndPidsInTheKernel() throws Exception {
        String id = up("lim", "sleep", "2147483647");
        try {
            int pid = hostPidsOf(id).iterator().next();
            Path memory = v1Cgroup(pid, "memory");
            Path pids = v1Cgroup(pid, "pids");
            Result u = runc("update", "--memory", "64m", "--memory-swap", "128m", "--pids-limit", "20", "lim");
            assertEquals(0, u.code(), u.err());
            assertEquals(Long.toString(64L << 20), Files.readString(memory.resolve("memory.limit_in_bytes")).strip());
            assertEquals(Long.toString(128L << 20), Files.readString(memory.resolve("memory.memsw.limit_in_bytes")).strip());
            assertEquals("20", Files.readString(pids.resolve("pids.max")).strip());

            Path json = root.resolve("resources.json");
            Files.writeString(json, "{\"memory\":{\"limit\":50331648,\"swap\":100663296},\"cpu\":{\"shares\":512,"
                    + "\"cpus\":\"\"},\"pids\":{\"limit\":-1},\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}");
            u = runc("update", "--resources", json.toString(), "lim");
            assertEquals(0, u.code(), u.err());
            assertEquals("50331648", Files.readString(memory.resolve("memory.limit_in_bytes")).strip());
            assertEquals("max", Files.readString(pids.resolve("pids.max")).strip());
            assertEquals("512", Files.readString(v1Cgroup(pid, "cpu").resolve("cpu.shares")).strip());

            Result refused = runc("update", "--cpuset-cpus", "0", "--memory-reservation", "10m", "lim");
            assertEquals(1, refused.code());
            assertEquals("quilt-runc: Quilt cannot change --memory-reservation, --cpuset-cpus of a live container;"
                    + " leave them out\n", refused.err());
            Files.writeString(json, "{\"cpu\":{\"cpus\":\"0\"}}");
            refused = runc("update", "-r", json.toString(), "lim");
            assertEquals(1, refused.code());
            assertEquals("quilt-runc: " + json + ": Quilt cannot change cpu.cpus of a live container; leave it out\n",
                    refused.err());
            Files.writeString(json, "{\"memory\":{\"limit\":\"lots\"}}");
            refused = runc("update", "-r", json.toString(), "lim");
            assertEquals(1, refused.code());
            assertEquals("quilt-runc: " + json + ": memory.limit is \"lots\", not a number\n", refused.err());
            refused = runc("update", "lim");
            assertEquals(1, refused.code());
            assertEquals("quilt-runc: nothing to update: give --resources FILE, or a limit such as --memory or --pids-limit\n",
                    refused.err());
            refused = runc("update", "--memory", "12q", "lim");
            assertEquals(1, refused.code());
            assertEquals("quilt-runc: --memory '12q' is not a size: write bytes or e.g. 512m, 1g (-1 for no limit)\n",
                    refused.err());
            assertEquals("50331648", Files.readString(memory.resolve("memory.limit_in_bytes")).strip(), "refusals change nothing");
        } finally {
            rm("lim");
        }
        Result gone = runc("update", "--pids-limit", "5", "lim");
        assertEquals(1, gone.code());
        assertEquals("quilt-runc: container \"lim\" does not exist\n", gone.err());
    }

    @Test
    void eventsStatsPrintsRuncsJson() throws Exception {
        up("ev", "sleep", "2147483647");
        try {
            assertEquals(0, runc("update", "--memory", "32m", "--memory-swap", "64m", "--pids-limit", "9", "ev").code());
            Result r = runc("events", "--stats", "ev");
            assertEquals(0, r.code(), r.err());
            assertEquals(1, r.out().lines().count(), "one object, one line: " + r.out());
            JsonNode e = JSON.readTree(r.out());
            assertEquals("stats", e.path("type").asText());
            assertEquals("ev", e.path("id").asText());
            JsonNode data = e.path("data");
            assertEquals(32L << 20, data.path("memory").path("usage").path("limit").asLong());
            assertTrue(data.path("memory").path("usage").path("usage").asLong() > 0, r.out());
            assertEquals(1, data.path("pids").path("current").asLong());
            assertEquals(9, data.path("pids").path("limit").asLong());
            assertTrue(data.path("cpu").path("usage").has("total"), r.out());
            assertTrue(data.path("cpu").path("throttling").has("periods"), r.out());

            Result bad = runc("events", "--interval", "soon", "ev");
            assertEquals(1, bad.code());
            assertEquals("quilt-runc: --interval 'soon' is not a duration: write it as Go does, e.g. 5s, 500ms or 1m30s\n",
                    bad.err());
        } finally {
            rm("ev");
        }
    }

    @Test
    void eventsStreamsUntilTheContainerStops() throws Exception {
        up("stream", "sleep", "2147483647");
        try {
            PipedReader pipe = new PipedReader();
            PrintWriter out = new PrintWriter(new PipedWriter(pipe), true);
            StringWriter err = new StringWriter();
            CompletableFuture<Integer> events = CompletableFuture.supplyAsync(() -> {
                try {
                    return RuncHarness.run(out, new PrintWriter(err, true), "--root", root.toString(), "events",
                            "--interval", "100ms", "stream");
                } finally {
                    out.close();
                }
            });
            BufferedReader lines = new BufferedReader(pipe);
            String first = lines.readLine(); // blocks until the first tick's reading
            assertEquals("stats", JSON.readTree(first).path("type").asText(), first);
            assertEquals(0, quilt.quilt("kill", "stream", "KILL").code());
            // read to the end (the pipe is small: a writer nobody reads from would block), which is the exit
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                assertEquals("stream", JSON.readTree(line).path("id").asText(), line);
            }
            assertEquals(0, events.get(30, TimeUnit.SECONDS), err.toString());
        } finally {
            rm("stream");
        }
    }

    @Test
    void eventsReportAnOomKill() throws Exception {
        up(List.of("--memory", "16m"), "hog", "sleep", "2147483647");
        try {
            PipedReader pipe = new PipedReader();
            PrintWriter out = new PrintWriter(new PipedWriter(pipe), true);
            StringWriter err = new StringWriter();
            CompletableFuture<Integer> events = CompletableFuture.supplyAsync(() -> {
                try {
                    return RuncHarness.run(out, new PrintWriter(err, true), "--root", root.toString(), "events",
                            "--interval", "100ms", "hog");
                } finally {
                    out.close();
                }
            });
            BufferedReader lines = new BufferedReader(pipe);
            assertEquals("stats", JSON.readTree(lines.readLine()).path("type").asText(), "the stream runs");
            Result ex = quilt.quilt("exec", "hog", "--", "sh", "-c", "a=x; while :; do a=$a$a; done");
            assertEquals(137, ex.code(), "the OOM killer ends the exec'd hog: " + ex.err());
            assertEquals(0, quilt.quilt("kill", "hog", "KILL").code());
            List<String> types = new ArrayList<>();
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                JsonNode e = JSON.readTree(line);
                assertEquals("hog", e.path("id").asText(), line);
                types.add(e.path("type").asText());
            }
            assertEquals(0, events.get(30, TimeUnit.SECONDS), err.toString());
            assertEquals(1, types.stream().filter("oom"::equals).count(), "one oom event: " + types);
        } finally {
            rm("hog");
        }
    }

    @Test
    void quiltUpdateTakesRunsSpellingThroughTheSameUseCase() throws Exception {
        String id = up("docker", "sleep", "2147483647");
        try {
            int pid = hostPidsOf(id).iterator().next();
            Result u = quilt.quilt("update", "--memory", "40", "--memory-swap", "80m", "--cpus", "0.5", "--pids-limit", "30", "docker");
            assertEquals(0, u.code(), u.err());
            assertEquals("docker\n", u.out());
            assertEquals(Long.toString(40L << 20), Files.readString(v1Cgroup(pid, "memory").resolve("memory.limit_in_bytes")).strip(),
                    "a bare size is MiB, as for run");
            assertEquals("50000", Files.readString(v1Cgroup(pid, "cpu").resolve("cpu.cfs_quota_us")).strip());
            assertEquals("30", Files.readString(v1Cgroup(pid, "pids").resolve("pids.max")).strip());
            Result bad = quilt.quilt("update", "--cpu-shares", "1", "docker");
            assertEquals(1, bad.code());
            assertEquals("quilt: cpu-shares must be 2 to 262144, not 1\n", bad.err());
        } finally {
            rm("docker");
        }
    }
}
