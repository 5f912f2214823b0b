package dev.quilt.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quilt.domain.checkpoint.CheckpointName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DockerCheckpointsTest {
    private static final Instant NOW = Instant.parse("2026-12-01T12:45:02.123Z");

    private static JsonNode json(String s) throws Exception {
        return ApiJson.MAPPER.readTree(s.replace('\'', '"'));
    }

    private static ApiException refused(String body) {
        return assertThrows(ApiException.class, () -> DockerCheckpoints.create(json(body), NOW));
    }

    @Test
    void dockersBodyIsANameAndExit() throws Exception {
        DockerCheckpoints.Create c = DockerCheckpoints.create(json("{'CheckpointID': 'c1', 'Exit': true}"), NOW);
        assertEquals(new CheckpointName("c1"), c.name());
        assertFalse(c.leaveRunning(), "Exit: the container ends with the dump");
        assertTrue(DockerCheckpoints.create(json("{'CheckpointID': 'c1'}"), NOW).leaveRunning(),
                "Exit's zero value leaves it running, as dockerd");
        assertEquals(new CheckpointName("20261201T124502.123Z"),
                DockerCheckpoints.create(json("{}"), NOW).name(), "no name: the time of the dump");
        assertEquals(new CheckpointName("c2"),
                DockerCheckpoints.create(json("{'CheckpointID': 'c2', 'CheckpointDir': '', 'Other': 1}"), NOW).name());
    }

    @Test
    void refusalsNameTheField() {
        ApiException e = refused("{'CheckpointID': 'a/b'}");
        assertEquals(400, e.status());
        assertTrue(e.getMessage().startsWith("invalid CheckpointID: invalid checkpoint name 'a/b'"), e.getMessage());
        assertEquals("CheckpointDir is not supported by quilt: checkpoints stay under the server's root; leave it empty",
                refused("{'CheckpointID': 'c', 'CheckpointDir': '/tmp/x'}").getMessage());
        assertEquals("invalid Exit: true or false is expected", refused("{'Exit': 'yes'}").getMessage());
        assertEquals("invalid CheckpointID: a string is expected", refused("{'CheckpointID': 7}").getMessage());
        assertEquals("the body must be a JSON object: {\"CheckpointID\": NAME}", refused("[]").getMessage());
        assertEquals("dir is not supported by quilt: checkpoints stay under the server's root; leave it empty",
                assertThrows(ApiException.class, () -> DockerCheckpoints.noDir(Optional.of("/x"), "dir")).getMessage());
        DockerCheckpoints.noDir(Optional.of(""), "dir");
    }

    @Test
    void copiesAreOneToTheMost() {
        assertEquals(10, DockerCheckpoints.copies(10));
        assertEquals("invalid copies: 0 is not 1 to 100",
                assertThrows(ApiException.class, () -> DockerCheckpoints.copies(0)).getMessage());
        assertEquals("invalid copies: 101 is not 1 to 100",
                assertThrows(ApiException.class, () -> DockerCheckpoints.copies(101)).getMessage());
    }
}
