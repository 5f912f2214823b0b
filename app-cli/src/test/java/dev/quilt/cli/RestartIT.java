package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An exited container run again on the real kernel, keeping its ID, name, config and writable layer (dockerd's
 * start and restart): through the CLI ({@code quilt start} of an exited one, {@code quilt restart}) and the Engine
 * API ({@code quilt serve}); a file the first run wrote is still there, the new run has a new pid and its own exit
 * code, its address on the root's bridge answers; a CLI killed at points of the restart leaves what {@code rm -f}
 * and {@code gc} clear.
 */
class RestartIT {
    static final String MARK = "QUILT_IT=" + UUID.randomUUID();
    static final ObjectMapper JSON = new ObjectMapper();
    /** Appends a line to /runs each run, serves /runs on port 7000, and exits with the number of runs on TERM. */
    static final String COUNTING = "echo run >> /runs; n=$(wc -l < /runs); echo run-$n; mkdir -p /www; cp /runs /www/runs;"
            + " httpd -p 7000 -h /www; trap \"exit $n\" TERM; sleep 1000 & wait";
    static Path root;
    static Quilt quilt;
    static Served served;
    static ApiClient api;

    @BeforeAll
    static void up() throws Exception {
        root = Files.createTempDirectory("quilt-restart-it");
        quilt = new Quilt(root);
        quilt.env.put("QUILT_IT", MARK.substring(MARK.indexOf('=') + 1));
        served = Served.start(quilt, root);
        api = served.client();
    }

    @AfterAll
    static void down() throws Exception {
        try {
            if (served != null) assertEquals(0, served.stop(), served.log());
        } finally {
            quilt.close(MARK);
        }
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String ok(Quilt.Result r) {
        assertEquals(0, r.exit(), r.err());
        return r.out().trim();
    }

    static JsonNode inspect(String ref) throws Exception {
        return JSON.readTree(ok(quilt.run("inspect", ref)));
    }

    static JsonNode apiInspect(String ref) throws Exception {
        ApiClient.Response r = api.get("/v1.41/containers/" + ref + "/json");
        assertEquals(200, r.status(), r.text());
        return r.json();
    }

    /** What the container's httpd serves at {@code path}, fetched from the host over the root's bridge. */
    static String fetch(String ip, String path) throws Exception {
        Process p = new ProcessBuilder("curl", "-sS", "--max-time", "10", "http://" + ip + ":7000" + path)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "curl " + ip + ": " + out);
        return out;
    }

    @Test
    void startOfAnExitedOneKeepsItsIdNameAndFilesAndAnswersOnTheBridge() throws Exception {
        String name = unique("keep");
        // the health check holds once httpd answers: ready on return means it serves
        String id = ok(quilt.run("run", "-d", "--name", name, "-e", MARK, "--health-check",
                "wget -qO- http://127.0.0.1:7000/runs", "--", "sh", "-c", COUNTING));
        JsonNode first = inspect(id);
        assertEquals("running", first.get("status").asText());
        String ip1 = first.at("/network/ipAddress").asText();
        assertEquals("run\n", fetch(ip1, "/runs"));
        ok(quilt.run("stop", "-t", "30", name));
        JsonNode exited = inspect(name);
        assertEquals("stopped", exited.get("status").asText());
        assertEquals(1, exited.get("exitCode").asInt(), "the first run's own code");

        ok(quilt.run("start", name));
        JsonNode again = inspect(name);
        assertEquals(id, again.get("id").asText(), "the same ID");
        assertEquals(name, again.get("name").asText());
        assertEquals("running", again.get("status").asText());
        assertNotEquals(first.get("pid").asInt(), again.get("pid").asInt(), "a new init");
        assertEquals(first.get("command"), again.get("command"), "the same config");
        assertTrue(again.get("exitCode").isNull(), "no exit of the new run yet: " + again);
        String ip2 = again.at("/network/ipAddress").asText();
        assertEquals("run\nrun\n", fetch(ip2, "/runs"), "the first run's file is still in its layer");
        assertEquals(0, first.get("restartCount").asInt());
        assertEquals(1, again.get("restartCount").asInt(), "quilt inspect counts it too");
        JsonNode api1 = apiInspect(id);
        assertEquals(1, api1.get("RestartCount").asInt());
        assertEquals(ip2, api1.at("/NetworkSettings/IPAddress").asText());

        ok(quilt.run("stop", "-t", "30", name));
        assertEquals(2, inspect(name).get("exitCode").asInt(), "the second run's code is recorded");
        assertEquals("run-1\nrun-2", ok(quilt.run("logs", name)), "its log goes on across runs");
        ok(quilt.run("rm", name));
        assertFalse(Files.exists(root.resolve("data/containers").resolve(id)), "its layer goes with rm");
    }

    @Test
    void restartOfARunningOneKeepsItsIdAndRefusalsAreOneLine() throws Exception {
        String name = unique("again");
        String id = ok(quilt.run("run", "-d", "--network", "none", "--name", name, "-e", MARK, "--", "sh", "-c",
                "echo x >> /runs; exec sleep 1000"));
        int pid = inspect(id).get("pid").asInt();
        ok(quilt.run("restart", "-t", "0", name));
        JsonNode again = inspect(name);
        assertEquals(id, again.get("id").asText());
        assertEquals("running", again.get("status").asText());
        assertNotEquals(pid, again.get("pid").asInt());
        assertEquals("x\nx", ok(quilt.run("exec", name, "cat", "/runs")));
        assertEquals(1, apiInspect(id).get("RestartCount").asInt());

        Quilt.Result negative = quilt.run("restart", "-t", "-1", name);
        assertNotEquals(0, negative.exit());
        assertEquals(1, negative.err().strip().lines().count(), negative.err());
        assertTrue(negative.err().contains("0 or more"), negative.err());
        Quilt.Result unknown = quilt.run("restart", "nosuch-" + UUID.randomUUID());
        assertNotEquals(0, unknown.exit());
        assertEquals(1, unknown.err().strip().lines().count(), unknown.err());
        Quilt.Result running = quilt.run("start", name);
        assertNotEquals(0, running.exit(), "a running one is not started");
        assertEquals(1, running.err().strip().lines().count(), running.err());
        assertEquals(again.get("pid").asInt(), inspect(name).get("pid").asInt(), "a refusal changes nothing");
        ok(quilt.run("rm", "-f", name));
    }

    @Test
    void theApiStartsAnExitedOneAndRestartsKeepingItsId() throws Exception {
        String name = unique("api");
        ApiClient.Response made = api.post("/v1.41/containers/create?ready=1&name=" + name, Map.of(
                "Cmd", List.of("sh", "-c", "echo x >> /runs; exec sleep 1000"),
                "HostConfig", Map.of("NetworkMode", "none")));
        assertEquals(201, made.status(), made.text());
        String id = made.json().get("Id").asText();
        int pid = apiInspect(id).at("/State/Pid").asInt();
        assertEquals(204, api.post("/v1.41/containers/" + id + "/stop?t=0").status());
        assertEquals("exited", apiInspect(id).at("/State/Status").asText());
        assertEquals(204, api.post("/v1.41/containers/" + name + "/start").status(), "an exited one runs again");
        JsonNode started = apiInspect(name);
        assertEquals(id, started.get("Id").asText());
        assertEquals("running", started.at("/State/Status").asText());
        assertEquals(1, started.get("RestartCount").asInt());
        assertTrue(started.at("/Quilt/Ready").asBoolean(), "ready on return, as a fresh start");
        assertNotEquals(pid, started.at("/State/Pid").asInt());
        assertEquals(304, api.post("/v1.41/containers/" + name + "/start").status());
        assertEquals(204, api.post("/v1.41/containers/" + name + "/restart?t=0").status(), "a running one");
        JsonNode restarted = apiInspect(name);
        assertEquals(id, restarted.get("Id").asText());
        assertEquals("running", restarted.at("/State/Status").asText());
        assertEquals(2, restarted.get("RestartCount").asInt());
        assertEquals("x\nx\nx", ok(quilt.run("exec", id, "cat", "/runs")), "one layer across three runs");
        ApiClient.Response gone = api.post("/v1.41/containers/nosuch-" + UUID.randomUUID() + "/restart");
        assertEquals(404, gone.status(), gone.text());
        assertEquals(204, api.delete("/v1.41/containers/" + id + "?force=1").status());
    }

    @Test
    void anAutoRemoveOneIsKeptByItsRestartAndGoesAtItsOwnExit() throws Exception {
        String name = unique("auto");
        ApiClient.Response made = api.post("/v1.41/containers/create?ready=1&name=" + name, Map.of(
                "Cmd", List.of("sleep", "1000"), "HostConfig", Map.of("NetworkMode", "none", "AutoRemove", true)));
        assertEquals(201, made.status(), made.text());
        String id = made.json().get("Id").asText();
        ApiClient.Response restarted = api.post("/v1.41/containers/" + id + "/restart?t=0");
        assertEquals(204, restarted.status(), restarted.text());
        JsonNode c = apiInspect(id);
        assertEquals("running", c.at("/State/Status").asText(), "moby's restart does not remove it");
        assertEquals(1, c.get("RestartCount").asInt());
        Path layer = root.resolve("data/containers").resolve(id);
        try (WatchService w = FileSystems.getDefault().newWatchService()) {
            layer.getParent().register(w, StandardWatchEventKinds.ENTRY_DELETE);
            ApiClient.Response stopped = api.post("/v1.41/containers/" + id + "/stop?t=0");
            assertEquals(204, stopped.status(), stopped.text() + "\n" + served.log());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Files.exists(layer)) {
                long left = deadline - System.nanoTime();
                assertTrue(left > 0, "not removed within 30 s of its exit");
                WatchKey key = w.poll(left, TimeUnit.NANOSECONDS); // a deadline, woken by the removal
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        }
        ApiClient.Response after = api.post("/v1.41/containers/" + id + "/restart");
        assertEquals(404, after.status(), "once removed it is not restartable: " + after.text());
        assertEquals("No such container: " + id, after.json().get("message").asText());
    }

    /** Runs {@code quilt ARGS} and SIGKILLs it once {@code dir} gets (or loses) an entry named {@code name}. */
    static void killWhen(String name, Path dir, boolean deleted, String... args) throws Exception {
        try (WatchService w = FileSystems.getDefault().newWatchService()) {
            dir.register(w, deleted ? StandardWatchEventKinds.ENTRY_DELETE : StandardWatchEventKinds.ENTRY_CREATE);
            Process cli = quilt.start(args);
            boolean seen = false;
            while (!seen) {
                WatchKey key = w.poll(60, TimeUnit.SECONDS); // a deadline for a broken build, not a wait for anything
                if (key == null) throw new AssertionError("no " + name + " in " + dir + " within 60 s");
                for (WatchEvent<?> e : key.pollEvents()) {
                    if (e.context() != null && (name.isEmpty() || e.context().toString().equals(name))) seen = true;
                }
                key.reset();
            }
            cli.destroyForcibly().waitFor();
        }
    }

    /** An exited container on the root's bridge, its record and layer in place. */
    static String exited(String name) throws Exception {
        String id = ok(quilt.run("run", "-d", "--name", name, "-e", MARK, "--", "sh", "-c",
                "echo x >> /runs; exec sleep 1000"));
        ok(quilt.run("kill", "-s", "KILL", id));
        assertEquals("137", ok(quilt.run("wait", id))); // the exit, by event
        return id;
    }

    /** The next command reads a status; {@code rm -f} and {@code gc} leave nothing of {@code id}. */
    static void consistentThenGone(String id) throws Exception {
        assertEquals(0, quilt.run("ps", "-a").exit());
        String status = inspect(id).get("status").asText();
        assertTrue(List.of("creating", "running", "stopped").contains(status), status);
        ok(quilt.run("rm", "-f", id));
        ok(quilt.run("gc"));
        for (String left : Leaks.containers(root)) assertFalse(left.endsWith(id), "left: " + left);
        for (String lease : Leaks.leases(root)) {
            Path link = root.resolve("run/.network/leases").resolve(lease);
            assertFalse(Files.readSymbolicLink(link).toString().contains(id), "lease left: " + lease);
        }
        assertFalse(Leaks.links(quilt.bridge).stream().anyMatch(l -> l.contains(id.substring(0, 8))), "veth left");
    }

    @Test
    void aStartKilledAsItClearsTheLastRunLeavesWhatRmClears() throws Exception {
        String id = exited(unique("crash-clear"));
        killWhen("exit.json", root.resolve("run").resolve(id), true, "start", id);
        consistentThenGone(id);
    }

    @Test
    void aStartKilledAsTheAddressIsLeasedLeavesWhatRmClears() throws Exception {
        String id = exited(unique("crash-lease"));
        killWhen("", root.resolve("run/.network/leases"), false, "start", id);
        consistentThenGone(id);
    }

    @Test
    void aStartKilledAsTheMonitorWritesItsPidsLeavesWhatRmClears() throws Exception {
        String id = exited(unique("crash-pids"));
        killWhen("pids.json", root.resolve("run").resolve(id), false, "start", id);
        consistentThenGone(id);
    }
}
