package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Images through the API: docker load of the three tarball kinds, list, inspect, delete, pull's refusal. */
class ImageRoutesIT {
    static final String MARK = "QUILT_IT=" + java.util.UUID.randomUUID();
    static Path root;
    static Quilt quilt;
    static Served served;
    static ApiClient api;

    @BeforeAll
    static void up() throws Exception {
        root = Files.createTempDirectory("quilt-image-routes");
        quilt = new Quilt(root);
        quilt.env.put("QUILT_IT", MARK.substring(MARK.indexOf('=') + 1));
        served = Served.start(quilt, root);
        api = served.client();
    }

    @AfterAll
    static void down() throws Exception {
        try {
            if (served != null) served.close();
        } finally {
            quilt.close(MARK);
        }
    }

    /** A tar: a name ending in '/' is a directory, else a file holding the value. */
    static byte[] tar(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            for (var e : entries.entrySet()) {
                TarArchiveEntry te = new TarArchiveEntry(e.getKey());
                te.setModTime(1_700_000_000_000L);
                if (!e.getKey().endsWith("/")) te.setSize(e.getValue().length);
                t.putArchiveEntry(te);
                if (!e.getKey().endsWith("/")) t.write(e.getValue());
                t.closeArchiveEntry();
            }
        }
        return b.toByteArray();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String sha(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** Two layers: the second whites out etc/motd and makes var/cache opaque. */
    static List<byte[]> layers(String mark) throws IOException {
        Map<String, byte[]> a = new LinkedHashMap<>();
        a.put("etc/", new byte[0]);
        a.put("etc/motd", utf8("old"));
        a.put("etc/mark", utf8(mark));
        a.put("var/", new byte[0]);
        a.put("var/cache/", new byte[0]);
        a.put("var/cache/junk", utf8("junk"));
        Map<String, byte[]> b = new LinkedHashMap<>();
        b.put("etc/", new byte[0]);
        b.put("etc/.wh.motd", new byte[0]);
        b.put("var/cache/", new byte[0]);
        b.put("var/cache/.wh..wh..opq", new byte[0]);
        b.put("var/cache/fresh", utf8("fresh"));
        return List.of(tar(a), tar(b));
    }

    static List<String> loaded(ApiClient.Response r) throws IOException {
        assertEquals(200, r.status(), r.text());
        List<String> lines = new ArrayList<>();
        for (String l : r.text().split("\n")) if (!l.isBlank()) lines.add(ApiClient.JSON.readTree(l).get("stream").asText().strip());
        return lines;
    }

    static ApiClient.Response load(byte[] tarball) throws IOException {
        return api.request("POST", "/v1.41/images/load?quiet=1", "application/x-tar", tarball);
    }

    /** The rootfs of the image {@code ref} names, from inspect's Id. */
    static Path rootfs(String ref) throws IOException {
        JsonNode i = api.get("/v1.41/images/" + ref + "/json").json();
        return root.resolve("data/images").resolve(i.get("Id").asText().substring(7)).resolve("rootfs");
    }

    @Test
    void aRootfsTarLoadsUntaggedAndIsListedInspectedAndDeleted() throws Exception {
        Map<String, byte[]> fs = new LinkedHashMap<>();
        fs.put("hello.txt", utf8("rootfs " + MARK));
        List<String> lines = loaded(load(tar(fs)));
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("Loaded image ID: sha256:"), lines.toString());
        String id = lines.get(0).substring("Loaded image ID: ".length()).strip();

        JsonNode list = api.get("/v1.41/images/json").json();
        JsonNode mine = null;
        for (JsonNode n : list) if (n.get("Id").asText().equals(id)) mine = n;
        assertTrue(mine != null, list.toString());
        assertEquals(0, mine.get("RepoTags").size());
        assertEquals(-1, mine.get("Containers").asInt());
        assertTrue(mine.get("Created").asLong() > 0 && mine.get("Size").asLong() > 0, mine.toString());

        JsonNode inspect = api.get("/v1.41/images/" + id + "/json").json();
        assertEquals("linux", inspect.get("Os").asText());
        assertEquals("layers", inspect.get("RootFS").get("Type").asText());
        assertTrue(inspect.get("Config").get("Env").get(0).asText().startsWith("PATH="), inspect.toString());
        assertTrue(inspect.get("Config").get("Cmd").isNull(), inspect.toString());

        ApiClient.Response del = api.delete("/v1.41/images/" + id.substring(7, 19));
        assertEquals(200, del.status(), del.text());
        assertEquals(id, del.json().get(0).get("Deleted").asText());
        assertEquals(404, api.get("/v1.41/images/" + id + "/json").status());
        ApiClient.Response again = api.delete("/v1.41/images/" + id);
        assertEquals(404, again.status());
        assertTrue(again.json().get("message").asText().startsWith("No such image"), again.text());
    }

    @Test
    void aDockerSaveTarballLoadsItsTagWithLayersAndWhiteoutsApplied() throws Exception {
        List<byte[]> l = layers("save");
        Map<String, byte[]> outer = new LinkedHashMap<>();
        outer.put("l1/layer.tar", l.get(0));
        outer.put("l2/layer.tar", l.get(1));
        outer.put("manifest.json", utf8("[{\"Config\":\"cfg.json\",\"RepoTags\":[\"savedimg:1.0\",\"savedimg:extra\"],"
                + "\"Layers\":[\"l1/layer.tar\",\"l2/layer.tar\"]}]"));
        assertEquals(List.of("Loaded image: savedimg:1.0", "Loaded image: savedimg:extra"), loaded(load(tar(outer))));
        Path fs = rootfs("savedimg:1.0");
        assertEquals("save", Files.readString(fs.resolve("etc/mark")));
        assertFalse(Files.exists(fs.resolve("etc/motd")), "whited out");
        assertFalse(Files.exists(fs.resolve("etc/.wh.motd")), "no whiteout file");
        assertFalse(Files.exists(fs.resolve("var/cache/junk")), "hidden by the opaque dir");
        assertEquals("fresh", Files.readString(fs.resolve("var/cache/fresh")));
        JsonNode tags = api.get("/v1.41/images/savedimg:1.0/json").json().get("RepoTags");
        assertEquals("savedimg:1.0", tags.get(0).asText());
        String id = api.get("/v1.41/images/savedimg:1.0/json").json().get("Id").asText();
        ApiClient.Response byId = api.delete("/v1.41/images/" + id);
        assertEquals(409, byId.status(), byId.text());
        assertTrue(byId.json().get("message").asText().contains("must be forced"), byId.text());
        ApiClient.Response untag = api.delete("/v1.41/images/savedimg:extra");
        assertEquals(200, untag.status(), untag.text());
        assertEquals("[{\"Untagged\":\"savedimg:extra\"}]", untag.text().strip());
        assertEquals(id, api.get("/v1.41/images/savedimg:1.0/json").json().get("Id").asText(), "the image stays");
        ApiClient.Response del = api.delete("/v1.41/images/savedimg:1.0");
        assertEquals(200, del.status(), del.text());
        assertEquals("savedimg:1.0", del.json().get(0).get("Untagged").asText());
        assertEquals(id, del.json().get(1).get("Deleted").asText());
    }

    @Test
    void anOciLayoutLoadsByItsRefNameAndLatestIsTheBareName() throws Exception {
        List<byte[]> l = layers("oci");
        byte[] manifest = utf8("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"layers\":[{\"digest\":\"sha256:" + sha(l.get(0)) + "\"},{\"digest\":\"sha256:"
                + sha(l.get(1)) + "\"}]}");
        byte[] index = utf8("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + sha(manifest) + "\","
                + "\"annotations\":{\"org.opencontainers.image.ref.name\":\"ociimg:latest\"}}]}");
        Map<String, byte[]> outer = new LinkedHashMap<>();
        outer.put("oci-layout", utf8("{\"imageLayoutVersion\":\"1.0.0\"}"));
        outer.put("index.json", index);
        outer.put("blobs/sha256/" + sha(manifest), manifest);
        outer.put("blobs/sha256/" + sha(l.get(0)), l.get(0));
        outer.put("blobs/sha256/" + sha(l.get(1)), l.get(1));
        assertEquals(List.of("Loaded image: ociimg:latest"), loaded(load(tar(outer))));
        Path fs = rootfs("ociimg");
        assertEquals("oci", Files.readString(fs.resolve("etc/mark")));
        assertFalse(Files.exists(fs.resolve("etc/motd")));
        assertFalse(Files.exists(fs.resolve("var/cache/junk")));
        // docker's "ociimg", "ociimg:latest" and quilt's "ociimg" are one image
        assertEquals(api.get("/v1.41/images/ociimg/json").json().get("Id"),
                api.get("/v1.41/images/ociimg:latest/json").json().get("Id"));
        // docker save, then load it back after a delete: the same files and name
        ApiClient.Response saved = api.get("/v1.41/images/ociimg/get");
        assertEquals(200, saved.status(), saved.text());
        assertEquals(200, api.delete("/v1.41/images/ociimg").status());
        assertEquals(List.of("Loaded image: ociimg:latest"), loaded(load(saved.body())));
        assertEquals("oci", Files.readString(rootfs("ociimg").resolve("etc/mark")));
        assertFalse(Files.exists(rootfs("ociimg").resolve("etc/motd")));
        assertEquals(404, api.get("/v1.41/images/nosuchimage/get").status());
        assertEquals(0, quilt.run("image", "ls").exit());
        assertTrue(quilt.run("image", "ls").out().contains("ociimg"));
        assertEquals(200, api.delete("/v1.41/images/ociimg:latest").status());
    }

    @Test
    void anImageInUseIsAConflictAndPullSaysToLoad() throws Exception {
        Quilt.Result r = quilt.run("run", "-d", "--network", "none", "--name", "img-user", "-e", MARK,
                "--", "sleep", "2147483647");
        assertEquals(0, r.exit(), r.err());
        try {
            ApiClient.Response del = api.delete("/v1.41/images/default");
            assertEquals(409, del.status(), del.text());
            assertTrue(del.json().get("message").asText().contains("used by container 'img-user'"), del.text());
        } finally {
            assertEquals(0, quilt.run("rm", "-f", "img-user").exit());
        }
        ApiClient.Response pull = api.post("/v1.41/images/create?fromImage=nosuchimage&tag=latest");
        assertEquals(404, pull.status());
        String m = pull.json().get("message").asText();
        assertTrue(m.contains("docker load") && m.contains("POST /images/load"), m);
        ApiClient.Response junk = load(utf8("this is no tar at all"));
        assertTrue(junk.status() == 400, junk.text());
        assertFalse(junk.text().contains("Exception"), junk.text());
    }
}
