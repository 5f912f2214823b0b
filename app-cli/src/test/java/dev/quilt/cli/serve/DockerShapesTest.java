package dev.quilt.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Cpus;
import dev.quilt.domain.Digest;
import dev.quilt.domain.Endpoint;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.HealthCheck;
import dev.quilt.domain.HealthResult;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.Ipv4Address;
import dev.quilt.domain.LogLimit;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.Phase;
import dev.quilt.domain.PhaseMark;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.ReadyPolicy;
import dev.quilt.domain.RecordedExit;
import dev.quilt.domain.Resources;
import dev.quilt.domain.Security;
import dev.quilt.domain.User;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Inspect's and list's shapes, docker's words for Quilt's statuses, and the list filters. */
class DockerShapesTest {
    static final Instant T0 = Instant.parse("2026-01-02T03:04:05.123456789Z");
    static final Digest IMAGE = Digest.sha256("a".repeat(64));

    static Container created(String name, NetworkMode mode, Map<String, String> labels, Optional<HealthCheck> health) {
        ContainerSpec spec = new ContainerSpec(new ProcessSpec(List.of("sleep", "9"), List.of("PATH=/bin", "A=1"), "/w",
                new User(5, 6), false), IMAGE, new Hostname(name), ContainerSpec.DEFAULT_NAMESPACES, false, false, mode,
                new Resources(Optional.of(64L << 20), Optional.of(128L << 20), Optional.of(new Cpus(50_000, 100_000)),
                        Optional.of(512), Optional.of(100L)), health, ReadyPolicy.DEFAULT, LogLimit.DEFAULT,
                Security.DEFAULT).withLabels(labels);
        Container c = Container.creating(ContainerId.of(Integer.toHexString(name.hashCode()) + "b".repeat(56)),
                Optional.of(ContainerName.of(name)), spec, T0, false);
        if (mode == NetworkMode.BRIDGE) {
            c = c.attached(new Endpoint("qt1", Ipv4Address.parse("10.201.3.7"), 24, Ipv4Address.parse("10.201.3.1"),
                    "02:42:0a:c9:03:07", "qv1234"));
        }
        return c.created(new ProcessRef(100, 1), new ProcessRef(99, 1))
                .reached(PhaseMark.held(Phase.SPAWNED, T0.plusMillis(20), Duration.ofMillis(20)));
    }

    static Container running(String name) {
        return created(name, NetworkMode.BRIDGE, Map.of("k", "v"), Optional.empty())
                .running(new ProcessRef(100, 1), new ProcessRef(99, 1), T0.plusSeconds(1))
                .reached(PhaseMark.held(Phase.NETWORK, T0.plusMillis(1001), Duration.ofMillis(1)))
                .reached(PhaseMark.held(Phase.EXEC, T0.plusMillis(1010), Duration.ofMillis(9)))
                .reached(PhaseMark.skipped(Phase.HEALTHY, T0.plusMillis(1010)));
    }

    static JsonNode tree(Object o) {
        return ApiJson.MAPPER.valueToTree(o);
    }

    static final DockerContainerJson.ImageRef REF = new DockerContainerJson.ImageRef("alpine", IMAGE.value());

    @Test
    void inspectOfARunningContainerOnTheBridge() {
        JsonNode j = tree(DockerContainerJson.inspect(running("web"), Optional.empty(), REF));
        assertEquals("2026-01-02T03:04:05.123456789Z", j.get("Created").asText(), "RFC 3339 with nanoseconds");
        assertEquals("sleep", j.get("Path").asText());
        assertEquals("[\"9\"]", j.get("Args").toString());
        assertEquals("running", j.at("/State/Status").asText());
        assertTrue(j.at("/State/Running").asBoolean());
        assertFalse(j.at("/State/Paused").asBoolean());
        assertFalse(j.at("/State/Restarting").asBoolean());
        assertFalse(j.at("/State/OOMKilled").asBoolean());
        assertFalse(j.at("/State/Dead").asBoolean());
        assertEquals(100, j.at("/State/Pid").asInt());
        assertEquals(0, j.at("/State/ExitCode").asInt());
        assertEquals("2026-01-02T03:04:06.123456789Z", j.at("/State/StartedAt").asText());
        assertEquals(DockerContainerJson.ZERO_TIME, j.at("/State/FinishedAt").asText());
        assertTrue(j.at("/State/Health").isMissingNode(), "no health check: no Health");
        assertEquals(IMAGE.value(), j.get("Image").asText());
        assertEquals("/web", j.get("Name").asText());
        assertEquals(0, j.get("RestartCount").asInt());
        assertEquals("overlay2", j.get("Driver").asText());
        assertEquals("linux", j.get("Platform").asText());
        assertEquals("bridge", j.at("/HostConfig/NetworkMode").asText());
        assertEquals(64L << 20, j.at("/HostConfig/Memory").asLong());
        assertEquals(128L << 20, j.at("/HostConfig/MemorySwap").asLong());
        assertEquals(500_000_000L, j.at("/HostConfig/NanoCpus").asLong());
        assertEquals(50_000L, j.at("/HostConfig/CpuQuota").asLong(), "the same limit, as the CFS pair it is kept as");
        assertEquals(100_000L, j.at("/HostConfig/CpuPeriod").asLong());
        assertEquals(512, j.at("/HostConfig/CpuShares").asInt());
        assertEquals(100, j.at("/HostConfig/PidsLimit").asInt());
        assertEquals("web", j.at("/Config/Hostname").asText());
        assertEquals("5:6", j.at("/Config/User").asText());
        assertEquals("[\"PATH=/bin\",\"A=1\"]", j.at("/Config/Env").toString());
        assertEquals("[\"sleep\",\"9\"]", j.at("/Config/Cmd").toString());
        assertEquals("alpine", j.at("/Config/Image").asText());
        assertEquals("/w", j.at("/Config/WorkingDir").asText());
        assertEquals("v", j.at("/Config/Labels/k").asText());
        assertFalse(j.at("/Config/Tty").asBoolean());
        assertFalse(j.at("/Config/OpenStdin").asBoolean());
        assertEquals("SIGTERM", j.at("/Config/StopSignal").asText());
        assertEquals("10.201.3.7", j.at("/NetworkSettings/IPAddress").asText());
        assertEquals(24, j.at("/NetworkSettings/IPPrefixLen").asInt());
        assertEquals("10.201.3.1", j.at("/NetworkSettings/Gateway").asText());
        assertEquals("02:42:0a:c9:03:07", j.at("/NetworkSettings/MacAddress").asText());
        assertEquals("10.201.3.7", j.at("/NetworkSettings/Networks/bridge/IPAddress").asText());
        assertEquals("[]", j.get("Mounts").toString());
        assertTrue(j.at("/Quilt/Ready").asBoolean());
        assertEquals("spawned", j.at("/Quilt/Phases/0/Phase").asText());
        assertEquals(20.0, j.at("/Quilt/Phases/0/Millis").asDouble());
        assertTrue(j.at("/Quilt/Phases/3/Skipped").asBoolean());
        assertEquals(4, j.at("/Quilt/Phases").size());
    }

    @Test
    void inspectOfAnExitedOneShowsItsEndAndNoAddress() {
        Container c = running("gone").stopped(new ExitStatus(137, 9), T0.plusSeconds(5));
        JsonNode j = tree(DockerContainerJson.inspect(c, Optional.of(new RecordedExit(new ExitStatus(137, 9),
                T0.plusSeconds(5), Optional.of("out of memory"), true)), REF));
        assertEquals("exited", j.at("/State/Status").asText());
        assertFalse(j.at("/State/Running").asBoolean());
        assertEquals(0, j.at("/State/Pid").asInt());
        assertEquals(137, j.at("/State/ExitCode").asInt());
        assertTrue(j.at("/State/OOMKilled").asBoolean());
        assertEquals("out of memory", j.at("/State/Error").asText());
        assertEquals("2026-01-02T03:04:10.123456789Z", j.at("/State/FinishedAt").asText());
        assertEquals("", j.at("/NetworkSettings/IPAddress").asText(), "its address was given back");
    }

    @Test
    void healthShowsStatusStreakAndLastRun() {
        HealthCheck check = new HealthCheck("true", Duration.ofSeconds(2), Duration.ofSeconds(1),
                Duration.ofMillis(100), 3);
        Container c = created("hc", NetworkMode.NONE, Map.of(), Optional.of(check));
        JsonNode starting = tree(DockerContainerJson.inspect(c, Optional.empty(), REF));
        assertEquals("starting", starting.at("/State/Health/Status").asText());
        assertEquals("created", starting.at("/State/Status").asText());
        assertEquals(0, starting.at("/State/Pid").asInt(), "a created container has no pid docker would show");
        Container checked = c.checked(new HealthResult(new ExitStatus(0, 0), false, "ok", T0, T0.plusMillis(3)));
        JsonNode j = tree(DockerContainerJson.inspect(checked, Optional.empty(), REF));
        assertEquals("healthy", j.at("/State/Health/Status").asText());
        assertEquals(0, j.at("/State/Health/FailingStreak").asInt());
        assertEquals("ok", j.at("/State/Health/Log/0/Output").asText());
        assertEquals(0, j.at("/State/Health/Log/0/ExitCode").asInt());
        assertEquals("[\"CMD-SHELL\",\"true\"]", j.at("/Config/Healthcheck/Test").toString());
        assertEquals(2_000_000_000L, j.at("/Config/Healthcheck/Interval").asLong());
        assertEquals("none", j.at("/HostConfig/NetworkMode").asText());
        assertTrue(j.at("/NetworkSettings/Networks/none").isObject());
    }

    @Test
    void summaryIsDockersListItem() {
        Instant now = T0.plusSeconds(4);
        JsonNode j = tree(DockerContainerJson.summary(running("web"), REF, now));
        assertEquals("[\"/web\"]", j.get("Names").toString());
        assertEquals("alpine", j.get("Image").asText());
        assertEquals(IMAGE.value(), j.get("ImageID").asText());
        assertEquals("sleep 9", j.get("Command").asText());
        assertEquals(T0.getEpochSecond(), j.get("Created").asLong());
        assertEquals("running", j.get("State").asText());
        assertEquals("Up 3 seconds", j.get("Status").asText());
        assertEquals("[]", j.get("Ports").toString());
        assertEquals(0, j.get("SizeRw").asInt());
        assertEquals("bridge", j.at("/HostConfig/NetworkMode").asText());
        assertEquals("10.201.3.7", j.at("/NetworkSettings/Networks/bridge/IPAddress").asText());
        assertEquals("Up 3 seconds (Paused)", DockerContainerJson.status(running("p").paused(), now));
        assertEquals("Created", DockerContainerJson.status(created("c", NetworkMode.NONE, Map.of(), Optional.empty()), now));
        assertEquals("Exited (3) 2 seconds ago", DockerContainerJson.status(running("x")
                .stopped(new ExitStatus(3, 0), T0.plusSeconds(2)), now));
    }

    @Test
    void humanDurationsAreDockers() {
        assertEquals("Less than a second", DockerContainerJson.humanDuration(Duration.ofMillis(300)));
        assertEquals("1 second", DockerContainerJson.humanDuration(Duration.ofSeconds(1)));
        assertEquals("59 seconds", DockerContainerJson.humanDuration(Duration.ofSeconds(59)));
        assertEquals("About a minute", DockerContainerJson.humanDuration(Duration.ofSeconds(90)));
        assertEquals("5 minutes", DockerContainerJson.humanDuration(Duration.ofMinutes(5)));
        assertEquals("About an hour", DockerContainerJson.humanDuration(Duration.ofMinutes(70)));
        assertEquals("3 hours", DockerContainerJson.humanDuration(Duration.ofHours(3)));
        assertEquals("3 days", DockerContainerJson.humanDuration(Duration.ofDays(3)));
    }

    @Test
    void filtersMatchAsDockersDo() {
        Container web = running("web");
        Container db = created("db", NetworkMode.NONE, Map.of("tier", "data", "k", "w"), Optional.empty());
        java.util.function.Function<String, Set<String>> ids = ref -> ref.equals("alpine") ? Set.of(IMAGE.value()) : Set.of();
        DockerFilters none = DockerFilters.parse(Optional.empty());
        assertTrue(none.matches(web, ids) && none.matches(db, ids));
        assertFalse(none.hasStatus());
        DockerFilters label = DockerFilters.parse(Optional.of("{\"label\":[\"k=v\"]}"));
        assertTrue(label.matches(web, ids));
        assertFalse(label.matches(db, ids));
        assertTrue(DockerFilters.parse(Optional.of("{\"label\":[\"tier\"]}")).matches(db, ids));
        assertFalse(DockerFilters.parse(Optional.of("{\"label\":[\"tier\"]}")).matches(web, ids));
        // labels: every value must hold (moby's MatchKVList), as docker-compose's project + oneoff query needs
        DockerFilters allOf = DockerFilters.parse(Optional.of("{\"label\":[\"k=v\",\"k=w\"]}"));
        assertFalse(allOf.matches(web, ids) || allOf.matches(db, ids), "label values: all");
        DockerFilters tierAndW = DockerFilters.parse(Optional.of("{\"label\":[\"tier\",\"k=w\"]}"));
        assertTrue(tierAndW.matches(db, ids));
        assertFalse(tierAndW.matches(web, ids));
        DockerFilters anyName = DockerFilters.parse(Optional.of("{\"name\":[\"^/web$\",\"^/db$\"]}"));
        assertTrue(anyName.matches(web, ids) && anyName.matches(db, ids), "values of other keys: any");
        DockerFilters both = DockerFilters.parse(Optional.of("{\"label\":[\"k\"],\"status\":[\"created\"]}"));
        assertTrue(both.hasStatus());
        assertTrue(both.matches(db, ids));
        assertFalse(both.matches(web, ids), "keys: all");
        assertTrue(DockerFilters.parse(Optional.of("{\"name\":[\"^/w\"]}")).matches(web, ids));
        assertFalse(DockerFilters.parse(Optional.of("{\"name\":[\"^/w\"]}")).matches(db, ids));
        assertTrue(DockerFilters.parse(Optional.of("{\"id\":[\"" + web.id().value().substring(0, 5) + "\"]}"))
                .matches(web, ids));
        assertTrue(DockerFilters.parse(Optional.of("{\"ancestor\":[\"alpine\"]}")).matches(web, ids));
        assertFalse(DockerFilters.parse(Optional.of("{\"ancestor\":[\"busybox\"]}")).matches(web, ids));
        assertTrue(DockerFilters.parse(Optional.of("{\"status\":{\"running\":true}}")).matches(web, ids),
                "the older map form");
    }

    @Test
    void badFiltersAreRefusedNamingThem() {
        assertEquals("invalid filter 'size': use id, name, label, status or ancestor", assertThrows(ApiException.class,
                () -> DockerFilters.parse(Optional.of("{\"size\":[\"1\"]}"))).getMessage());
        assertTrue(assertThrows(ApiException.class, () -> DockerFilters.parse(Optional.of("{\"status\":[\"up\"]}")))
                .getMessage().startsWith("invalid filter 'status=up'"));
        assertTrue(assertThrows(ApiException.class, () -> DockerFilters.parse(Optional.of("{\"name\":[\"(\"]}")))
                .getMessage().startsWith("invalid filter 'name=('"));
        assertEquals(400, assertThrows(ApiException.class, () -> DockerFilters.parse(Optional.of("[1]"))).status());
        assertEquals(400, assertThrows(ApiException.class, () -> DockerFilters.parse(Optional.of("{"))).status());
        assertEquals(400, assertThrows(ApiException.class, () -> DockerFilters.parse(Optional.of("{\"label\":3}"))).status());
    }
}
