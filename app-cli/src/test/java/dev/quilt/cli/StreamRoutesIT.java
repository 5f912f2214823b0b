package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The container streams of the Docker API (logs, attach, wait, top, stats) through a real {@code quilt serve} on
 * the real kernel; the containers are made with the CLI on the same root (one engine: the server sees them).
 */
class StreamRoutesIT {
    @RegisterExtension
    static final ServedRoot SERVER = new ServedRoot("quilt-streams");
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

    private static String ok(Quilt.Result r) {
        assertEquals(0, r.exit(), r.err());
        return r.out().strip();
    }

    /** A detached container on no network, marked so a leak is found. */
    private static String runDetached(String name, String script) throws Exception {
        return ok(quilt.run("run", "-d", "--network", "none", "--name", name, "-e", MARK, "--", "sh", "-c", script));
    }

    private static String create(String name, String script) throws Exception {
        return ok(quilt.run("create", "--network", "none", "--name", name, "-e", MARK, "--", "sh", "-c", script));
    }

    private static int waitExit(String name) throws IOException {
        ApiClient.Response r = api.post("/v1.41/containers/" + name + "/wait");
        assertEquals(200, r.status(), r.text());
        return r.json().get("StatusCode").asInt();
    }

    private static List<ApiClient.Frame> frames(String path) throws IOException {
        try (ApiClient.Open o = api.open("GET", path, null, null, Map.of())) {
            assertEquals(200, o.status);
            return o.frames();
        }
    }

    private static List<String> texts(List<ApiClient.Frame> frames, int stream) {
        return frames.stream().filter(f -> f.stream() == stream).map(ApiClient.Frame::text).toList();
    }

    @Test
    void logsAreDockersFramesWithTheirStreamsTailTimestampsAndRefusals() throws Exception {
        runDetached("logs-done", "echo out1; echo err1 >&2; echo out2; printf partial");
        assertEquals(0, waitExit("logs-done"));
        List<ApiClient.Frame> all = frames("/v1.41/containers/logs-done/logs?stdout=1&stderr=1");
        assertEquals(List.of("out1\n", "out2\n", "partial"), texts(all, 1), "in the order written; a partial line as is");
        assertEquals(List.of("err1\n"), texts(all, 2));
        assertEquals(List.of("err1\n"), texts(frames("/v1.41/containers/logs-done/logs?stderr=1"), 2));
        assertTrue(texts(frames("/v1.41/containers/logs-done/logs?stderr=1"), 1).isEmpty());
        List<ApiClient.Frame> tail = frames("/v1.41/containers/logs-done/logs?stdout=1&tail=2");
        assertEquals(List.of("out2\n", "partial"), texts(tail, 1));
        List<ApiClient.Frame> stamped = frames("/v1.41/containers/logs-done/logs?stdout=1&timestamps=1");
        assertEquals(3, stamped.size());
        for (ApiClient.Frame f : stamped) {
            assertTrue(f.text().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z (out1\n|out2\n|partial)"),
                    f.text());
        }
        long future = System.currentTimeMillis() / 1000 + 3600;
        assertTrue(frames("/v1.41/containers/logs-done/logs?stdout=1&stderr=1&since=" + future).isEmpty());
        assertEquals(3, frames("/v1.41/containers/logs-done/logs?stdout=1&until=" + future + ".5").size());
        // refusals: Docker-shaped, naming what to fix
        ApiClient.Response none = api.get("/v1.41/containers/logs-done/logs");
        assertEquals(400, none.status());
        assertTrue(none.json().get("message").asText().contains("stdout=1 or stderr=1"), none.text());
        ApiClient.Response badTail = api.get("/v1.41/containers/logs-done/logs?stdout=1&tail=lots");
        assertEquals(400, badTail.status());
        assertTrue(badTail.json().get("message").asText().contains("tail"), badTail.text());
        ApiClient.Response badSince = api.get("/v1.41/containers/logs-done/logs?stdout=1&since=yesterday");
        assertEquals(400, badSince.status());
        assertTrue(badSince.json().get("message").asText().contains("since"), badSince.text());
        ApiClient.Response missing = api.get("/v1.41/containers/no-such-ctr/logs?stdout=1");
        assertEquals(404, missing.status());
        assertEquals("No such container: no-such-ctr", missing.json().get("message").asText(), missing.text());
    }

    @Test
    void followGoesOnAsTheLogGrowsAndEndsAtTheExit() throws Exception {
        runDetached("follow", "mkfifo /tmp/go; echo first; read x < /tmp/go; echo \"second $x\"");
        try (ApiClient.Open o = api.open("GET", "/v1.41/containers/follow/logs?stdout=1&stderr=1&follow=1", null,
                null, Map.of())) {
            assertEquals(200, o.status);
            assertEquals("first\n", o.nextFrame().text());
            // the container exits once it has read, and its init's exit kills what is left in its pid namespace:
            // the exec, if it has not left by then (SIGKILL, 137)
            Quilt.Result go = quilt.run("exec", "follow", "sh", "-c", "echo go > /tmp/go");
            assertTrue(go.exit() == 0 || go.exit() == 137, go.exit() + ": " + go.err());
            assertEquals("second go\n", o.nextFrame().text());
            assertNull(o.nextFrame(), "the stream ends once the container has exited and its log is drained");
        }
        assertEquals(0, waitExit("follow"));
    }

    @Test
    void aClientThatHangsUpMidFollowFreesItsWorker() throws Exception {
        runDetached("quiet", "echo hi; exec sleep 1000");
        List<Integer> following;
        try (ApiClient.Open o = api.open("GET", "/v1.41/containers/quiet/logs?stdout=1&follow=1", null, null,
                Map.of())) {
            assertEquals("hi\n", o.nextFrame().text());
            following = apiThreads();
            assertFalse(following.isEmpty(), "a worker follows the log");
        }
        // each of those workers is freed: back in the server's pool, it ends once idle for Workers.KEEP_ALIVE_SECONDS
        // (10 s; one still following would never end): a pidfd of the thread (PIDFD_THREAD) is readable at its exit,
        // within a deadline
        for (int tid : following) assertTrue(threadEnds(tid), "worker " + tid + " still runs after the hang-up");
        assertEquals(List.of(), apiThreads(), "no worker left");
        assertEquals(200, api.get("/_ping").status(), "the next requests still answer");
        assertEquals(200, api.get("/v1.41/containers/quiet/top").status());
        ok(quilt.run("rm", "-f", "quiet"));
    }

    /** The server's worker threads ({@code quilt-api-N}) now, by thread id. */
    private static List<Integer> apiThreads() throws IOException {
        List<Integer> out = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(served.pid()), "task"))) {
            for (Path t : tasks.toList()) {
                try {
                    if (Files.readString(t.resolve("comm")).startsWith("quilt-api-")) {
                        out.add(Integer.parseInt(t.getFileName().toString()));
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // it ended as we looked
                }
            }
        }
        return out;
    }

    /** Whether thread {@code tid} exits within 30 s: poll(2) on its pidfd, an event, with a deadline. */
    private static boolean threadEnds(int tid) throws Exception {
        String py = "import os, select, sys\n"
                + "try:\n"
                + "    fd = os.pidfd_open(" + tid + ", 0o200)\n" // PIDFD_THREAD (O_EXCL), Linux 6.9
                + "except ProcessLookupError:\n"
                + "    sys.exit(0)\n"
                + "p = select.poll(); p.register(fd, select.POLLIN)\n"
                + "sys.exit(0 if p.poll(30000) else 1)\n";
        Process p = new ProcessBuilder("python3", "-c", py).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        assertTrue(code == 0 || code == 1, out);
        return code == 0;
    }

    @Test
    void attachingToACreatedContainerGetsEverythingFromItsStart() throws Exception {
        create("attached", "echo hello; echo oops >&2; echo bye");
        try (ApiClient.Open o = api.hijack("/v1.41/containers/attached/attach?stream=1&stdout=1&stderr=1&stdin=1",
                Map.of())) {
            assertEquals(101, o.status);
            assertEquals("tcp", o.headers.get("upgrade"));
            ok(quilt.run("start", "attached"));
            List<ApiClient.Frame> got = o.frames();
            assertEquals(List.of("hello\n", "bye\n"), texts(got, 1));
            assertEquals(List.of("oops\n"), texts(got, 2));
        }
        assertEquals(0, waitExit("attached"));
        ApiClient.Response missing = api.post("/v1.41/containers/no-such-ctr/attach?stream=1&stdout=1");
        assertEquals(404, missing.status());
    }

    @Test
    void waitConditions() throws Exception {
        create("waited", "exit 3");
        // not-running: a created container is not running, so it answers at once, as dockerd
        assertEquals(0, api.post("/v1.41/containers/waited/wait?condition=not-running").json().get("StatusCode").asInt());
        // next-exit, posted before the start as the docker CLI does: the answer is the run's exit
        try (ApiClient.Open o = api.open("POST", "/v1.41/containers/waited/wait?condition=next-exit", null, null,
                Map.of())) {
            assertEquals(200, o.status, "the headers come at once");
            ok(quilt.run("start", "waited"));
            JsonNode body = ApiClient.JSON.readTree(o.body().readAllBytes());
            assertEquals(3, body.get("StatusCode").asInt(), body.toString());
            assertTrue(body.get("Error").isNull(), body.toString());
        }
        assertEquals(3, waitExit("waited"), "a stopped container answers with its exit at once");
        ApiClient.Response bad = api.post("/v1.41/containers/waited/wait?condition=soon");
        assertEquals(400, bad.status());
        assertTrue(bad.json().get("message").asText().contains("condition"), bad.text());
        ApiClient.Response none = api.post("/v1.41/containers/no-such-ctr/wait");
        assertEquals(404, none.status());
        assertEquals("No such container: no-such-ctr", none.json().get("message").asText(), none.text());
    }

    @Test
    void waitRemovedAnswersOnceTheRecordIsGone() throws Exception {
        runDetached("removable", "exec sleep 1000");
        try (ApiClient.Open o = api.open("POST", "/v1.41/containers/removable/wait?condition=removed", null, null,
                Map.of())) {
            assertEquals(200, o.status);
            // removed by another face (the CLI): the server's state watcher publishes its destroy
            ok(quilt.run("rm", "-f", "removable"));
            JsonNode body = ApiClient.JSON.readTree(o.body().readAllBytes());
            assertTrue(body.get("Error").isNull(), body.toString());
            assertEquals(137, body.get("StatusCode").asInt(), "SIGKILLed by rm -f: " + body);
        }
        assertEquals(404, api.post("/v1.41/containers/removable/wait?condition=removed").status());
    }

    @Test
    void anAttachIsAnEvent() throws Exception {
        create("watched", "true");
        String filter = java.net.URLEncoder.encode("{\"event\":[\"attach\"],\"container\":[\"watched\"]}",
                StandardCharsets.UTF_8);
        // since a moment ago: the bus replays what came between then and the subscription, so nothing is missed
        long since = System.currentTimeMillis() / 1000 - 1;
        try (ApiClient.Open events = api.open("GET", "/v1.41/events?since=" + since + "&filters=" + filter, null, null,
                Map.of())) {
            assertEquals(200, events.status);
            try (ApiClient.Open a = api.hijack("/v1.41/containers/watched/attach?logs=1&stdout=1", Map.of())) {
                assertEquals(101, a.status);
                assertTrue(a.frames().isEmpty(), "a created container has written nothing");
            }
            JsonNode e = ApiClient.JSON.readTree(events.nextLine());
            assertEquals("attach", e.get("Action").asText(), e.toString());
            assertEquals("watched", e.at("/Actor/Attributes/name").asText(), e.toString());
        }
        ok(quilt.run("rm", "-f", "watched"));
    }

    @Test
    void anExitNobodyRecordedIsMinusOneWithTheReason() throws Exception {
        runDetached("orphaned", "exec sleep 1000");
        JsonNode c = ApiClient.JSON.readTree(ok(quilt.run("inspect", "orphaned")));
        if (c.isArray()) c = c.get(0);
        int monitor = c.get("monitorPid").asInt(), init = c.get("pid").asInt();
        // the monitor is killed first, then the container's init: nobody writes its exit down
        try (ApiClient.Open o = api.open("POST", "/v1.41/containers/orphaned/wait", null, null, Map.of())) {
            assertEquals(200, o.status);
            assertEquals(0, new ProcessBuilder("kill", "-KILL", Integer.toString(monitor)).start().waitFor());
            assertEquals(0, new ProcessBuilder("kill", "-KILL", Integer.toString(init)).start().waitFor());
            JsonNode body = ApiClient.JSON.readTree(o.body().readAllBytes());
            assertEquals(-1, body.get("StatusCode").asInt(), body.toString());
            assertTrue(body.at("/Error/Message").asText().contains("unknown"), body.toString());
        }
    }

    @Test
    void topListsTheContainersProcessesAsPsDoes() throws Exception {
        runDetached("topped", "exec sleep 1000");
        JsonNode t = api.get("/v1.41/containers/topped/top").json();
        List<String> titles = new ArrayList<>();
        t.get("Titles").forEach(x -> titles.add(x.asText()));
        assertEquals(List.of("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"), titles);
        assertEquals(1, t.get("Processes").size(), t.toString());
        assertEquals("sleep 1000", t.get("Processes").get(0).get(7).asText());
        JsonNode aux = api.get("/v1.41/containers/topped/top?ps_args=aux").json();
        assertEquals("USER", aux.get("Titles").get(0).asText());
        assertEquals(1, aux.get("Processes").size(), aux.toString());
        ApiClient.Response shell = api.get("/v1.41/containers/topped/top?ps_args=%24%28reboot%29");
        assertEquals(400, shell.status());
        assertTrue(shell.json().get("message").asText().contains("ps_args"), shell.text());
        ApiClient.Response noPid = api.get("/v1.41/containers/topped/top?ps_args=-o%20comm");
        assertEquals(400, noPid.status());
        assertTrue(noPid.json().get("message").asText().contains("PID"), noPid.text());
        ok(quilt.run("rm", "-f", "topped"));
        create("untopped", "true");
        ApiClient.Response notRunning = api.get("/v1.41/containers/untopped/top");
        assertEquals(409, notRunning.status());
        assertTrue(notRunning.json().get("message").asText().contains("not running"), notRunning.text());
        ok(quilt.run("rm", "-f", "untopped"));
    }

    @Test
    void statsOneShotOneAfterASecondAStreamAndZerosForAStoppedContainer() throws Exception {
        String id = runDetached("measured", "exec sleep 1000");
        JsonNode one = api.get("/v1.41/containers/measured/stats?stream=0&one-shot=1").json();
        assertEquals("/measured", one.get("name").asText());
        assertEquals(id, one.get("id").asText());
        assertEquals("0001-01-01T00:00:00Z", one.get("preread").asText());
        assertTrue(one.at("/pids_stats/current").asLong() >= 1, one.toString());
        assertTrue(one.at("/memory_stats/usage").asLong() > 0, one.toString());
        assertTrue(one.at("/cpu_stats/system_cpu_usage").asLong() > 0, one.toString());
        assertTrue(one.at("/cpu_stats/online_cpus").asInt() >= 1, one.toString());
        assertTrue(one.at("/cpu_stats/cpu_usage").has("total_usage"), one.toString());
        assertTrue(one.at("/cpu_stats/throttling_data").has("throttled_periods"), one.toString());
        assertFalse(one.has("networks"), "no network, no networks");
        JsonNode two = api.get("/v1.41/containers/measured/stats?stream=0").json();
        assertNotEquals("0001-01-01T00:00:00Z", two.get("preread").asText(), "precpu is a reading taken before");
        assertTrue(two.at("/cpu_stats/system_cpu_usage").asLong() > two.at("/precpu_stats/system_cpu_usage").asLong());
        try (ApiClient.Open o = api.open("GET", "/v1.41/containers/measured/stats", null, null, Map.of())) {
            JsonNode first = ApiClient.JSON.readTree(o.nextLine());
            JsonNode second = ApiClient.JSON.readTree(o.nextLine());
            assertEquals(first.get("read").asText(), second.get("preread").asText(), "each one's precpu is the last");
        }
        ApiClient.Response both = api.get("/v1.41/containers/measured/stats?stream=1&one-shot=1");
        assertEquals(400, both.status());
        ok(quilt.run("kill", "-s", "KILL", "measured"));
        waitExit("measured");
        JsonNode stopped = api.get("/v1.41/containers/measured/stats?stream=0").json();
        assertEquals(0, stopped.at("/cpu_stats/cpu_usage/total_usage").asLong(), stopped.toString());
        assertEquals(0, stopped.at("/pids_stats/current").asLong());
        assertEquals(404, api.get("/v1.41/containers/no-such-ctr/stats?stream=0").status());
    }
}
