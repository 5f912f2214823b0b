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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Docker's networks and volumes as quilt serve maps them (NetworkRoutes, VolumeRoutes): the root's bridge is
 * {@code bridge}, a made network is another name for it, and what a name cannot honour is a 400 naming the field.
 * Containers are made with the CLI on the same root (one engine: the server sees them).
 */
class NetworkRoutesIT {
    static final String MARK = "QUILT_IT=" + java.util.UUID.randomUUID();
    static Path root;
    static Quilt quilt;
    static Served served;
    static ApiClient api;

    @BeforeAll
    static void up() throws Exception {
        root = Files.createTempDirectory("quilt-networks");
        quilt = new Quilt(root);
        quilt.env.put("QUILT_IT", MARK.substring(MARK.indexOf('=') + 1));
        // the default image, made on first use by the CLI: the API creates only from images that exist
        assertEquals(0, quilt.run("run", "--rm", "--network", "none", "--", "true").exit());
        served = Served.start(quilt, root);
        api = served.client();
    }

    @AfterAll
    static void down() throws Exception {
        if (served != null) served.close();
        quilt.close(MARK);
    }

    private static List<String> names(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.forEach(n -> out.add(n.get("Name").asText()));
        return out;
    }

    private static String filters(String json) {
        return URLEncoder.encode(json, StandardCharsets.UTF_8);
    }

    @Test
    void aMadeNetworkIsANameForTheRootsBridgeListedFilteredInspectedAndRemoved() throws Exception {
        assertEquals(List.of("bridge", "host", "none"), names(api.get("/v1.41/networks").json()));
        ApiClient.Response made = api.post("/v1.41/networks/create", Map.of("Name", "proj_default", "Driver", "bridge",
                "Labels", Map.of("com.docker.compose.project", "proj"), "CheckDuplicate", true));
        assertEquals(201, made.status(), made.text());
        String id = made.json().get("Id").asText();
        assertEquals(409, api.post("/v1.41/networks/create", Map.of("Name", "proj_default")).status());

        assertEquals(List.of("proj_default"), names(api.get("/v1.41/networks?filters="
                + filters("{\"label\":{\"com.docker.compose.project=proj\":true}}")).json()));
        assertEquals(List.of("proj_default"), names(api.get("/v1.41/networks?filters="
                + filters("{\"type\":[\"custom\"]}")).json()));
        assertEquals(400, api.get("/v1.41/networks?filters=" + filters("{\"nope\":[\"x\"]}")).status());

        // a container on the bridge is in every bridge network; one with --network none only in none
        assertEquals(0, quilt.run("run", "-d", "--name", "on-bridge").exit());
        assertEquals(0, quilt.run("run", "-d", "--name", "no-net", "--network", "none").exit());
        JsonNode bridge = api.get("/v1.41/networks/bridge").json();
        JsonNode proj = api.get("/v1.41/networks/" + id.substring(0, 12)).json();
        assertEquals("proj_default", proj.get("Name").asText());
        assertEquals(bridge.get("IPAM"), proj.get("IPAM"));
        assertEquals(quilt.subnet, proj.at("/IPAM/Config/0/Subnet").asText());
        assertEquals(bridge.get("Containers"), proj.get("Containers"));
        assertEquals(1, proj.get("Containers").size(), proj.toString());
        assertEquals("on-bridge", proj.get("Containers").elements().next().get("Name").asText());
        assertEquals(quilt.bridge, bridge.at("/Options/com.docker.network.bridge.name").asText());
        assertEquals("no-net", api.get("/v1.41/networks/none").json().get("Containers").elements().next()
                .get("Name").asText());

        // connect: a bridge container is in it already; others are refused naming why
        assertEquals(200, api.post("/v1.41/networks/proj_default/connect", Map.of("Container", "on-bridge",
                "EndpointConfig", Map.of("Aliases", List.of("web")))).status());
        expect(400, "HostConfig.NetworkMode", api.post("/v1.41/networks/proj_default/connect",
                Map.of("Container", "no-net")));
        expect(400, "EndpointConfig.IPAMConfig", api.post("/v1.41/networks/proj_default/connect",
                Map.of("Container", "on-bridge", "EndpointConfig", Map.of("IPAMConfig",
                        Map.of("IPv4Address", "10.1.2.3")))));
        expect(400, "EndpointConfig.Links", api.post("/v1.41/networks/proj_default/connect",
                Map.of("Container", "on-bridge", "EndpointConfig", Map.of("Links", List.of("a:b")))));
        expect(400, "(Container)", api.post("/v1.41/networks/proj_default/connect", Map.of()));
        expect(404, "No such container: ghost", api.post("/v1.41/networks/proj_default/connect",
                Map.of("Container", "ghost")));
        expect(404, "network ghost not found", api.post("/v1.41/networks/ghost/connect",
                Map.of("Container", "on-bridge")));
        expect(409, "keeps its network", api.post("/v1.41/networks/proj_default/disconnect",
                Map.of("Container", "on-bridge")));

        assertEquals(204, api.delete("/v1.41/networks/proj_default").status());
        expect(404, "network proj_default not found", api.get("/v1.41/networks/proj_default"));
        expect(403, "pre-defined", api.delete("/v1.41/networks/bridge"));
        assertEquals(List.of("bridge", "host", "none"), names(api.get("/v1.41/networks").json()));
        assertEquals(0, quilt.run("rm", "-f", "on-bridge", "no-net").exit());
    }

    @Test
    void whatANetworkNameCannotHonourIsA400NamingTheField() throws Exception {
        expect(400, "(Name)", api.post("/v1.41/networks/create", Map.of()));
        expect(400, "(Name)", api.post("/v1.41/networks/create", Map.of("Name", "../x")));
        expect(400, "(Driver)", api.post("/v1.41/networks/create", Map.of("Name", "a1", "Driver", "overlay")));
        expect(400, "(Internal)", api.post("/v1.41/networks/create", Map.of("Name", "a2", "Internal", true)));
        expect(400, "(EnableIPv6)", api.post("/v1.41/networks/create", Map.of("Name", "a3", "EnableIPv6", true)));
        expect(400, "(Options)", api.post("/v1.41/networks/create", Map.of("Name", "a4",
                "Options", Map.of("com.docker.network.bridge.name", "br9"))));
        expect(400, "(IPAM.Config)", api.post("/v1.41/networks/create", Map.of("Name", "a5",
                "IPAM", Map.of("Config", List.of(Map.of("Subnet", "10.9.0.0/16"))))));
        expect(409, "already exists", api.post("/v1.41/networks/create", Map.of("Name", "bridge")));
        assertEquals(List.of("bridge", "host", "none"), names(api.get("/v1.41/networks").json()),
                "no refused network was made");
    }

    @Test
    void aContainerCreatedOnAMadeNetworkIsOnTheBridge() throws Exception {
        assertEquals(201, api.post("/v1.41/networks/create", Map.of("Name", "made_net")).status());
        ApiClient.Response made = api.post("/v1.41/containers/create?name=on-made",
                Map.of("Image", "default", "HostConfig", Map.of("NetworkMode", "made_net")));
        assertEquals(201, made.status(), made.text());
        String id = made.json().get("Id").asText();
        assertEquals(204, api.post("/v1.41/containers/" + id + "/start").status());
        JsonNode members = api.get("/v1.41/networks/made_net").json().get("Containers");
        assertTrue(members.has(id), members.toString());
        expect(400, "HostConfig.NetworkMode", api.post("/v1.41/containers/create?name=on-unknown",
                Map.of("Image", "default", "HostConfig", Map.of("NetworkMode", "no_such_net"))));
        assertEquals(204, api.delete("/v1.41/containers/" + id + "?force=1").status());
        assertEquals(204, api.delete("/v1.41/networks/made_net").status());
    }

    @Test
    void thereAreNoNamedVolumes() throws Exception {
        ApiClient.Response list = api.get("/v1.41/volumes");
        assertEquals(200, list.status());
        assertEquals(0, list.json().get("Volumes").size());
        expect(400, "HostConfig.Binds", api.post("/v1.41/volumes/create", Map.of("Name", "data")));
        expect(404, "no such volume", api.get("/v1.41/volumes/data"));
        expect(404, "no such volume", api.delete("/v1.41/volumes/data"));
    }

    private static void expect(int status, String inMessage, ApiClient.Response r) throws Exception {
        assertEquals(status, r.status(), r.text());
        String message = r.json().get("message").asText();
        assertTrue(message.contains(inMessage), message);
        assertTrue(!message.contains("Exception"), message);
    }
}
