package dev.quilt.cli.runc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quilt.domain.Capability;
import dev.quilt.domain.oci.OciLinux;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JSON quilt-runc prints: OCI state and features (against the spec's schemas, and features.md's closed sets), list, log records. */
class RuncJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static OciState state(String status, int pid, Map<String, String> annotations) {
        return new OciState("web-1", pid, status, "/srv/bundle", "/srv/bundle/rootfs", "2026-12-01T06:53:41.1234Z",
                new TreeMap<>(annotations), "");
    }

    @Test
    void stateHasRuncsFieldsInRuncsOrderAndValidatesAgainstTheOciSchema() throws Exception {
        String json = RuncJson.indented(state("running", 4242, Map.of("org.example.k", "v")).fields());
        OciSchemas.assertValidState(json);
        JsonNode n = JSON.readTree(json);
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        assertEquals(List.of("ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "annotations", "owner"),
                names);
        assertEquals("1.0.2", n.get("ociVersion").asText());
        assertEquals(4242, n.get("pid").asInt());
        assertEquals("v", n.get("annotations").get("org.example.k").asText());
        assertTrue(json.contains("\"id\": \"web-1\""), "Go's MarshalIndent spacing: " + json);
    }

    @Test
    void everyOciStatusValidatesAndNoAnnotationsLeavesTheFieldOut() throws Exception {
        for (String s : List.of("creating", "created", "running", "stopped")) {
            String json = RuncJson.indented(state(s, s.equals("stopped") ? 0 : 7, Map.of()).fields());
            OciSchemas.assertValidState(json);
            assertFalse(JSON.readTree(json).has("annotations"), json);
        }
    }

    @Test
    void theSchemasCatchWhatTheyForbid() {
        assertFalse(OciSchemas.featuresErrors("{\"ociVersionMin\":\"1.0.0\"}").isEmpty(), "ociVersionMax is required");
        assertFalse(OciSchemas.featuresErrors("{\"ociVersionMin\":\"1.0.0\",\"ociVersionMax\":\"1.2.0\","
                + "\"linux\":{\"namespaces\":[\"pidd\"]}}").isEmpty(), "not a namespace type");
    }

    @Test
    void theSchemaCatchesAStateWithoutItsRequiredFields() {
        // the check is real: a state without bundle or with a status outside the spec's fails it
        assertFalse(OciSchemas.stateErrors("{\"ociVersion\":\"1.0.2\",\"id\":\"x\",\"status\":\"running\"}").isEmpty());
        assertFalse(OciSchemas.stateErrors("{\"ociVersion\":\"1.0.2\",\"id\":\"x\",\"status\":\"up\",\"bundle\":\"/b\"}")
                .isEmpty());
    }

    @Test
    void jsonIsGoShapedIndentedOrOnOneLine() {
        var value = new java.util.LinkedHashMap<String, Object>();
        value.put("s", "a\"b\\c\n\u0001");
        value.put("n", 12);
        value.put("t", true);
        value.put("empty", List.of());
        value.put("none", Map.of());
        value.put("list", List.of("x", Map.of("k", "v")));
        assertEquals("{\n  \"s\": \"a\\\"b\\\\c\\n\\u0001\",\n  \"n\": 12,\n  \"t\": true,\n  \"empty\": [],\n"
                + "  \"none\": {},\n  \"list\": [\n    \"x\",\n    {\n      \"k\": \"v\"\n    }\n  ]\n}", RuncJson.indented(value));
        assertEquals("{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":12,\"t\":true,\"empty\":[],\"none\":{},"
                + "\"list\":[\"x\",{\"k\":\"v\"}]}", RuncJson.line(value));
    }

    @Test
    void createdIsRfc3339WithNanosecondsTrimmedAsGoPrintsIt() {
        assertEquals("2026-12-01T06:53:41Z", Rfc3339.nanos(Instant.parse("2026-12-01T06:53:41Z")));
        assertEquals("2026-12-01T06:53:41.5Z", Rfc3339.nanos(Instant.parse("2026-12-01T06:53:41.500Z")));
        assertEquals("2026-12-01T06:53:41.000000001Z", Rfc3339.nanos(Instant.parse("2026-12-01T06:53:41.000000001Z")));
    }

    /**
     * features-schema.json (runtime-spec 1.2.0), and features.md's "Features Structure": the closed sets of each
     * field quilt-runc fills in, which the schema leaves open.
     */
    @Test
    void featuresValidateAgainstTheOciSchemaAndFollowFeaturesMd() throws Exception {
        String json = RuncJson.indented(FeaturesVerb.features());
        OciSchemas.assertValidFeatures(json);
        JsonNode f = JSON.readTree(json);
        assertTrue(f.get("ociVersionMin").asText().matches("1\\.\\d+\\.\\d+"), f.toString());
        assertTrue(f.get("ociVersionMax").asText().matches("1\\.\\d+\\.\\d+"), f.toString());
        assertTrue(f.get("ociVersionMin").asText().compareTo(f.get("ociVersionMax").asText()) <= 0);
        Set<String> hooks = Set.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart",
                "poststop");
        f.get("hooks").forEach(h -> assertTrue(hooks.contains(h.asText()), h.toString()));
        f.get("mountOptions").forEach(o -> assertTrue(o.isTextual() && !o.asText().isEmpty()));
        JsonNode linux = f.get("linux");
        Set<String> namespaces = Set.of("pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time");
        linux.get("namespaces").forEach(n -> assertTrue(namespaces.contains(n.asText()), n.toString()));
        assertFalse(contains(linux.get("namespaces"), "time"), "the engine refuses time namespaces");
        assertEquals(Capability.values().length, linux.get("capabilities").size());
        linux.get("capabilities").forEach(c -> assertTrue(c.asText().matches("CAP_[A-Z_]+"), c.toString()));
        for (String k : List.of("v1", "v2", "systemd", "systemdUser")) assertTrue(linux.get("cgroup").get(k).isBoolean());
        assertFalse(linux.get("cgroup").get("systemd").asBoolean(), "--systemd-cgroup is refused");
        JsonNode seccomp = linux.get("seccomp");
        assertTrue(seccomp.get("enabled").asBoolean());
        seccomp.get("actions").forEach(a -> assertTrue(a.asText().startsWith("SCMP_ACT_"), a.toString()));
        seccomp.get("operators").forEach(o -> assertTrue(o.asText().startsWith("SCMP_CMP_"), o.toString()));
        seccomp.get("archs").forEach(a -> assertTrue(a.asText().startsWith("SCMP_ARCH_"), a.toString()));
        for (String lsm : List.of("apparmor", "selinux", "intelRdt")) {
            assertFalse(linux.get(lsm).get("enabled").asBoolean(), lsm);
        }
        f.get("annotations").fields().forEachRemaining(e -> assertTrue(e.getValue().isTextual()));
        assertEquals(OciLinux.NamespaceType.values().length - 1, linux.get("namespaces").size());
    }

    private static boolean contains(JsonNode array, String s) {
        for (JsonNode n : array) if (n.asText().equals(s)) return true;
        return false;
    }

    @Test
    void listTableIsGoTabwriterShaped() {
        String t = RuncVerbs.List.table(List.of(state("running", 12, Map.of())));
        List<String> lines = t.lines().toList();
        assertEquals("ID          PID         STATUS      BUNDLE        CREATED                     OWNER", lines.get(0));
        assertEquals("web-1       12          running     /srv/bundle   2026-12-01T06:53:41.1234Z   ", lines.get(1));
    }

    @Test
    void logRecordsAreLogrusShaped() throws Exception {
        Instant at = Instant.parse("2026-12-01T06:53:41Z");
        JsonNode n = JSON.readTree(RuncLog.record(RuncLog.Format.JSON, "container \"x\" does not exist", at));
        assertEquals("error", n.get("level").asText());
        assertEquals("container \"x\" does not exist", n.get("msg").asText());
        assertEquals("2026-12-01T06:53:41Z", n.get("time").asText());
        assertEquals("time=\"2026-12-01T06:53:41Z\" level=error msg=\"a \\\"b\\\"\"",
                RuncLog.record(RuncLog.Format.TEXT, "a \"b\"", at));
    }
}
