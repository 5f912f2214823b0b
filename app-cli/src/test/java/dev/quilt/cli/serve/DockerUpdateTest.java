package dev.quilt.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quilt.domain.ResourceUpdate;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The update body as the engine's change: zero changes nothing, what Quilt cannot honour is a 400 naming it. */
class DockerUpdateTest {
    private static JsonNode json(String s) throws Exception {
        return ApiJson.MAPPER.readTree(s);
    }

    private static String refused(String body) {
        ApiException e = assertThrows(ApiException.class, () -> DockerUpdate.change(json(body), 2));
        assertEquals(400, e.status());
        return e.getMessage();
    }

    @Test
    void theDockerClisBodyOfZerosAroundItsFlags() throws Exception {
        ResourceUpdate u = DockerUpdate.change(json("{\"CpuShares\":0,\"Memory\":67108864,\"CgroupParent\":\"\","
                + "\"BlkioWeight\":0,\"BlkioWeightDevice\":null,\"CpuPeriod\":0,\"CpuQuota\":0,\"CpusetCpus\":\"\","
                + "\"Devices\":null,\"KernelMemory\":0,\"MemoryReservation\":0,\"MemorySwap\":134217728,"
                + "\"MemorySwappiness\":null,\"NanoCpus\":1500000000,\"OomKillDisable\":null,\"PidsLimit\":64,"
                + "\"Ulimits\":null,\"RestartPolicy\":{\"Name\":\"\",\"MaximumRetryCount\":0}}"), 2);
        assertEquals(new ResourceUpdate(Optional.of(64L << 20), Optional.of(128L << 20), Optional.empty(),
                Optional.of(150_000L), Optional.of(100_000L), Optional.of(64L)), u);
        assertTrue(DockerUpdate.change(json("{\"Memory\":0,\"MemorySwappiness\":-1,\"RestartPolicy\":{\"Name\":\"no\"}}"), 2)
                .isEmpty());
        assertEquals(Optional.of(-1L), DockerUpdate.change(json("{\"PidsLimit\":0}"), 2).pids(), "0: no limit");
        assertEquals(Optional.of(-1L), DockerUpdate.change(json("{\"MemorySwap\":-1}"), 2).memorySwap());
        assertEquals(new ResourceUpdate(Optional.empty(), Optional.empty(), Optional.of(512L), Optional.of(20_000L),
                Optional.of(50_000L), Optional.empty()),
                DockerUpdate.change(json("{\"CpuShares\":512,\"CpuQuota\":20000,\"CpuPeriod\":50000}"), 2));
    }

    @Test
    void whatQuiltCannotHonourIsNamed() {
        assertTrue(refused("{\"CpusetCpus\":\"0-1\"}").startsWith("invalid CpusetCpus: Quilt cannot update it"));
        assertTrue(refused("{\"KernelMemory\":1073741824}").contains("KernelMemory"));
        assertTrue(refused("{\"RestartPolicy\":{\"Name\":\"always\"}}").contains("RestartPolicy"));
        assertTrue(refused("{\"OomKillDisable\":true}").contains("OomKillDisable"));
        assertTrue(refused("{\"Memory\":1024}").startsWith("invalid update: Memory 1024 is too small"));
        assertTrue(refused("{\"CpuShares\":1}").contains("CpuShares"));
        assertTrue(refused("{\"NanoCpus\":1000000000,\"CpuPeriod\":100000}").startsWith("Conflicting options"));
        assertTrue(refused("{\"PidsLimit\":\"many\"}").contains("PidsLimit"));
        assertTrue(refused("[]").contains("JSON object"));
    }

    @Test
    void moreCpusThanTheHostHasAreRefusedAsDockerdDoes() throws Exception {
        assertEquals("invalid NanoCpus: range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available",
                refused("{\"NanoCpus\":1000000000000}"));
        assertEquals(Optional.of(200_000L), DockerUpdate.change(json("{\"NanoCpus\":2000000000}"), 2).cpuQuota(),
                "all of them is allowed");
    }
}
