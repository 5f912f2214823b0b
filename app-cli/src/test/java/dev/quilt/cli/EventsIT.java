package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's supervisor on the real kernel: {@code GET /events} sees what the CLI does (the state watcher), health
 * checks run on their schedule, {@code quilt.ttl} and {@code quilt.idle-timeout} act with their reason, and a server
 * killed with SIGKILL is replaced by one that adopts every container. The waits for an event are bounded (60 s) only
 * so that a broken server fails the test instead of hanging it; nothing is timed.
 */
class EventsIT {
    static final String ID = UUID.randomUUID().toString();
    static final String MARK = "QUILT_IT=" + ID;
    static Path root;
    static Quilt quilt;

    @BeforeAll
    static void up() throws Exception {
        root = Files.createTempDirectory("quilt-events-it");
        quilt = new Quilt(root);
        quilt.env.put("QUILT_IT", ID);
    }

    @AfterAll
    static void down() throws Exception {
        quilt.close(MARK);
    }

    static String name(String what) {
        return what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static Quilt.Result cli(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        if (args[0].equals("run") || args[0].equals("create")) {
            all.addAll(1, List.of("-e", MARK, "--network", "none"));
        }
        return quilt.run(all.toArray(String[]::new));
    }

    static String filters(String json) {
        return URLEncoder.encode(json, StandardCharsets.UTF_8);
    }

    /** A followed {@code /events} stream; each next event within a bound. */
    static final class Follow implements AutoCloseable {
        final ApiClient.Open open;

        Follow(ApiClient c, String query) throws Exception {
            open = c.open("GET", "/v1.41/events" + query, null, null, Map.of());
            assertEquals(200, open.status);
        }

        JsonNode next() throws Exception {
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return open.nextLine();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(60, TimeUnit.SECONDS);
            assertNotNull(line, "the stream ended");
            return ApiClient.JSON.readTree(line);
        }

        /** The next event whose action is {@code action}, skipping others. */
        JsonNode until(String action) throws Exception {
            for (int i = 0; i < 100; i++) {
                JsonNode e = next();
                if (e.get("Action").asText().equals(action)) return e;
            }
            throw new AssertionError("no " + action + " within 100 events");
        }

        @Override
        public void close() throws Exception {
            open.close();
        }
    }

    static String attr(JsonNode e, String key) {
        JsonNode v = e.get("Actor").get("Attributes").get(key);
        return v == null ? null : v.asText();
    }

    @Test
    void aCliRunAndRmGiveCreateStartDieDestroyWithNameImageAndLabels_thenFiltersAndReplay() throws Exception {
        String n = name("ev");
        try (Served s = Served.start(quilt, root)) {
            ApiClient c = s.client();
            long before = System.currentTimeMillis() / 1000 - 1;
            String id;
            try (Follow f = new Follow(c, "?filters=" + filters("{\"container\":[\"" + n + "\"]}"))) {
                Quilt.Result run = cli("run", "-d", "--name", n, "--label", "app=web", "--label", "flag", "--",
                        "sleep", "2147483647");
                assertEquals(0, run.exit(), run.err());
                id = run.out().strip();
                assertEquals(0, cli("rm", "-f", n).exit());
                List<String> actions = new ArrayList<>();
                List<JsonNode> events = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    JsonNode e = f.next();
                    events.add(e);
                    actions.add(e.get("Action").asText());
                }
                assertEquals(List.of("create", "start", "die", "destroy"), actions);
                for (JsonNode e : events) {
                    assertEquals("container", e.get("Type").asText());
                    assertEquals(id, e.get("Actor").get("ID").asText());
                    assertEquals(n, attr(e, "name"));
                    assertTrue(attr(e, "image").startsWith("sha256:"), e.toString());
                    assertEquals("web", attr(e, "app"));
                    assertEquals("", attr(e, "flag"));
                }
                assertEquals("137", attr(events.get(2), "exitCode"), "rm -f kills it: 128 + SIGKILL");
            }
            long after = System.currentTimeMillis() / 1000 + 1;
            // since/until replay the kept events, filtered, then the stream ends (until has passed)
            ApiClient.Response replay = c.get("/v1.41/events?since=" + before + "&until=" + after + "&filters="
                    + filters("{\"event\":[\"die\"],\"label\":[\"app=web\"],\"container\":[\"" + id.substring(0, 12)
                    + "\"]}"));
            assertEquals(200, replay.status());
            String[] lines = replay.text().strip().split("\n");
            assertEquals(1, lines.length, replay.text());
            assertEquals("die", ApiClient.JSON.readTree(lines[0]).get("Action").asText());
            ApiClient.Response none = c.get("/v1.41/events?since=" + before + "&until=" + after + "&filters="
                    + filters("{\"label\":[\"app=db\"]}"));
            assertEquals("", none.text().strip());
            ApiClient.Response rfc = c.get("/v1.41/events?since=" + java.time.Instant.ofEpochSecond(before)
                    + "&until=" + java.time.Instant.ofEpochSecond(after) + "&filters="
                    + filters("{\"type\":[\"container\"],\"event\":[\"destroy\"],\"container\":[\"" + n + "\"]}"));
            assertEquals(1, rfc.text().strip().split("\n").length, rfc.text());
            // refusals: docker-shaped 400s naming what is wrong
            ApiClient.Response badFilter = c.get("/v1.41/events?filters=" + filters("{\"colour\":[\"red\"]}"));
            assertEquals(400, badFilter.status());
            assertTrue(badFilter.json().get("message").asText().contains("colour"), badFilter.text());
            ApiClient.Response badSince = c.get("/v1.41/events?since=yesterday");
            assertEquals(400, badSince.status());
            assertTrue(badSince.json().get("message").asText().contains("since"), badSince.text());
            assertEquals(0, s.stop());
        }
    }

    @Test
    void aBadLabelIsRefusedAtCreateNamingIt() throws Exception {
        String n = name("bad");
        Quilt.Result r = cli("run", "-d", "--name", n, "--label", "quilt.ttl=soon", "--", "true");
        assertTrue(r.exit() != 0, r.out());
        assertTrue(r.err().contains("quilt.ttl") && r.err().strip().split("\n").length == 1, r.err());
        Quilt.Result empty = cli("create", "--name", n, "--label", "=x");
        assertTrue(empty.exit() != 0, empty.out());
        assertTrue(empty.err().contains("--label"), empty.err());
        assertFalse(cli("ps", "-a").out().contains(n), "no half-made container");
        try (Served s = Served.start(quilt, root)) { // the API's Labels go through the same rule: a 400 naming it
            ApiClient.Response api = s.client().post("/v1.41/containers/create?name=" + n, Map.of("Image",
                    "default:latest", "Cmd", List.of("true"), "HostConfig", Map.of("NetworkMode", "none"),
                    "Labels", Map.of("quilt.idle-timeout", "-3s")));
            assertEquals(400, api.status(), api.text());
            assertTrue(api.json().get("message").asText().contains("quilt.idle-timeout"), api.text());
            assertEquals(0, s.stop());
        }
        assertFalse(cli("ps", "-a").out().contains(n), "no half-made container");
    }

    @Test
    void healthChecksRunOnTheirScheduleAndAChangeIsAnEvent() throws Exception {
        String n = name("health");
        try (Served s = Served.start(quilt, root);
             Follow f = new Follow(s.client(), "?filters=" + filters("{\"event\":[\"health_status\"],\"container\":[\""
                     + n + "\"]}"))) {
            Quilt.Result run = cli("run", "-d", "--name", n, "--health-check", "test -f /tmp/ok", "--health-interval",
                    "300ms", "--health-retries", "1", "--", "sh", "-c", "touch /tmp/ok; exec sleep 2147483647");
            assertEquals(0, run.exit(), run.err());
            assertEquals("health_status: healthy", f.next().get("Action").asText());
            assertEquals(0, cli("exec", n, "--", "rm", "/tmp/ok").exit());
            JsonNode e = f.next();
            assertEquals("health_status: unhealthy", e.get("Action").asText(), "only the server's schedule checks now");
            assertEquals(n, attr(e, "name"));
            JsonNode inspect = ApiClient.JSON.readTree(cli("inspect", n).out());
            assertEquals("unhealthy", inspect.get("health").get("status").asText());
            assertEquals(0, cli("rm", "-f", n).exit());
            assertEquals(0, s.stop());
        }
    }

    @Test
    void aTtlRemovesTheContainerWithItsReason() throws Exception {
        String n = name("ttl");
        try (Served s = Served.start(quilt, root);
             Follow f = new Follow(s.client(), "?filters=" + filters("{\"container\":[\"" + n + "\"]}"))) {
            Quilt.Result run = cli("run", "-d", "--name", n, "--label", "quilt.ttl=2s", "--", "sleep", "2147483647");
            assertEquals(0, run.exit(), run.err());
            JsonNode die = f.until("die");
            assertEquals("ttl", attr(die, "reason"));
            JsonNode destroy = f.until("destroy");
            assertEquals("ttl", attr(destroy, "reason"));
            assertEquals(List.of(), cli("ps", "-aq").lines());
            assertEquals(0, s.stop());
        }
    }

    @Test
    void anIdleTimeoutIsMovedByAnExecAndStopsWithItsReason() throws Exception {
        String n = name("idle");
        try (Served s = Served.start(quilt, root);
             Follow f = new Follow(s.client(), "?filters=" + filters("{\"container\":[\"" + n + "\"]}"))) {
            Quilt.Result run = cli("run", "-d", "--name", n, "--label", "quilt.idle-timeout=6s", "--", "sleep",
                    "2147483647");
            assertEquals(0, run.exit(), run.err());
            String id = run.out().strip();
            JsonNode start = f.until("start");
            assertEquals(0, cli("exec", n, "--", "true").exit(), "the exec came before the idle deadline");
            Path mark = root.resolve("run").resolve(id).resolve("activity");
            long activeNanos = Files.getLastModifiedTime(mark).toInstant().getEpochSecond() * 1_000_000_000L
                    + Files.getLastModifiedTime(mark).toInstant().getNano();
            assertTrue(activeNanos > start.get("timeNano").asLong(), "the exec was recorded as activity");
            JsonNode stop = f.until("stop");
            assertEquals("idle-timeout", attr(stop, "reason"));
            assertTrue(stop.get("timeNano").asLong() >= activeNanos + 6_000_000_000L,
                    "the deadline counted from the exec, not from the start");
            JsonNode inspect = ApiClient.JSON.readTree(cli("inspect", n).out());
            assertEquals("stopped", inspect.get("status").asText(), "idle: stopped, not removed (the default)");
            assertEquals(0, cli("rm", n).exit());
            assertEquals(0, s.stop());
        }
    }

    @Test
    void aServerKilledWithSigkillIsReplacedByOneThatAdoptsEveryContainer() throws Exception {
        String ttl = name("adopt-ttl");
        String health = name("adopt-health");
        String plain = name("adopt-plain");
        Served first = Served.start(quilt, root);
        try {
            assertEquals(0, cli("run", "-d", "--name", ttl, "--label", "quilt.ttl=5s", "--", "sleep",
                    "2147483647").exit());
            assertEquals(0, cli("run", "-d", "--name", health, "--health-check", "test -f /tmp/ok",
                    "--health-interval", "300ms", "--health-retries", "1", "--", "sh", "-c",
                    "touch /tmp/ok; exec sleep 2147483647").exit());
            assertEquals(0, cli("run", "-d", "--name", plain, "--", "sleep", "2147483647").exit());
        } finally {
            first.kill();
        }
        try (Served second = Served.start(quilt, root);
             Follow f = new Follow(second.client(), "?filters=" + filters("{\"container\":[\"" + ttl + "\",\""
                     + health + "\"]}"))) {
            assertEquals(0, cli("exec", health, "--", "rm", "/tmp/ok").exit());
            boolean unhealthy = false;
            boolean removed = false;
            for (int i = 0; i < 20 && !(unhealthy && removed); i++) {
                JsonNode e = f.next();
                String a = e.get("Action").asText();
                if (a.equals("health_status: unhealthy")) unhealthy = true;
                if (a.equals("destroy")) {
                    assertEquals(ttl, attr(e, "name"));
                    assertEquals("ttl", attr(e, "reason"));
                    removed = true;
                }
            }
            assertTrue(unhealthy, "the adopted health check still runs on its schedule");
            assertTrue(removed, "the adopted TTL still fires");
            assertEquals(0, second.stop());
        }
        // the stop left the others running, and a third server sees them
        assertEquals("running", ApiClient.JSON.readTree(cli("inspect", plain).out()).get("status").asText());
        assertEquals("running", ApiClient.JSON.readTree(cli("inspect", health).out()).get("status").asText());
        assertFalse(cli("ps", "-a").out().contains(ttl));
        assertEquals(0, cli("rm", "-f", plain, health).exit());
    }
}
