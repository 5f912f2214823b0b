package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The container verbs of the Engine API on the real kernel, through {@code quilt serve}: create and start to
 * ready (no network and the root's own bridge), inspect's State, NetworkSettings and Quilt phases, list with
 * filters, kill, stop, pause, unpause, restart, delete, AutoRemove, a broken record, and every refusal.
 */
class ContainerRoutesIT {
    @RegisterExtension
    static final ServedRoot SERVER = new ServedRoot("quilt-ctr-routes");
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

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static String create(String name, Map<String, Object> body, boolean ready) throws Exception {
        ApiClient.Response r = api.post("/v1.41/containers/create?name=" + name + (ready ? "&ready=1" : ""), body);
        assertEquals(201, r.status(), r.text());
        assertEquals(0, r.json().get("Warnings").size());
        return r.json().get("Id").asText();
    }

    static JsonNode inspect(String ref) throws Exception {
        ApiClient.Response r = api.get("/v1.41/containers/" + ref + "/json");
        assertEquals(200, r.status(), r.text());
        return r.json();
    }

    static void refused(ApiClient.Response r, int status, String message) throws Exception {
        assertEquals(status, r.status(), r.text());
        assertEquals(message, r.json().get("message").asText());
    }

    static void refusedStarting(ApiClient.Response r, int status, String start) throws Exception {
        assertEquals(status, r.status(), r.text());
        assertTrue(r.json().get("message").asText().startsWith(start), r.text());
    }

    static List<String> names(ApiClient.Response r) throws Exception {
        assertEquals(200, r.status(), r.text());
        List<String> out = new ArrayList<>();
        for (JsonNode c : r.json()) out.add(c.get("Names").get(0).asText());
        return out;
    }

    static void remove(String ref) throws Exception {
        assertEquals(204, api.delete("/v1.41/containers/" + ref + "?force=1&v=1").status());
    }

    @Test
    void createThenStartAnswersOnceReadyWithoutANetwork() throws Exception {
        String name = unique("none");
        String id = create(name, Map.of("Cmd", List.of("sleep", "300"), "Labels", Map.of("role", "agent"),
                "Env", List.of("GREETING=hi"), "WorkingDir", "/tmp", "User", "1000:1000",
                "HostConfig", Map.of("NetworkMode", "none", "Memory", 64L << 20, "NanoCpus", 500_000_000L)), false);
        JsonNode created = inspect(name);
        assertEquals(id, created.get("Id").asText());
        assertEquals("created", created.at("/State/Status").asText());
        assertFalse(created.at("/State/Running").asBoolean());
        assertEquals("/" + name, created.get("Name").asText());
        assertEquals(204, api.post("/v1.41/containers/" + id + "/start").status());
        JsonNode c = inspect(id);
        assertEquals("running", c.at("/State/Status").asText());
        assertTrue(c.at("/State/Running").asBoolean());
        assertTrue(c.at("/State/Pid").asInt() > 0);
        assertEquals("0001-01-01T00:00:00Z", c.at("/State/FinishedAt").asText());
        assertTrue(c.get("Created").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"), c.toString());
        assertEquals("sleep", c.get("Path").asText());
        assertEquals("300", c.get("Args").get(0).asText());
        assertEquals("overlay2", c.get("Driver").asText());
        assertEquals("linux", c.get("Platform").asText());
        assertTrue(c.get("Image").asText().startsWith("sha256:"));
        assertEquals("agent", c.at("/Config/Labels/role").asText());
        assertEquals("/tmp", c.at("/Config/WorkingDir").asText());
        assertEquals("1000:1000", c.at("/Config/User").asText());
        assertTrue(c.at("/Config/Env").toString().contains("GREETING=hi"));
        assertFalse(c.at("/Config/Tty").asBoolean());
        assertEquals("none", c.at("/HostConfig/NetworkMode").asText());
        assertEquals(64L << 20, c.at("/HostConfig/Memory").asLong());
        assertEquals(500_000_000L, c.at("/HostConfig/NanoCpus").asLong());
        assertEquals("", c.at("/NetworkSettings/IPAddress").asText());
        assertTrue(c.at("/NetworkSettings/Networks/none").isObject(), c.toString());
        assertTrue(c.at("/Quilt/Ready").asBoolean(), c.toString());
        List<String> phases = new ArrayList<>();
        for (JsonNode p : c.at("/Quilt/Phases")) {
            phases.add(p.get("Phase").asText());
            assertTrue(p.get("Millis").asDouble() >= 0);
        }
        assertEquals(List.of("spawned", "network", "exec", "healthy"), phases);
        assertTrue(c.at("/Quilt/Phases/1/Skipped").asBoolean(), "no network: its phase is skipped");
        assertEquals(304, api.post("/v1.41/containers/" + name + "/start").status(), "already running");
        remove(id);
        refused(api.get("/v1.41/containers/" + id + "/json"), 404, "No such container: " + id);
    }

    @Test
    void createReadyOnTheRootsBridgeHasAnAddress() throws Exception {
        String name = unique("bridge");
        // docker's clients send a bare name as NAME:latest
        String id = create(name, Map.of("Image", "default:latest", "HostConfig", Map.of("NetworkMode", "bridge")), true);
        JsonNode c = inspect(id);
        assertEquals("default", c.at("/Config/Image").asText());
        assertEquals("running", c.at("/State/Status").asText());
        assertEquals("quilt-init", c.get("Path").asText(), "no command: Quilt's init alone");
        String ip = c.at("/NetworkSettings/IPAddress").asText();
        assertTrue(ip.matches("10\\.\\d+\\.\\d+\\.\\d+"), c.toString());
        assertEquals(ip, c.at("/NetworkSettings/Networks/bridge/IPAddress").asText());
        assertEquals(24, c.at("/NetworkSettings/IPPrefixLen").asInt());
        assertFalse(c.at("/NetworkSettings/Gateway").asText().isEmpty());
        assertFalse(c.at("/NetworkSettings/MacAddress").asText().isEmpty());
        assertEquals(quilt.bridge, c.at("/NetworkSettings/Bridge").asText());
        assertTrue(c.at("/Quilt/Ready").asBoolean());
        assertFalse(c.at("/Quilt/Phases/1/Skipped").asBoolean(), "the network phase held");
        remove(name);
    }

    @Test
    void listShowsRunningOnesOrAllAndFilters() throws Exception {
        String run = unique("ls-run");
        String made = unique("ls-made");
        String runId = create(run, Map.of("Labels", Map.of("suite", "ls", "which", "run"),
                "HostConfig", Map.of("NetworkMode", "none")), true);
        create(made, Map.of("Labels", Map.of("suite", "ls"), "HostConfig", Map.of("NetworkMode", "none")), false);
        List<String> running = names(api.get("/v1.41/containers/json"));
        assertTrue(running.contains("/" + run));
        assertFalse(running.contains("/" + made), "a created one only with all");
        List<String> all = names(api.get("/v1.41/containers/json?all=1"));
        assertTrue(all.containsAll(List.of("/" + run, "/" + made)));
        assertEquals(List.of("/" + made, "/" + run), names(api.get("/v1.41/containers/json?all=1&filters="
                + q("{\"label\":[\"suite=ls\"]}"))), "newest first");
        assertEquals(List.of("/" + run), names(api.get("/v1.41/containers/json?all=1&filters="
                + q("{\"label\":[\"which\"]}"))));
        assertEquals(List.of("/" + made), names(api.get("/v1.41/containers/json?filters="
                + q("{\"status\":[\"created\"],\"label\":[\"suite\"]}"))), "a status filter implies all");
        assertEquals(List.of("/" + run), names(api.get("/v1.41/containers/json?all=1&filters="
                + q("{\"name\":[\"" + run + "\"]}"))));
        assertEquals(List.of("/" + run), names(api.get("/v1.41/containers/json?all=1&filters="
                + q("{\"id\":[\"" + runId.substring(0, 12) + "\"]}"))));
        assertEquals(List.of("/" + run), names(api.get("/v1.41/containers/json?all=1&filters="
                + q("{\"label\":{\"which=run\":true}}"))), "docker's older map form");
        assertTrue(names(api.get("/v1.41/containers/json?all=1&filters=" + q("{\"ancestor\":[\"default\"]}")))
                .containsAll(List.of("/" + run, "/" + made)));
        assertEquals(List.of(), names(api.get("/v1.41/containers/json?all=1&filters="
                + q("{\"ancestor\":[\"no-such-image\"]}"))));
        assertEquals(1, names(api.get("/v1.41/containers/json?limit=1")).size());
        JsonNode item = null;
        for (JsonNode c : api.get("/v1.41/containers/json").json()) if (c.get("Id").asText().equals(runId)) item = c;
        assertTrue(item != null);
        assertEquals("running", item.get("State").asText());
        assertTrue(item.get("Status").asText().startsWith("Up "), item.toString());
        assertEquals("default", item.get("Image").asText());
        assertTrue(item.get("ImageID").asText().startsWith("sha256:"));
        assertEquals("none", item.at("/HostConfig/NetworkMode").asText());
        assertEquals(0, item.get("Ports").size());
        assertTrue(item.get("Created").asLong() > 1_600_000_000L, "unix seconds");
        refused(api.get("/v1.41/containers/json?filters=" + q("{\"colour\":[\"red\"]}")), 400,
                "invalid filter 'colour': use id, name, label, status or ancestor");
        refused(api.get("/v1.41/containers/json?filters=" + q("{\"status\":[\"sleeping\"]}")), 400,
                "invalid filter 'status=sleeping': use created, restarting, running, removing, paused, exited or dead");
        refusedStarting(api.get("/v1.41/containers/json?filters=" + q("not json")), 400, "invalid filters");
        assertEquals(204, api.delete("/v1.41/containers/" + made).status(), "a created one goes without force");
        remove(run);
    }

    @Test
    void pauseUnpauseKillStopStartRestartAndDeleteAsDocker() throws Exception {
        String name = unique("verbs");
        String id = create(name, Map.of("Cmd", List.of("sleep", "300"), "HostConfig", Map.of("NetworkMode", "none")),
                true);
        assertEquals(204, api.post("/v1.41/containers/" + name + "/pause").status());
        assertEquals("paused", inspect(name).at("/State/Status").asText());
        assertTrue(inspect(name).at("/State/Paused").asBoolean());
        JsonNode paused = api.get("/v1.41/containers/json?filters=" + q("{\"status\":[\"paused\"]}")).json();
        assertEquals(1, paused.size(), paused.toString());
        assertEquals(id, paused.get(0).get("Id").asText());
        assertEquals("paused", paused.get(0).get("State").asText());
        assertTrue(paused.get(0).get("Status").asText().endsWith(" (Paused)"), paused.toString());
        refused(api.post("/v1.41/containers/" + name + "/pause"), 409, "Container " + id + " is already paused");
        refused(api.post("/v1.41/containers/" + name + "/start"), 409,
                "cannot start a paused container, try unpause instead");
        refused(api.delete("/v1.41/containers/" + name), 409, "You cannot remove a paused container " + id
                + ". Unpause and then stop the container before attempting removal or force remove");
        assertEquals(204, api.post("/v1.41/containers/" + name + "/unpause").status());
        refused(api.post("/v1.41/containers/" + name + "/unpause"), 409, "Container " + id + " is not paused");
        assertEquals("running", inspect(name).at("/State/Status").asText());
        refused(api.delete("/v1.41/containers/" + name), 409, "You cannot remove a running container " + id
                + ". Stop the container before attempting removal or force remove");
        refusedStarting(api.post("/v1.41/containers/" + name + "/kill?signal=NOPE"), 400, "invalid signal 'NOPE'");
        assertEquals(204, api.post("/v1.41/containers/" + name + "/kill?signal=SIGKILL").status());
        JsonNode dead = inspect(name); // a kill with SIGKILL answers once it is gone, as dockerd's
        assertEquals("exited", dead.at("/State/Status").asText());
        assertEquals(137, dead.at("/State/ExitCode").asInt(), "128 + SIGKILL");
        assertNotEquals("0001-01-01T00:00:00Z", dead.at("/State/FinishedAt").asText());
        assertEquals(304, api.post("/v1.41/containers/" + name + "/stop").status(), "already stopped");
        refused(api.post("/v1.41/containers/" + name + "/kill"), 409, "Cannot kill container: " + name
                + ": Container " + id + " is not running");
        refused(api.post("/v1.41/containers/" + name + "/pause"), 409, "Container " + id + " is not running");
        boolean listed = false;
        for (JsonNode c : api.get("/v1.41/containers/json?all=1").json()) {
            if (c.get("Id").asText().equals(id)) {
                listed = true;
                assertTrue(c.get("Status").asText().startsWith("Exited (137) "), c.toString());
            }
        }
        assertTrue(listed);
        assertEquals(204, api.post("/v1.41/containers/" + name + "/restart?t=1").status());
        JsonNode again = inspect(name);
        assertEquals("running", again.at("/State/Status").asText());
        assertEquals(List.of("sleep", "300"), List.of(again.get("Path").asText(), again.get("Args").get(0).asText()));
        assertEquals(id, again.get("Id").asText(), "restart keeps the ID, as dockerd's (RestartIT)");
        assertEquals(1, again.get("RestartCount").asInt());
        assertEquals(204, api.post("/v1.41/containers/" + name + "/stop?t=0").status(), "a running one stops");
        assertEquals("exited", inspect(name).at("/State/Status").asText());
        assertEquals(204, api.delete("/v1.41/containers/" + name).status(), "an exited one goes without force");
        refused(api.delete("/v1.41/containers/" + name), 404, "No such container: " + name);
    }

    @Test
    void everyRefusalIsDockerShapedAndMakesNothing() throws Exception {
        int before = api.get("/v1.41/containers/json?all=1").json().size();
        refused(api.post("/v1.41/containers/create", Map.of("Image", "no-such-image")), 404,
                "No such image: no-such-image");
        refusedStarting(api.post("/v1.41/containers/create", Map.of("Tty", true)), 400, "Tty is not supported by quilt:");
        refusedStarting(api.post("/v1.41/containers/create", Map.of("HostConfig", Map.of("PortBindings",
                Map.of("80/tcp", List.of(Map.of("HostPort", "8080")))))), 400, "HostConfig.PortBindings is not supported");
        refusedStarting(api.post("/v1.41/containers/create", Map.of("HostConfig", Map.of("RestartPolicy",
                Map.of("Name", "always")))), 400, "HostConfig.RestartPolicy.Name is not supported");
        refused(api.post("/v1.41/containers/create", Map.of("HostConfig", Map.of("NetworkMode", "mynet"))), 400,
                "invalid HostConfig.NetworkMode 'mynet': use bridge, none or host");
        refusedStarting(api.post("/v1.41/containers/create", Map.of("User", "nobody")), 400, "invalid User: ");
        refusedStarting(api.post("/v1.41/containers/create", Map.of("HostConfig", Map.of("Binds",
                List.of("/no/such/dir/at/all:/x")))), 400, "invalid HostConfig: volume source '/no/such/dir/at/all'");
        refusedStarting(api.post("/v1.41/containers/create", Map.of("HostConfig", Map.of("NanoCpus",
                1_000_000_000_000L))), 400, "HostConfig.NanoCpus 1000: range of CPUs");
        refusedStarting(api.post("/v1.41/containers/create?name=" + q("bad name!"), Map.of()), 400, "invalid name: ");
        refusedStarting(api.request("POST", "/v1.41/containers/create", "application/json",
                "{not json".getBytes(StandardCharsets.UTF_8)), 400, "the request body is not valid JSON");
        // what could only fail at the start is refused at create: dockerd's start says exec: "": executable file
        // not found (127) and argument list too long (500, the docker CLI's 125)
        refused(api.post("/v1.41/containers/create", Map.of("Cmd", List.of(""))), 400,
                "Cmd: exec \"\": executable file not found in $PATH (the command's first word is empty)");
        refused(api.post("/v1.41/containers/create", Map.of("Cmd", List.of("echo", "y".repeat(200 * 1024)))), 400,
                "Cmd: argument 2 of the command is 204800 bytes; the kernel takes at most 131071 per string"
                        + " (MAX_ARG_STRLEN)");
        refused(api.post("/v1.41/containers/create", Map.of("Cmd", List.of("true"), "Env",
                List.of("BIG=" + "x".repeat(200 * 1024)))), 400, "Env: env 'BIG' is 204804 bytes; the kernel takes at most"
                + " 131071 per string (MAX_ARG_STRLEN)");
        for (String verb : List.of("start", "stop", "restart", "kill", "pause", "unpause")) {
            refused(api.post("/v1.41/containers/nope-" + verb + "/" + verb), 404, "No such container: nope-" + verb);
        }
        refused(api.get("/v1.41/containers/nope/json"), 404, "No such container: nope");
        refused(api.delete("/v1.41/containers/nope"), 404, "No such container: nope");
        String name = unique("taken");
        String id = create(name, Map.of("HostConfig", Map.of("NetworkMode", "none")), false);
        refused(api.post("/v1.41/containers/create?name=" + name, Map.of("HostConfig", Map.of("NetworkMode", "none"))),
                409, "Conflict. The container name \"/" + name + "\" is already in use by container \"" + id
                        + "\". You have to remove (or rename) that container to be able to reuse that name.");
        refusedStarting(api.post("/v1.41/containers/" + name + "/stop?t=-1"), 400, "invalid value for t: -1");
        assertEquals(before + 1, api.get("/v1.41/containers/json?all=1").json().size(), "refusals made nothing");
        remove(id);
    }

    @Test
    void aContainerThatDoesNotBecomeReadyIsOneLineWithItsPhaseAndIsGone() throws Exception {
        Map<String, Object> unhealthy = Map.of("Cmd", List.of("sleep", "300"), "HostConfig", Map.of("NetworkMode",
                "none"), "Healthcheck", Map.of("Test", List.of("CMD-SHELL", "exit 1"), "StartPeriod", 1_000_000_000L));
        String name = unique("unready");
        ApiClient.Response r = api.post("/v1.41/containers/create?ready=1&name=" + name, unhealthy);
        assertEquals(500, r.status(), r.text());
        String line = r.json().get("message").asText();
        assertTrue(line.contains("phase healthy"), line);
        assertFalse(line.contains("\n") || line.contains("Exception"), line);
        refused(api.get("/v1.41/containers/" + name + "/json"), 404, "No such container: " + name);
        String later = unique("unready-start");
        String id = create(later, unhealthy, false);
        ApiClient.Response start = api.post("/v1.41/containers/" + id + "/start");
        assertEquals(500, start.status(), start.text());
        assertTrue(start.json().get("message").asText().contains("phase healthy"), start.text());
        refused(api.get("/v1.41/containers/" + id + "/json"), 404, "No such container: " + id);
    }

    @Test
    void autoRemoveRemovesItOnceItExits() throws Exception {
        String name = unique("auto");
        String id = create(name, Map.of("Cmd", List.of("sleep", "300"),
                "HostConfig", Map.of("NetworkMode", "none", "AutoRemove", true)), true);
        assertTrue(inspect(id).at("/HostConfig/AutoRemove").asBoolean());
        Path dir = root.resolve("data/containers");
        try (WatchService w = FileSystems.getDefault().newWatchService()) {
            dir.register(w, StandardWatchEventKinds.ENTRY_DELETE);
            assertEquals(204, api.post("/v1.41/containers/" + id + "/stop?t=0").status());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (Files.exists(dir.resolve(id))) {
                long left = deadline - System.nanoTime();
                assertTrue(left > 0, "not removed within 30 s of its exit");
                var key = w.poll(left, TimeUnit.NANOSECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        }
        refused(api.get("/v1.41/containers/" + id + "/json"), 404, "No such container: " + id);
    }

    @Test
    void aBrokenRecordIsLeftOutOfTheListAndInspectSaysWhy() throws Exception {
        String name = unique("broken");
        String good = unique("good");
        create(good, Map.of("HostConfig", Map.of("NetworkMode", "none")), false);
        // a record that cannot be read: as a crash or a full disk can leave one
        String brokenId = create(name, Map.of("HostConfig", Map.of("NetworkMode", "none")), false);
        api.post("/v1.41/containers/" + brokenId + "/start");
        api.post("/v1.41/containers/" + brokenId + "/stop?t=0");
        Files.writeString(root.resolve("run").resolve(brokenId).resolve("state.json"), "{not json");
        List<String> all = names(api.get("/v1.41/containers/json?all=1"));
        assertTrue(all.contains("/" + good), "the others are listed");
        assertFalse(all.contains("/" + name));
        ApiClient.Response r = api.get("/v1.41/containers/" + brokenId + "/json");
        assertEquals(500, r.status(), r.text());
        assertTrue(r.json().get("message").asText().contains("broken record"), r.text());
        assertEquals(204, api.delete("/v1.41/containers/" + brokenId + "?force=1").status());
        remove(good);
    }
}
