package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The checkpoint routes on the real kernel with the real CRIU, through {@code quilt serve} (issue 16, FORK item 4):
 * Docker's experimental checkpoint API (create with and without Exit, list, delete, start?checkpoint=), Quilt's fork
 * route, the persist label through the API's create and delete, and each refusal.
 */
class CheckpointRoutesIT {
    static final String MARK = "QUILT_IT=" + UUID.randomUUID();
    static final String LOOP = "i=0; exec 3>/tmp/log; while :; do i=$((i+1)); echo $i >&3; sleep 1; done";
    static Path root;
    static Quilt quilt;
    static Served served;
    static ApiClient api;

    @BeforeAll
    static void up() throws Exception {
        root = Files.createTempDirectory("quilt-ckpt-routes");
        quilt = new Quilt(root);
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

    static String create(String name, Map<String, Object> extra) throws Exception {
        Map<String, Object> body = new java.util.LinkedHashMap<>(Map.of("Cmd", List.of("sh", "-c", LOOP),
                "Env", List.of(MARK), "HostConfig", Map.of("NetworkMode", "none")));
        body.putAll(extra);
        ApiClient.Response r = api.post("/v1.41/containers/create?ready=1&name=" + name, body);
        assertEquals(201, r.status(), r.text());
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

    static List<String> names(String ref) throws Exception {
        ApiClient.Response r = api.get("/v1.41/containers/" + ref + "/checkpoints");
        assertEquals(200, r.status(), r.text());
        List<String> out = new ArrayList<>();
        for (JsonNode n : r.json()) out.add(n.get("Name").asText());
        return out;
    }

    @Test
    void dockersCheckpointApiAndQuiltsFork() throws Exception {
        String n = unique("ck");
        String id = create(n, Map.of());
        assertEquals(201, api.post("/v1.41/containers/" + n + "/checkpoints", Map.of("CheckpointID", "c1")).status());
        assertEquals("running", inspect(n).at("/State/Status").asText(), "Exit false: it runs on");
        assertEquals(201, api.post("/v1.41/containers/" + n + "/checkpoints",
                Map.of("CheckpointID", "c2", "Exit", true)).status());
        assertEquals("exited", inspect(n).at("/State/Status").asText(), "Exit: the dump ended it");
        assertEquals(List.of("c2", "c1"), names(n), "newest first");

        refused(api.post("/v1.41/containers/" + n + "/checkpoints", Map.of("CheckpointID", "c3",
                "CheckpointDir", "/tmp/elsewhere")), 400, "CheckpointDir is not supported by quilt: checkpoints stay"
                + " under the server's root; leave it empty");
        refused(api.post("/v1.41/containers/nosuch-ck/checkpoints", Map.of("CheckpointID", "c1")), 404,
                "No such container: nosuch-ck");
        refused(api.post("/v1.41/containers/" + n + "/checkpoints", Map.of("CheckpointID", "c3")), 409,
                "container '" + n + "' is stopped; only a running or paused container can be checkpointed");
        refused(api.get("/v1.41/containers/" + n + "/checkpoints?dir=/tmp/x"), 400, "dir is not supported by quilt:"
                + " checkpoints stay under the server's root; leave it empty");
        refused(api.delete("/v1.41/containers/" + n + "/checkpoints/nosuch"), 404, "No such checkpoint: " + n
                + "/nosuch");
        refused(api.post("/v1.41/containers/" + n + "/checkpoints/c1/restore?copies=0"), 400,
                "invalid copies: 0 is not 1 to 100");

        // fork: three copies of c1, each ready, with its own hostname and counter
        ApiClient.Response f = api.post("/v1.41/containers/" + n + "/checkpoints/c1/restore?copies=3&name="
                + n + "-f");
        assertEquals(201, f.status(), f.text());
        Set<String> ids = new HashSet<>();
        for (JsonNode i : f.json().get("Ids")) ids.add(i.asText());
        assertEquals(3, ids.size());
        for (int k = 1; k <= 3; k++) {
            JsonNode c = inspect(n + "-f-" + k);
            assertTrue(ids.contains(c.get("Id").asText()));
            assertEquals("running", c.at("/State/Status").asText());
            assertEquals(n + "-" + k, c.at("/Config/Hostname").asText(), c.toString());
            assertEquals(String.valueOf(k), c.at("/Config/Labels/quilt.clone").asText());
        }

        // start?checkpoint=: the stopped container comes back from c2 under its name, ready
        assertEquals(204, api.post("/v1.41/containers/" + n + "/start?checkpoint=c2").status());
        JsonNode again = inspect(n);
        assertEquals("running", again.at("/State/Status").asText());
        assertNotEquals(id, again.get("Id").asText(), "Quilt restores into a new container");
        refused(api.post("/v1.41/containers/" + n + "/start?checkpoint=c2"), 409, "container "
                + again.get("Id").asText() + " is running; stop it before starting it from a checkpoint");
        assertEquals(List.of("c2", "c1"), names(n), "its name's checkpoints are still its own");

        assertEquals(204, api.delete("/v1.41/containers/" + n + "/checkpoints/c1").status());
        assertEquals(List.of("c2"), names(n));
        assertEquals(204, api.delete("/v1.41/containers/" + n + "/checkpoints/c2").status());
        for (int k = 1; k <= 3; k++) assertEquals(204, api.delete("/v1.41/containers/" + n + "-f-" + k + "?force=1").status());
        assertEquals(204, api.delete("/v1.41/containers/" + n + "?force=1").status());
    }

    @Test
    void thePersistLabelThroughCreateAndDelete() throws Exception {
        String n = unique("persist");
        create(n, Map.of("Labels", Map.of("quilt.persist", "true")));
        assertEquals("fresh", inspect(n).at("/Quilt/Restored/Path").asText());
        assertEquals(204, api.delete("/v1.41/containers/" + n).status(), "persisted: deleted without force");
        assertEquals(404, api.get("/v1.41/containers/" + n + "/json").status());

        // the checkpoint routes reach the removed container's checkpoints by its name, as the CLI's references do
        List<String> kept = names(n);
        assertEquals(1, kept.size(), kept.toString());
        ApiClient.Response one = api.post("/v1.41/containers/" + n + "/checkpoints/" + kept.get(0) + "/restore?name="
                + n + "-zz");
        assertEquals(201, one.status(), one.text());
        JsonNode zz = inspect(n + "-zz");
        assertTrue(zz.at("/Config/Labels/quilt.persist").isMissingNode(), "a restore under another name is not"
                + " persisted: " + zz.at("/Config/Labels"));
        assertTrue(zz.at("/Quilt/Restored/Path").isMissingNode() || zz.at("/Quilt/Restored").isNull(),
                "nor says the original's path: " + zz.at("/Quilt"));
        assertEquals(204, api.delete("/v1.41/containers/" + n + "-zz?force=1").status());
        refused(api.get("/v1.41/containers/" + n + "-zz/checkpoints"), 404, "No such container: " + n + "-zz");
        assertEquals(kept, names(n), "its rm made no checkpoint");
        refused(api.post("/v1.41/containers/" + n + "/checkpoints", Map.of("CheckpointID", "c9")), 404,
                "No such container: " + n);

        create(n, Map.of("Labels", Map.of("quilt.persist", "true")));
        JsonNode restored = inspect(n).at("/Quilt/Restored");
        assertEquals("restore", restored.get("Path").asText(), restored.toString());
        assertTrue(restored.get("From").asText().startsWith(n + "/"), restored.toString());
        assertEquals(1, names(n).size());

        ApiClient.Response bad = api.post("/v1.41/containers/create?name=" + unique("bad"),
                Map.of("Cmd", List.of("true"), "Labels", Map.of("quilt.persist", "yes")));
        refused(bad, 400, "label quilt.persist='yes' must be true or false");
        ApiClient.Response nameless = api.post("/v1.41/containers/create",
                Map.of("Cmd", List.of("true"), "Labels", Map.of("quilt.persist", "true")));
        refused(nameless, 400, "label quilt.persist=true needs a container name: the next create finds the"
                + " checkpoint by name");
        ApiClient.Response bind = api.post("/v1.41/containers/create?name=" + unique("bind"), Map.of("Cmd",
                List.of("true"), "Labels", Map.of("quilt.persist", "true"), "HostConfig", Map.of("NetworkMode",
                        "none", "Binds", List.of("/tmp:/data"))));
        refused(bind, 400, "invalid HostConfig: --persist (label quilt.persist=true) cannot go with the bind mount -v /tmp:/data: a"
                + " container with bind mounts from the host cannot be checkpointed; drop one of them");

        assertEquals(204, api.delete("/v1.41/containers/" + n + "?force=1").status());
        for (String line : quilt.run("checkpoint", "ls").lines().stream().skip(1).toList()) {
            String[] f = line.split("\\s+");
            assertEquals(0, quilt.run("checkpoint", "rm", f[1] + "/" + f[0].substring(f[0].indexOf('/') + 1)).exit());
        }
    }
}
