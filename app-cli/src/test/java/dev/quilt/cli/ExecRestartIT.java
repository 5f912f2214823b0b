package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exec sessions a restarted server still sees (issue 15): the server is SIGKILLed once the records of the two
 * detached execs it started are on disk (it writes them behind its replies: {@code ExecRecordWriter}); the next server
 * answers for both: the one still running as running with its pid, the one that ended meanwhile with the exit code
 * quilt-exec recorded itself; and the container's removal takes the records. A server stopped with SIGTERM right
 * after a start writes what it had queued before it exits.
 */
class ExecRestartIT {
    static final String MARK = "QUILT_IT=" + java.util.UUID.randomUUID();
    static Path root;
    static Quilt quilt;
    static Served served;

    @BeforeAll
    static void up() throws Exception {
        root = Files.createTempDirectory("quilt-exec-restart");
        quilt = new Quilt(root);
        quilt.env.put("QUILT_IT", MARK.substring(MARK.indexOf('=') + 1));
        Quilt.Result r = quilt.run("run", "-d", "--network", "none", "--name", "box", "-e", MARK);
        assertEquals(0, r.exit(), r.err());
    }

    @AfterAll
    static void down() throws Exception {
        try {
            if (served != null) served.close();
            quilt.run("rm", "-f", "box");
        } finally {
            quilt.close(MARK);
        }
    }

    private static Map<String, Object> body(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    private static String create(ApiClient api, Map<String, Object> body) throws IOException {
        ApiClient.Response r = api.post("/v1.41/containers/box/exec", body);
        assertEquals(201, r.status(), r.text());
        return r.json().get("Id").asText();
    }

    private static JsonNode inspect(ApiClient api, String id) throws IOException {
        ApiClient.Response r = api.get("/v1.41/exec/" + id + "/json");
        assertEquals(200, r.status(), r.text());
        return r.json();
    }

    /**
     * Waits until {@code file} is there and its text satisfies {@code holds}: inotify on its directory (and on the
     * directory above, until that one is made), with a deadline; no poll.
     */
    static void awaitRecord(Path file, java.util.function.Predicate<String> holds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Path dir = file.getParent();
        try (WatchService watch = dir.getFileSystem().newWatchService()) {
            dir.getParent().register(watch, StandardWatchEventKinds.ENTRY_CREATE);
            boolean watchingDir = false;
            while (true) {
                if (!watchingDir && Files.isDirectory(dir)) {
                    dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE); // a rename into it is a create
                    watchingDir = true;
                }
                if (Files.exists(file) && holds.test(Files.readString(file))) return;
                long left = deadline - System.nanoTime();
                assertTrue(left > 0, "no record " + file + " as awaited within 60 s");
                WatchKey k = watch.poll(left, TimeUnit.NANOSECONDS);
                if (k != null) {
                    k.pollEvents();
                    k.reset();
                }
            }
        }
    }

    /**
     * A command that is over before the server reads its start time (true, forked by the container's zygote) still
     * has its pid on record: the next server reports the Pid it had, not 0, and its code.
     */
    @Test
    void aFinishedExecKeepsItsPidAcrossARestart() throws Exception {
        Quilt.Result made = quilt.run("run", "-d", "--network", "none", "--name", "pidbox", "-e", MARK);
        assertEquals(0, made.exit(), made.err());
        try {
            Served server = Served.start(quilt, root);
            List<String> ids = new java.util.ArrayList<>();
            List<Integer> pids = new java.util.ArrayList<>();
            try {
                ApiClient api = server.client();
                for (int i = 0; i < 3; i++) { // the first is spawned, the others forked by the zygote
                    ApiClient.Response r = api.post("/v1.41/containers/pidbox/exec",
                            body("Cmd", List.of("true"), "AttachStdout", true));
                    assertEquals(201, r.status(), r.text());
                    String id = r.json().get("Id").asText();
                    try (ApiClient.Open o = api.hijack("/v1.41/exec/" + id + "/start", body())) {
                        assertEquals(List.of(), o.frames());
                    }
                    JsonNode j = inspect(api, id);
                    assertEquals(0, j.get("ExitCode").asInt(), j.toString());
                    assertTrue(j.get("Pid").asInt() > 0, j.toString());
                    ids.add(id);
                    pids.add(j.get("Pid").asInt());
                }
            } finally {
                assertEquals(0, server.stop(), server.log()); // its queued records are written first
            }
            Served next = Served.start(quilt, root);
            try {
                for (int i = 0; i < ids.size(); i++) {
                    JsonNode j = inspect(next.client(), ids.get(i));
                    assertEquals(pids.get(i).intValue(), j.get("Pid").asInt(), "the Pid it had: " + j);
                    assertEquals(0, j.get("ExitCode").asInt(), j.toString());
                    assertFalse(j.get("Running").asBoolean(), j.toString());
                }
            } finally {
                assertEquals(0, next.stop(), next.log());
            }
        } finally {
            quilt.run("rm", "-f", "pidbox");
        }
    }

    @Test
    void aServerStoppedRightAfterAStartWritesItsRecordsFirst() throws Exception {
        Quilt.Result made = quilt.run("run", "-d", "--network", "none", "--name", "stopbox", "-e", MARK);
        assertEquals(0, made.exit(), made.err());
        try {
            String container = Quilt.field(quilt.run("inspect", "stopbox").out(), "id");
            Path execs = root.resolve("run").resolve(container).resolve("execs");
            Served server = Served.start(quilt, root);
            String id;
            int pid;
            try {
                ApiClient api = server.client();
                ApiClient.Response r = api.post("/v1.41/containers/stopbox/exec", body("Cmd", List.of("sleep", "600")));
                assertEquals(201, r.status(), r.text());
                id = r.json().get("Id").asText();
                ApiClient.Response started = api.post("/v1.41/exec/" + id + "/start", body("Detach", true));
                assertEquals(200, started.status(), started.text());
                pid = inspect(api, id).get("Pid").asInt();
                assertTrue(pid > 0);
            } finally {
                assertEquals(0, server.stop(), server.log()); // SIGTERM: what was queued is written before the exit
            }
            String text = Files.readString(execs.resolve(id + ".json"));
            assertTrue(text.contains("\"Pid\":" + pid), text);

            Served next = Served.start(quilt, root);
            try {
                JsonNode again = inspect(next.client(), id);
                assertTrue(again.get("Running").asBoolean(), again.toString());
                assertEquals(pid, again.get("Pid").asInt());
                // its end, with no server that started it: quilt-exec's record, read by the next server
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
                awaitRecord(execs.resolve(id + ".exit.json"), t -> true);
                JsonNode ended = inspect(next.client(), id);
                assertEquals(128 + 15, ended.get("ExitCode").asInt(), ended.toString());
            } finally {
                assertEquals(0, next.stop(), next.log());
            }
        } finally {
            quilt.run("rm", "-f", "stopbox");
        }
    }

    @Test
    void aRestartedServerSeesTheExecsOfTheOneItReplaced() throws Exception {
        String container = Quilt.field(quilt.run("inspect", "box").out(), "id");
        Path execs = root.resolve("run").resolve(container).resolve("execs");
        served = Served.start(quilt, root);
        ApiClient api = served.client();
        String ending = create(api, body("Cmd", List.of("sh", "-c", "sleep 2; exit 5")));
        String running = create(api, body("Cmd", List.of("sleep", "600"), "Tty", true));
        awaitRecord(execs.resolve(ending + ".json"), text -> true); // recorded at create, behind the reply
        Path exitRecord = execs.resolve(ending + ".exit.json");
        try (WatchService watch = execs.getFileSystem().newWatchService()) {
            execs.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
            assertEquals(200, api.post("/v1.41/exec/" + ending + "/start", body("Detach", true)).status());
            ApiClient.Response started = api.post("/v1.41/exec/" + running + "/start", body("Detach", true));
            assertEquals(200, started.status(), started.text());
            int pid = inspect(api, running).get("Pid").asInt();
            assertTrue(pid > 0);
            // the started records (written behind the replies) are on disk: then a crash, nobody hears the ends
            awaitRecord(execs.resolve(running + ".json"), text -> text.contains("\"Pid\":" + pid));
            awaitRecord(execs.resolve(ending + ".json"), text -> text.contains("\"Pid\":"));
            served.kill();

            served = Served.start(quilt, root);
            api = served.client();
            JsonNode stillRunning = inspect(api, running);
            assertTrue(stillRunning.get("Running").asBoolean(), stillRunning.toString());
            assertEquals(pid, stillRunning.get("Pid").asInt());
            assertTrue(stillRunning.get("ExitCode").isNull(), stillRunning.toString());
            assertEquals(List.of("600"), List.of(stillRunning.get("ProcessConfig").get("arguments").get(0).asText()));
            assertTrue(stillRunning.get("ProcessConfig").get("tty").asBoolean());
            ApiClient.Response resize = api.post("/v1.41/exec/" + running + "/resize?h=10&w=40");
            assertEquals(409, resize.status(), resize.text());
            assertTrue(resize.json().get("message").asText().contains("started by an earlier server"), resize.text());
            ApiClient.Response again = api.post("/v1.41/exec/" + ending + "/start", body("Detach", true));
            assertEquals(409, again.status(), again.text());

            // its end, written by quilt-exec itself with no server listening: an inotify event, not a poll
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(exitRecord)) {
                long left = deadline - System.nanoTime();
                assertTrue(left > 0, "no exit record within 60 s");
                WatchKey k = watch.poll(left, TimeUnit.NANOSECONDS);
                if (k != null) {
                    k.pollEvents();
                    k.reset();
                }
            }
        }
        JsonNode ended = inspect(api, ending);
        assertEquals(5, ended.get("ExitCode").asInt(), ended.toString());
        assertFalse(ended.get("Running").asBoolean(), ended.toString());
        assertFalse(ended.get("Quilt").get("ExitUnknown").asBoolean(), ended.toString());
        assertEquals(container, ended.get("ContainerID").asText());

        assertEquals(0, quilt.run("rm", "-f", "box").exit());
        assertFalse(Files.exists(execs), "the exec records go with the container");
        assertEquals(0, served.stop(), served.log());
        served = null;
    }
}
