package dev.quilt.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quilt.domain.Container;
import dev.quilt.domain.ResourceUsage;
import dev.quilt.ports.StateStoreContract;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatsJsonTest {
    private static final Container WEB = StateStoreContract.sample("c1", Optional.of("web"));

    private static ResourceUsage usage(long cpu, long user, long system) {
        return new ResourceUsage(10 << 20, Optional.of(64L << 20), cpu, user, system, 7, 2, 300, 3, Optional.of(100L));
    }

    private static JsonNode json(Object o) {
        return ApiJson.MAPPER.valueToTree(o);
    }

    @Test
    void procStatGivesTheHostsCpuTimeInNanosecondsAndItsOnlineCpus() {
        String stat = "cpu  100 5 50 1000 20 3 2 7 0 0\ncpu0 50 2 25 500 10 1 1 3 0 0\n"
                + "cpu1 50 3 25 500 10 2 1 4 0 0\nintr 12345\nctxt 99\n";
        StatsJson.HostCpu h = StatsJson.HostCpu.parse(stat);
        // user+nice+system+idle+iowait+irq+softirq ticks (steal left out, as dockerd), 100 ticks a second
        assertEquals((100 + 5 + 50 + 1000 + 20 + 3 + 2) * 10_000_000L, h.systemNanos());
        assertEquals(2, h.onlineCpus());
    }

    @Test
    void theShapeIsDockersAndACpuPercentComesOutOfItAsTheDockerCliComputesIt() {
        Instant t = Instant.parse("2026-01-01T00:00:01.000000002Z");
        StatsJson.Sample pre = new StatsJson.Sample(t.minusSeconds(1), Optional.of(usage(1_000_000_000L, 600, 400)),
                new StatsJson.HostCpu(100_000_000_000L, 2), Optional.empty());
        StatsJson.Sample now = new StatsJson.Sample(t, Optional.of(usage(1_500_000_000L, 900, 600)),
                new StatsJson.HostCpu(102_000_000_000L, 2),
                Optional.of(new StatsJson.Network(10, 1, 0, 0, 20, 2, 0, 0)));
        JsonNode j = json(StatsJson.of(WEB, now, Optional.of(pre), 1L << 30));
        assertEquals("2026-01-01T00:00:01.000000002Z", j.get("read").asText());
        assertEquals("2026-01-01T00:00:00.000000002Z", j.get("preread").asText());
        assertEquals("/web", j.get("name").asText());
        assertEquals("c1", j.get("id").asText());
        assertEquals(3, j.at("/pids_stats/current").asLong());
        assertEquals(100, j.at("/pids_stats/limit").asLong());
        assertEquals(1_500_000_000L, j.at("/cpu_stats/cpu_usage/total_usage").asLong());
        assertEquals(600, j.at("/cpu_stats/cpu_usage/usage_in_kernelmode").asLong());
        assertEquals(900, j.at("/cpu_stats/cpu_usage/usage_in_usermode").asLong());
        assertEquals(2, j.at("/cpu_stats/online_cpus").asInt());
        assertEquals(7, j.at("/cpu_stats/throttling_data/periods").asLong());
        assertEquals(2, j.at("/cpu_stats/throttling_data/throttled_periods").asLong());
        assertEquals(300, j.at("/cpu_stats/throttling_data/throttled_time").asLong());
        assertEquals(1_000_000_000L, j.at("/precpu_stats/cpu_usage/total_usage").asLong());
        assertEquals(10 << 20, j.at("/memory_stats/usage").asLong());
        assertEquals(64L << 20, j.at("/memory_stats/limit").asLong());
        assertTrue(j.at("/memory_stats/stats").isObject());
        assertTrue(j.at("/blkio_stats/io_service_bytes_recursive").isNull());
        assertEquals(10, j.at("/networks/eth0/rx_bytes").asLong());
        assertEquals(20, j.at("/networks/eth0/tx_bytes").asLong());
        // the docker CLI's calculateCPUPercentUnix: 0.5 s of 2 s host time on 2 CPUs is 50%
        double cpuDelta = j.at("/cpu_stats/cpu_usage/total_usage").asDouble()
                - j.at("/precpu_stats/cpu_usage/total_usage").asDouble();
        double systemDelta = j.at("/cpu_stats/system_cpu_usage").asDouble()
                - j.at("/precpu_stats/system_cpu_usage").asDouble();
        assertEquals(50.0, cpuDelta / systemDelta * j.at("/cpu_stats/online_cpus").asDouble() * 100.0, 1e-9);
    }

    @Test
    void noLimitIsTheHostsMemoryAndNoPreviousReadingIsZeros() {
        ResourceUsage unlimited = new ResourceUsage(1, Optional.empty(), 5, 3, 2, 0, 0, 0, 1, Optional.empty());
        StatsJson.Sample now = new StatsJson.Sample(Instant.EPOCH, Optional.of(unlimited),
                new StatsJson.HostCpu(9, 1), Optional.empty());
        JsonNode j = json(StatsJson.of(WEB, now, Optional.empty(), 4096));
        assertEquals(4096, j.at("/memory_stats/limit").asLong());
        assertEquals(StatsJson.ZERO_TIME, j.get("preread").asText());
        assertEquals(0, j.at("/precpu_stats/cpu_usage/total_usage").asLong());
        assertTrue(j.at("/precpu_stats/system_cpu_usage").isMissingNode());
        assertFalse(j.at("/pids_stats").has("limit"));
        assertFalse(j.has("networks"), "no endpoint, no networks");
    }

    @Test
    void aStoppedContainerIsZerosNotAnError() {
        StatsJson.Sample none = new StatsJson.Sample(Instant.now(), Optional.empty(), StatsJson.HostCpu.NONE,
                Optional.empty());
        JsonNode j = json(StatsJson.of(WEB, none, Optional.empty(), 4096));
        assertEquals(StatsJson.ZERO_TIME, j.get("read").asText());
        assertEquals(0, j.at("/pids_stats/current").asLong());
        assertEquals(0, j.at("/cpu_stats/cpu_usage/total_usage").asLong());
        assertTrue(j.get("memory_stats").isEmpty());
        assertEquals("/web", j.get("name").asText());
    }
}
