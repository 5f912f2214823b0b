package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Docker's exec through {@code quilt serve}: create, start (hijacked frames, stdin with a half-close, a raw pty with
 * resize, detached), inspect, Quilt's deadline that kills a whole tree, and each refusal with its status and line.
 */
class ExecRoutesIT {
    /** Three containers made with the CLI before the server starts: two running, one exited. */
    @RegisterExtension
    static final ServedRoot SERVER = new ServedRoot("quilt-exec-routes", q -> {
        String mark = q.env.get("QUILT_IT");
        for (String name : List.of("box", "tree")) {
            Quilt.Result r = q.run("run", "-d", "--network", "none", "--name", name, "-e", "QUILT_IT=" + mark);
            assertEquals(0, r.exit(), r.err());
        }
        Quilt.Result done = q.run("run", "--network", "none", "--name", "done", "-e", "QUILT_IT=" + mark, "--", "true");
        assertEquals(0, done.exit(), done.err());
    }, q -> {
        for (String name : List.of("box", "tree", "done")) q.run("rm", "-f", name);
    });
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

    private static String create(String container, Map<String, Object> body) throws IOException {
        ApiClient.Response r = api.post("/v1.41/containers/" + container + "/exec", body);
        assertEquals(201, r.status(), r.text());
        String id = r.json().get("Id").asText();
        assertTrue(id.matches("[0-9a-f]{64}"), id);
        return id;
    }

    private static Map<String, Object> body(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    private static JsonNode inspect(String id) throws IOException {
        ApiClient.Response r = api.get("/v1.41/exec/" + id + "/json");
        assertEquals(200, r.status(), r.text());
        return r.json();
    }

    private static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    /** Reads until {@code text} has come (or the stream ends), returning all read. */
    private static String readUntil(InputStream in, String text) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while (!b.toString(StandardCharsets.UTF_8).contains(text) && (c = in.read()) >= 0) b.write(c);
        return b.toString(StandardCharsets.UTF_8);
    }

    private static void refused(ApiClient.Response r, int status, String message) throws IOException {
        assertEquals(status, r.status(), r.text());
        String got = r.json().get("message").asText();
        assertTrue(got.contains(message), "'" + got + "' should say '" + message + "'");
    }

    @Test
    void stdoutAndStderrComeAsFramesAndTheExitCodeIsKept() throws Exception {
        String id = create("box", body("Cmd", List.of("sh", "-c", "echo out; echo err >&2; exit 3"),
                "AttachStdout", true, "AttachStderr", true));
        JsonNode before = inspect(id);
        assertFalse(before.get("Running").asBoolean());
        assertTrue(before.get("ExitCode").isNull(), "no exit code before it ran: " + before);
        try (ApiClient.Open o = api.hijack("/v1.41/exec/" + id + "/start", body("Detach", false, "Tty", false))) {
            assertEquals(101, o.status);
            assertEquals("tcp", o.headers.get("upgrade"));
            StringBuilder out = new StringBuilder(), err = new StringBuilder();
            for (ApiClient.Frame f : o.frames()) (f.stream() == 1 ? out : err).append(f.text());
            assertEquals("out\n", out.toString());
            assertEquals("err\n", err.toString());
        }
        JsonNode after = inspect(id);
        assertEquals(3, after.get("ExitCode").asInt(), after.toString());
        assertFalse(after.get("Running").asBoolean());
        assertTrue(after.get("Pid").asInt() > 0);
        assertEquals("sh", after.get("ProcessConfig").get("entrypoint").asText());
        assertEquals("echo out; echo err >&2; exit 3", after.get("ProcessConfig").get("arguments").get(1).asText());
        assertFalse(after.get("Quilt").get("TimedOut").asBoolean());
        assertTrue(after.get("Quilt").get("Timeout").isNull());
        assertEquals(Quilt.field(quilt.run("inspect", "box").out(), "id"), after.get("ContainerID").asText());
        refused(api.post("/v1.41/exec/" + id + "/start", body("Detach", true)), 409, "has already been started");
        refused(api.post("/v1.41/exec/" + id + "/resize?h=10&w=10"), 409, "has no terminal");
    }

    @Test
    void stdinIsTheClientsBytesAndItsHalfCloseTheEnd() throws Exception {
        String id = create("box", body("Cmd", List.of("sh", "-c", "tr a-z A-Z; echo done"), "AttachStdin", true,
                "AttachStdout", true, "AttachStderr", true, "Env", List.of("X=1"), "WorkingDir", "/tmp",
                "User", "1000:1001"));
        try (ApiClient.Open o = api.hijack("/v1.41/exec/" + id + "/start", body())) {
            o.out.write("hello\n".getBytes(StandardCharsets.UTF_8));
            o.out.flush();
            o.closeWrite();
            StringBuilder out = new StringBuilder();
            for (ApiClient.Frame f : o.frames()) out.append(f.text());
            assertEquals("HELLO\ndone\n", out.toString());
        }
        assertEquals(0, inspect(id).get("ExitCode").asInt());
        String who = create("box", body("Cmd", List.of("sh", "-c", "echo $X; pwd; id -u; id -g"),
                "AttachStdout", true, "Env", List.of("X=1"), "WorkingDir", "/tmp", "User", "1000:1001"));
        try (ApiClient.Open o = api.hijack("/v1.41/exec/" + who + "/start", body())) {
            StringBuilder out = new StringBuilder();
            for (ApiClient.Frame f : o.frames()) out.append(f.text());
            assertEquals("1\n/tmp\n1000\n1001\n", out.toString());
        }
    }

    @Test
    void aClientThatShutsItsSideAtOnceGetsTheWholeOutput() throws Exception {
        // the docker CLI shuts its side right after an exec start without -i, before the 101 has come: that is
        // stdin's end, not a hang-up; several times, since the half-close races the switch to the raw stream
        int size = 3_000_000;
        for (int round = 0; round < 5; round++) {
            String id = create("box", body("Cmd", List.of("head", "-c", String.valueOf(size), "/dev/zero"),
                    "AttachStdout", true, "AttachStderr", true));
            long got = 0;
            try (ApiClient.Open o = api.hijackHalfClosed("/v1.41/exec/" + id + "/start",
                    body("Detach", false, "Tty", false))) {
                assertEquals(101, o.status);
                for (ApiClient.Frame f = o.nextFrame(); f != null; f = o.nextFrame()) {
                    if (f.stream() == 1) got += f.data().length;
                }
            }
            assertEquals(size, got, "round " + round + ": every byte of the output");
            assertEquals(0, inspect(id).get("ExitCode").asInt());
        }
    }

    @Test
    void aTtyIsARawStreamAndResizeReachesIt() throws Exception {
        String id = create("box", body("Cmd", List.of("sh", "-c", "stty size; read x; stty size; echo \"got $x\""),
                "Tty", true, "AttachStdin", true, "AttachStdout", true, "ConsoleSize", List.of(24, 80)));
        try (ApiClient.Open o = api.hijack("/v1.41/exec/" + id + "/start", body("Tty", true))) {
            InputStream in = o.body();
            assertTrue(readUntil(in, "24 80").endsWith("24 80"), "the first size is the create's ConsoleSize");
            ApiClient.Response resized = api.post("/v1.41/exec/" + id + "/resize?h=50&w=120");
            assertEquals(200, resized.status(), resized.text());
            o.out.write("go\n".getBytes(StandardCharsets.UTF_8));
            o.out.flush();
            String rest = readAll(in);
            assertTrue(rest.contains("50 120"), "stty inside sees the new size: " + rest);
            assertTrue(rest.contains("got go"), rest);
            assertFalse(rest.contains("\u0001\u0000\u0000\u0000"), "no frame headers with a tty: " + rest);
        }
        JsonNode after = inspect(id);
        assertEquals(0, after.get("ExitCode").asInt());
        assertTrue(after.get("ProcessConfig").get("tty").asBoolean());
        refused(api.post("/v1.41/exec/" + id + "/resize?h=10&w=10"), 409, "is not running");
    }

    @Test
    void aResizeBeforeTheStartIsTheSizeItStartsWith() throws Exception {
        // the docker CLI's order: create, start, and its first resize as soon as it has sent the start
        String id = create("box", body("Cmd", List.of("stty", "size"), "Tty", true, "AttachStdout", true,
                "ConsoleSize", List.of(24, 80)));
        ApiClient.Response early = api.post("/v1.41/exec/" + id + "/resize?h=33&w=97");
        assertEquals(200, early.status(), "a created exec takes a resize for its start: " + early.text());
        assertFalse(inspect(id).get("Running").asBoolean(), "the resize starts nothing");
        try (ApiClient.Open o = api.hijack("/v1.41/exec/" + id + "/start", body("Tty", true))) {
            String out = readAll(o.body());
            assertTrue(out.contains("33 97"), "the command starts at the size asked before its start: " + out);
        }
        assertEquals(0, inspect(id).get("ExitCode").asInt());
        refused(api.post("/v1.41/exec/" + id + "/resize?h=10&w=10"), 409, "is not running (it has ended)");
        // a start that gives its own ConsoleSize is later than a resize asked before it
        String own = create("box", body("Cmd", List.of("stty", "size"), "Tty", true, "AttachStdout", true));
        assertEquals(200, api.post("/v1.41/exec/" + own + "/resize?h=33&w=97").status());
        try (ApiClient.Open o = api.hijack("/v1.41/exec/" + own + "/start",
                body("Tty", true, "ConsoleSize", List.of(41, 121)))) {
            String out = readAll(o.body());
            assertTrue(out.contains("41 121"), "the start's own size: " + out);
        }
    }

    @Test
    void aDetachedExecAnswersAtOnceAndRuns() throws Exception {
        String fifo = "/tmp/detached-" + System.nanoTime();
        String mk = create("box", body("Cmd", List.of("mkfifo", fifo), "AttachStdout", true));
        try (ApiClient.Open o = api.hijack("/v1.41/exec/" + mk + "/start", body())) {
            assertEquals(List.of(), o.frames());
        }
        assertEquals(0, inspect(mk).get("ExitCode").asInt());
        // it blocks opening the fifo until a reader comes: running, as inspect says, until then
        String id = create("box", body("Cmd", List.of("sh", "-c", "echo dropped; echo detached > " + fifo)));
        ApiClient.Response started = api.post("/v1.41/exec/" + id + "/start", body("Detach", true));
        assertEquals(200, started.status(), started.text());
        JsonNode running = inspect(id);
        assertTrue(running.get("Running").asBoolean(), running.toString());
        assertTrue(running.get("ExitCode").isNull(), running.toString());
        assertTrue(running.get("Pid").asInt() > 0);
        String cat = create("box", body("Cmd", List.of("cat", fifo), "AttachStdout", true));
        try (ApiClient.Open o = api.hijack("/v1.41/exec/" + cat + "/start", body())) {
            StringBuilder out = new StringBuilder();
            for (ApiClient.Frame f : o.frames()) out.append(f.text());
            assertEquals("detached\n", out.toString());
        }
    }

    @Test
    void aClientThatHangsUpDoesNotStopTheCommand() throws Exception {
        String fifo = "/tmp/hangup-" + System.nanoTime();
        String mk = create("box", body("Cmd", List.of("mkfifo", fifo)));
        try (ApiClient.Open o = api.hijack("/v1.41/exec/" + mk + "/start", body())) {
            assertEquals(List.of(), o.frames());
        }
        // it writes after the client has gone: dropped, not a SIGPIPE
        String id = create("box", body("Cmd", List.of("sh", "-c", "cat > /dev/null; echo more; echo more >&2; "
                + "echo survived > " + fifo), "AttachStdin", true, "AttachStdout", true, "AttachStderr", true));
        try (ApiClient.Open o = api.hijack("/v1.41/exec/" + id + "/start", body())) {
            assertEquals(101, o.status);
        } // gone without a half-close: stdin ends, the command goes on
        String cat = create("box", body("Cmd", List.of("cat", fifo), "AttachStdout", true));
        try (ApiClient.Open o = api.hijack("/v1.41/exec/" + cat + "/start", body())) {
            StringBuilder out = new StringBuilder();
            for (ApiClient.Frame f : o.frames()) out.append(f.text());
            assertEquals("survived\n", out.toString());
        }
    }

    @Test
    void theDeadlineKillsTheWholeTree() throws Exception {
        String id = create("tree", body("Cmd", List.of("sh", "-c", "sleep 1000 & sleep 1000"), "AttachStdout", true,
                "QuiltTimeout", "1s"));
        assertEquals("1s", inspect(id).get("Quilt").get("Timeout").asText());
        try (ApiClient.Open o = api.hijack("/v1.41/exec/" + id + "/start", body())) {
            assertEquals(List.of(), o.frames(), "the stream ends with the command");
        }
        JsonNode after = inspect(id);
        assertEquals(137, after.get("ExitCode").asInt(), after.toString());
        assertTrue(after.get("Quilt").get("TimedOut").asBoolean(), after.toString());
        String ps = create("tree", body("Cmd", List.of("ps", "-o", "pid,comm"), "AttachStdout", true));
        List<String> rows = new ArrayList<>();
        try (ApiClient.Open o = api.hijack("/v1.41/exec/" + ps + "/start", body())) {
            StringBuilder out = new StringBuilder();
            for (ApiClient.Frame f : o.frames()) out.append(f.text());
            for (String line : out.toString().strip().split("\n")) rows.add(line.strip());
        }
        assertEquals(3, rows.size(), "the header, the init and ps alone: " + rows);
        assertTrue(rows.get(1).startsWith("1 "), rows.toString());
        assertTrue(rows.get(2).endsWith("ps"), rows.toString());
    }

    /** As dockerd's, an exec goes with its container: once it is removed, inspect, start and resize are 404s. */
    @Test
    void anExecOfARemovedContainerIsNoSuchExecInstance() throws Exception {
        Quilt.Result r = quilt.run("run", "-d", "--network", "none", "--name", "goes", "-e", MARK);
        assertEquals(0, r.exit(), r.err());
        String ended, created;
        try {
            ended = create("goes", body("Cmd", List.of("true"), "AttachStdout", true));
            try (ApiClient.Open o = api.hijack("/v1.41/exec/" + ended + "/start", body())) {
                assertEquals(List.of(), o.frames());
            }
            assertEquals(0, inspect(ended).get("ExitCode").asInt());
            created = create("goes", body("Cmd", List.of("true"), "Tty", true));
        } finally {
            assertEquals(0, quilt.run("rm", "-f", "goes").exit());
        }
        refused(api.get("/v1.41/exec/" + ended + "/json"), 404, "No such exec instance: " + ended);
        refused(api.get("/v1.41/exec/" + created + "/json"), 404, "No such exec instance: " + created);
        refused(api.post("/v1.41/exec/" + created + "/start", body("Detach", true)), 404, "No such exec instance");
        refused(api.post("/v1.41/exec/" + created + "/resize?h=1&w=1"), 404, "No such exec instance");
    }

    /** A user or group by name, looked up in the container's /etc/passwd and /etc/group (busybox's: nobody, nogroup). */
    @Test
    void userNamesAreTheContainersUsers() throws Exception {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("nobody", "65534 65534");
        expected.put("nobody:nogroup", "65534 65534");
        expected.put("1000:nogroup", "1000 65534");
        expected.put("nobody:5", "65534 5");
        expected.put("1000:1001", "1000 1001");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String id = create("box", body("Cmd", List.of("sh", "-c", "echo $(id -u) $(id -g)"), "AttachStdout", true,
                    "User", e.getKey()));
            try (ApiClient.Open o = api.hijack("/v1.41/exec/" + id + "/start", body())) {
                StringBuilder out = new StringBuilder();
                for (ApiClient.Frame f : o.frames()) out.append(f.text());
                assertEquals(e.getValue() + "\n", out.toString(), "User " + e.getKey());
            }
            JsonNode j = inspect(id);
            assertEquals(0, j.get("ExitCode").asInt(), j.toString());
            assertEquals(e.getKey(), j.get("ProcessConfig").get("user").asText());
        }
    }

    /**
     * A user or group the container does not know: dockerd takes the create and fails the start, saying runc's
     * words in the stream and recording 126 (what the docker CLI exits with); a detached start is its 400.
     */
    @Test
    void anUnknownUserFailsTheStartWith126() throws Exception {
        Map<String, String> said = Map.of(
                "nosuch", "unable to find user nosuch: no matching entries in the container's /etc/passwd",
                "nobody:nosuch", "unable to find group nosuch: no matching entries in the container's /etc/group");
        for (Map.Entry<String, String> u : said.entrySet()) {
            String id = create("box", body("Cmd", List.of("true"), "AttachStdout", true, "User", u.getKey()));
            try (ApiClient.Open o = api.hijack("/v1.41/exec/" + id + "/start", body())) {
                StringBuilder out = new StringBuilder();
                for (ApiClient.Frame f : o.frames()) out.append(f.text());
                assertTrue(out.toString().contains(u.getValue()), out.toString());
            }
            JsonNode j = inspect(id);
            assertEquals(126, j.get("ExitCode").asInt(), j.toString());
            assertFalse(j.get("Running").asBoolean(), j.toString());
        }
        String detached = create("box", body("Cmd", List.of("true"), "User", "nosuch"));
        refused(api.post("/v1.41/exec/" + detached + "/start", body("Detach", true)), 400,
                "unable to find user nosuch");
        assertEquals(126, inspect(detached).get("ExitCode").asInt());
    }

    @Test
    void refusalsAreDockerShaped() throws Exception {
        // dockerd's words (moby's daemon.GetContainer), not the CLI's line
        refused(api.post("/v1.41/containers/nosuch/exec", body("Cmd", List.of("true"))), 404, "No such container: nosuch");
        refused(api.post("/v1.41/containers/done/exec", body("Cmd", List.of("true"))), 409,
                "exec needs a running one");
        refused(api.post("/v1.41/containers/box/exec", body()), 400, "Cmd is empty");
        refused(api.post("/v1.41/containers/box/exec", body("Cmd", "true")), 400, "Cmd must be an array of strings");
        refused(api.post("/v1.41/containers/box/exec", body("Cmd", List.of("true"), "Env", List.of("NOVALUE"))), 400,
                "Env[0] 'NOVALUE' is not KEY=VALUE");
        refused(api.post("/v1.41/containers/box/exec", body("Cmd", List.of("true"), "WorkingDir", "tmp")), 400,
                "WorkingDir 'tmp' is not an absolute path");
        refused(api.post("/v1.41/containers/box/exec", body("Cmd", List.of("true"), "User", "a:b:c")), 400,
                "User: invalid user 'a:b:c'");
        refused(api.post("/v1.41/containers/box/exec", body("Cmd", List.of("true"), "Tty", "yes")), 400,
                "Tty must be true or false");
        refused(api.post("/v1.41/containers/box/exec", body("Cmd", List.of("true"), "ConsoleSize", List.of(1))), 400,
                "ConsoleSize must be [height, width]");
        refused(api.post("/v1.41/containers/box/exec", body("Cmd", List.of("true"), "QuiltTimeout", "soon")), 400,
                "QuiltTimeout 'soon' is not a duration");
        // what execve cannot take is refused at create, naming the field, not left to fail at the start
        refused(api.post("/v1.41/containers/box/exec", body("Cmd", List.of(""))), 400,
                "Cmd: exec \"\": executable file not found in $PATH");
        refused(api.post("/v1.41/containers/box/exec", body("Cmd", List.of("echo", "y".repeat(200 * 1024)))), 400,
                "Cmd: argument 2 of the command is 204800 bytes; the kernel takes at most 131071 per string"
                        + " (MAX_ARG_STRLEN)");
        refused(api.post("/v1.41/containers/box/exec", body("Cmd", List.of("true"), "Env",
                List.of("BIG=" + "x".repeat(200 * 1024)))), 400, "Env: env 'BIG' is 204804 bytes");
        // 60 strings of 120 KiB: 7.2 MB, past any host's ARG_MAX (at most 6 MiB), in a body under the JSON bound
        ApiClient.Response total = api.post("/v1.41/containers/box/exec", body("Cmd",
                java.util.Collections.nCopies(60, "z".repeat(120 * 1024))));
        refused(total, 400, "Cmd and Env: the command and its environment take ");
        assertTrue(total.json().get("message").asText().contains("(ARG_MAX, a quarter of the stack limit"), total.text());
        refused(api.post("/v1.41/exec/" + "0".repeat(64) + "/start", body()), 404, "No such exec instance");
        refused(api.post("/v1.41/exec/" + "0".repeat(64) + "/resize?h=1&w=1"), 404, "No such exec instance");
        refused(api.get("/v1.41/exec/nosuch/json"), 404, "No such exec instance: nosuch");
        String tty = create("box", body("Cmd", List.of("true"), "Tty", true));
        refused(api.post("/v1.41/exec/" + tty + "/resize?w=10"), 400, "h must be the terminal's rows");
        refused(api.post("/v1.41/exec/" + tty + "/resize?h=10&w=x"), 400, "invalid value for w");
        String missing = create("box", body("Cmd", List.of("/bin/nosuch")));
        refused(api.post("/v1.41/exec/" + missing + "/start", body("Detach", true)), 400,
                "exec \"/bin/nosuch\": no such file or directory");
        JsonNode failed = inspect(missing);
        assertFalse(failed.get("Running").asBoolean());
        assertEquals(127, failed.get("ExitCode").asInt(), "the shell's code for a command not found");
        // attached, as dockerd: the stream is taken over, the reason is its one stdout frame, the code in inspect
        String cwd = create("box", body("Cmd", List.of("true"), "WorkingDir", "/nowhere"));
        try (ApiClient.Open o = api.hijack("/v1.41/exec/" + cwd + "/start", body())) {
            assertEquals(101, o.status);
            List<ApiClient.Frame> frames = o.frames();
            assertEquals(1, frames.size(), "one frame: " + frames);
            assertEquals(1, frames.get(0).stream());
            assertTrue(frames.get(0).text().contains("/nowhere"), frames.get(0).text());
        }
        assertFalse(inspect(cwd).get("Running").asBoolean());
        assertTrue(inspect(cwd).get("ExitCode").asInt() >= 126, "a command that could not start: " + inspect(cwd));
    }
}
