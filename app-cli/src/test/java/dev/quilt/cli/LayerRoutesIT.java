package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /containers/{id}/changes} and {@code /export} through a real server: files added, changed and deleted
 * in a container (a whiteout, an opaque directory) as docker diff reports them, and the export's tar read back,
 * for a running and then a stopped container; a symlink the container points at the host is exported as a link
 * and never followed.
 */
class LayerRoutesIT {
    @RegisterExtension
    static final ServedRoot SERVER = new ServedRoot("quilt-layer-routes");
    static Quilt quilt;
    static ApiClient api;

    @BeforeAll
    static void up() {
        quilt = SERVER.quilt;
        api = SERVER.api;
    }

    private static void ok(Quilt.Result r) {
        assertEquals(0, r.exit(), r.err());
    }

    private static Map<String, Integer> changes(String ref) throws IOException {
        ApiClient.Response r = api.get("/v1.41/containers/" + ref + "/changes");
        assertEquals(200, r.status(), r.text());
        Map<String, Integer> out = new HashMap<>();
        for (JsonNode c : r.json()) out.put(c.get("Path").asText(), c.get("Kind").asInt());
        return out;
    }

    /** The export's entries: name to its content (regular files) or its link target. */
    private static Map<String, String> export(String ref) throws IOException {
        Map<String, String> out = new HashMap<>();
        try (ApiClient.Open o = api.open("GET", "/v1.41/containers/" + ref + "/export", null, null, Map.of())) {
            assertEquals(200, o.status);
            assertEquals("application/x-tar", o.headers.get("content-type"));
            try (TarArchiveInputStream tar = new TarArchiveInputStream(o.body())) {
                for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                    assertFalse(out.containsKey(e.getName()), "twice: " + e.getName());
                    String v = e.isSymbolicLink() || e.isLink() ? "-> " + e.getLinkName()
                            : e.isDirectory() ? "dir" : new String(tar.readAllBytes(), StandardCharsets.UTF_8);
                    out.put(e.getName(), v);
                }
            }
        }
        return out;
    }

    @Test
    void diffAndExportOfARunningAndAStoppedContainer() throws Exception {
        ok(quilt.run("run", "-d", "--network", "none", "--name", "layered", "-e", SERVER.mark));
        try {
            diffAndExport();
        } finally {
            quilt.run("rm", "-f", "layered");
        }
    }

    private static void diffAndExport() throws Exception {
        ok(quilt.run("exec", "layered", "sh", "-c", "echo extra >> /etc/group; mkdir /home/new;"
                + " echo hi > /home/new/file; rm -r /var/tmp; rm -r /usr/sbin; mkdir /usr/sbin;"
                + " echo again > /usr/sbin/tool; ln -s /etc/shadow /root/host-link"));
        Map<String, Integer> running = changes("layered");
        Map<String, Integer> expected = Map.of("/etc/group", 0, "/home", 0, "/home/new", 1, "/home/new/file", 1,
                "/var", 0, "/var/tmp", 2, "/usr/sbin", 2, "/usr/sbin/tool", 1, "/root/host-link", 1);
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
            assertEquals(e.getValue(), running.get(e.getKey()), e.getKey() + " in " + running);
        }
        assertFalse(running.containsKey("/bin"), "untouched: " + running);

        Map<String, String> tar = export("layered");
        assertEquals("hi\n", tar.get("home/new/file"), tar.keySet().toString());
        assertTrue(tar.get("etc/group").endsWith("extra\n"), tar.get("etc/group"));
        assertEquals("again\n", tar.get("usr/sbin/tool"));
        assertEquals("-> /etc/shadow", tar.get("root/host-link"), "a link is exported as a link, never followed");
        assertFalse(tar.containsKey("var/tmp/"), "deleted");
        assertEquals("dir", tar.get("var/"));
        assertTrue(tar.containsKey("bin/"), "the image shows through");
        Set<String> inProc = new HashSet<>();
        for (String n : tar.keySet()) if (n.startsWith("proc/") && !n.equals("proc/")) inProc.add(n);
        assertEquals(Set.of(), inProc, "the container's own mounts are not exported");

        ok(quilt.run("kill", "layered"));
        assertEquals(200, api.post("/v1.41/containers/layered/wait").status());
        assertEquals(running, changes("layered"), "a stopped container keeps its layer");
        assertEquals(tar, export("layered"));

        for (String route : List.of("changes", "export")) {
            ApiClient.Response none = api.get("/v1.41/containers/nosuch/" + route);
            assertEquals(404, none.status(), none.text());
            assertEquals("No such container: nosuch", none.json().get("message").asText());
        }
    }

    @Test
    void aFreshContainerHasNoChanges() throws Exception {
        ok(quilt.run("create", "--network", "none", "--name", "fresh", "-e", SERVER.mark));
        try {
            ApiClient.Response r = api.get("/v1.41/containers/fresh/changes");
            assertEquals(200, r.status(), r.text());
            assertEquals("null", r.text().strip(), "dockerd's answer for no change");
        } finally {
            ok(quilt.run("rm", "-f", "fresh"));
        }
    }
}
