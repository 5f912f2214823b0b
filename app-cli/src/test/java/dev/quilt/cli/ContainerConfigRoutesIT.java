package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /containers/{id}/update}, {@code /rename} and {@code /resize} through a real server: the new limits in
 * inspect's HostConfig and in the kernel's cgroup files, a rename of a running and of a stopped container seen by
 * inspect, list and lookup, its event, and every refusal with its status and line.
 */
class ContainerConfigRoutesIT {
    @RegisterExtension
    static final ServedRoot SERVER = new ServedRoot("quilt-config-routes");
    static Quilt quilt;
    static ApiClient api;

    @BeforeAll
    static void up() {
        quilt = SERVER.quilt;
        api = SERVER.api;
    }

    private static String runDetached(String name, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("run", "-d", "--network", "none", "--name", name,
                "-e", SERVER.mark));
        args.addAll(List.of(more));
        Quilt.Result r = quilt.run(args.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        return r.out().strip();
    }

    private static JsonNode inspect(String ref) throws IOException {
        ApiClient.Response r = api.get("/v1.41/containers/" + ref + "/json");
        assertEquals(200, r.status(), r.text());
        return r.json();
    }

    private static void refused(ApiClient.Response r, int status, String words) throws IOException {
        assertEquals(status, r.status(), r.text());
        String m = r.json().get("message").asText();
        assertTrue(m.contains(words), m);
    }

    private static Map<String, Object> body(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    /** The file {@code file} of the v1 hierarchy {@code controller} where the container's init is. */
    private static String cgroupFile(int pid, String controller, String file) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "cgroup"))) {
            String[] f = line.split(":", 3);
            if (List.of(f[1].split(",")).contains(controller)) {
                return Files.readString(Path.of("/sys/fs/cgroup", f[1], f[2], file)).strip();
            }
        }
        throw new AssertionError("no " + controller + " hierarchy for pid " + pid);
    }

    @Test
    void updateChangesTheLimitsInInspectAndInTheCgroup() throws Exception {
        String id = runDetached("upd", "--memory", "64m", "--pids-limit", "100");
        int pid = inspect(id).get("State").get("Pid").asInt();
        assertEquals("100", cgroupFile(pid, "pids", "pids.max"));

        ApiClient.Response ok = api.post("/v1.41/containers/upd/update",
                body("Memory", 96L << 20, "MemorySwap", 192L << 20, "PidsLimit", 50, "CpuShares", 512,
                        "NanoCpus", 500_000_000L, "CpusetCpus", "", "BlkioWeight", 0,
                        "RestartPolicy", body("Name", "", "MaximumRetryCount", 0)));
        assertEquals(200, ok.status(), ok.text());
        assertEquals(0, ok.json().get("Warnings").size(), ok.text());
        JsonNode host = inspect("upd").get("HostConfig");
        assertEquals(96L << 20, host.get("Memory").asLong());
        assertEquals(192L << 20, host.get("MemorySwap").asLong());
        assertEquals(50, host.get("PidsLimit").asLong());
        assertEquals(512, host.get("CpuShares").asInt());
        assertEquals(500_000_000L, host.get("NanoCpus").asLong());
        assertEquals("50", cgroupFile(pid, "pids", "pids.max"));
        assertEquals(String.valueOf(96L << 20), cgroupFile(pid, "memory", "memory.limit_in_bytes"));
        assertEquals("512", cgroupFile(pid, "cpu", "cpu.shares"));
        assertEquals("50000", cgroupFile(pid, "cpu", "cpu.cfs_quota_us"));

        // PidsLimit 0 is docker's "no limit"; a body of zeros changes nothing
        assertEquals(200, api.post("/v1.41/containers/upd/update", body("PidsLimit", 0)).status());
        assertEquals("max", cgroupFile(pid, "pids", "pids.max"));
        assertEquals(-1, inspect("upd").get("HostConfig").get("PidsLimit").asLong());
        assertEquals(200, api.post("/v1.41/containers/upd/update", body("Memory", 0, "CpusetMems", "")).status());
        assertEquals(96L << 20, inspect("upd").get("HostConfig").get("Memory").asLong());

        // refusals change nothing
        refused(api.post("/v1.41/containers/upd/update", body("CpusetCpus", "0")), 400, "CpusetCpus");
        refused(api.post("/v1.41/containers/upd/update", body("Memory", 64L << 20, "KernelMemory", 1L << 30)), 400,
                "KernelMemory");
        refused(api.post("/v1.41/containers/upd/update", body("RestartPolicy", body("Name", "always"))), 400,
                "RestartPolicy");
        refused(api.post("/v1.41/containers/upd/update", body("Memory", 1024)), 400, "Memory");
        refused(api.post("/v1.41/containers/upd/update", body("NanoCpus", 1_000_000_000L, "CpuQuota", 50_000)), 400,
                "Conflicting options");
        refused(api.post("/v1.41/containers/upd/update", body("PidsLimit", "many")), 400, "PidsLimit");
        refused(api.post("/v1.41/containers/nosuch/update", body("PidsLimit", 10)), 404, "No such container: nosuch");
        // what the memory controller would refuse after a first write (a 500 naming the cgroup's path before), and
        // more CPUs than the host has, as dockerd says
        refused(api.post("/v1.41/containers/upd/update", body("MemorySwap", 64L << 20)), 400,
                "MemorySwap 67108864 is less than Memory 100663296");
        refused(api.post("/v1.41/containers/upd/update", body("Memory", 256L << 20)), 400,
                "more than the MemorySwap limit");
        refused(api.post("/v1.41/containers/upd/update", body("NanoCpus", 1_000_000_000_000L)), 400,
                "invalid NanoCpus: range of CPUs is from 0.01 to");
        assertEquals(String.valueOf(96L << 20), cgroupFile(pid, "memory", "memory.limit_in_bytes"));
        assertEquals(96L << 20, inspect("upd").get("HostConfig").get("Memory").asLong());

        assertEquals(0, quilt.run("kill", "upd").exit());
        assertEquals(200, api.post("/v1.41/containers/upd/wait").status());
        refused(api.post("/v1.41/containers/upd/update", body("PidsLimit", 10)), 409, "stopped");
        assertEquals(0, quilt.run("rm", "-f", "upd").exit());
    }

    @Test
    void renameARunningAndAStoppedContainer() throws Exception {
        String id = runDetached("ren-a");
        String other = runDetached("ren-b");
        long before = System.currentTimeMillis() / 1000;
        assertEquals(204, api.post("/v1.41/containers/ren-a/rename?name=ren-c").status());
        assertEquals("/ren-c", inspect(id).get("Name").asText());
        assertEquals(id, inspect("ren-c").get("Id").asText());
        refused(api.get("/v1.41/containers/ren-a/json"), 404, "No such container: ren-a");
        ApiClient.Response list = api.get("/v1.41/containers/json?all=1&filters="
                + URLEncoder.encode("{\"id\":[\"" + id + "\"]}", StandardCharsets.UTF_8));
        assertEquals("/ren-c", list.json().get(0).get("Names").get(0).asText(), list.text());
        long after = System.currentTimeMillis() / 1000 + 1;
        ApiClient.Response events = api.get("/v1.41/events?since=" + before + "&until=" + after + "&filters="
                + URLEncoder.encode("{\"event\":[\"rename\"],\"container\":[\"" + id + "\"]}", StandardCharsets.UTF_8));
        JsonNode e = ApiClient.JSON.readTree(events.text().strip().split("\n")[0]);
        assertEquals("rename", e.get("Action").asText(), events.text());
        assertEquals("/ren-a", e.get("Actor").get("Attributes").get("oldName").asText());
        assertEquals("ren-c", e.get("Actor").get("Attributes").get("name").asText());

        // the old name is free again; a taken one is dockerd's 409; invalid, empty and the same name 400s
        assertEquals(204, api.post("/v1.41/containers/ren-b/rename?name=%2Fren-a").status());
        assertEquals(other, inspect("ren-a").get("Id").asText());
        refused(api.post("/v1.41/containers/ren-c/rename?name=ren-a"), 409,
                "Conflict. The container name \"/ren-a\" is already in use by container \"" + other + "\"");
        refused(api.post("/v1.41/containers/ren-c/rename?name=no%20spaces"), 400, "name");
        refused(api.post("/v1.41/containers/ren-c/rename"), 400, "empty");
        refused(api.post("/v1.41/containers/ren-c/rename?name=ren-c"), 400, "same name");
        refused(api.post("/v1.41/containers/nosuch/rename?name=x1"), 404, "No such container: nosuch");
        assertEquals(id, inspect("ren-c").get("Id").asText());

        // a stopped one, and the CLI finds it by its new name
        assertEquals(0, quilt.run("kill", "ren-c").exit());
        assertEquals(200, api.post("/v1.41/containers/ren-c/wait").status());
        assertEquals(204, api.post("/v1.41/containers/" + id.substring(0, 12) + "/rename?name=ren-d").status());
        assertEquals("/ren-d", inspect(id).get("Name").asText());
        assertEquals(0, quilt.run("rm", "-f", "ren-d").exit());
        assertEquals(0, quilt.run("rm", "-f", "ren-a").exit());
    }

    /** Two IDs that start alike (17 created containers hold two of the same first digit): current dockerd's 400. */
    @Test
    void aPrefixOfSeveralIdsIsA400() throws Exception {
        List<String> made = new java.util.ArrayList<>();
        try {
            String prefix = null;
            while (prefix == null) {
                ApiClient.Response r = api.post("/v1.41/containers/create", body("Env", List.of(SERVER.mark),
                        "HostConfig", body("NetworkMode", "none")));
                assertEquals(201, r.status(), r.text());
                String id = r.json().get("Id").asText();
                for (String other : made) if (other.charAt(0) == id.charAt(0)) prefix = id.substring(0, 1);
                made.add(id);
            }
            for (String path : List.of("/json", "/changes")) {
                refused(api.get("/v1.41/containers/" + prefix + path), 400,
                        "multiple IDs found with provided prefix: " + prefix);
            }
            refused(api.post("/v1.41/containers/" + prefix + "/rename?name=amb"), 400,
                    "multiple IDs found with provided prefix: " + prefix);
        } finally {
            for (String id : made) api.delete("/v1.41/containers/" + id + "?force=1");
        }
    }

    @Test
    void resizeAnswersAsDockerdForAContainerWithoutATerminal() throws Exception {
        runDetached("sized");
        assertEquals(200, api.post("/v1.41/containers/sized/resize?h=30&w=90").status());
        refused(api.post("/v1.41/containers/sized/resize?h=x&w=90"), 400, "invalid syntax");
        refused(api.post("/v1.41/containers/nosuch/resize?h=30&w=90"), 404, "No such container: nosuch");
        assertEquals(0, quilt.run("kill", "sized").exit());
        assertEquals(200, api.post("/v1.41/containers/sized/wait").status());
        refused(api.post("/v1.41/containers/sized/resize?h=30&w=90"), 409, "is not running");
        assertEquals(0, quilt.run("rm", "-f", "sized").exit());
    }
}
