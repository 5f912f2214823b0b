package dev.quilt.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Debian's docker-py (python3-docker 5.0.3) drives quilt serve as an agent framework does: each scenario of
 * {@code docker_py_scenarios.py} (run detached, exec with demultiplexed output and exit code, a missing command's
 * exit code, exec with stdin,
 * archives both ways, streamed logs, events with filters, pause/unpause, stats, stop/wait/remove, a
 * {@code quilt.ttl} label, refusals) asserts in Python and exits non-zero on failure; a failure shows the
 * server's request log (which route answered what).
 */
class DockerPyIT {
    static DockerClients d;

    @BeforeAll
    static void up() throws Exception {
        d = DockerClients.up("docker-py");
    }

    @AfterAll
    static void down() throws Exception {
        if (d != null) d.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"version", "run_detached", "exec_demux", "exec_missing_command", "exec_stdin", "archive", "logs_stream", "events",
            "pause_unpause", "stats", "stop_wait_remove", "ttl", "refusals"})
    void scenario(String name) throws Exception {
        String prefix = "py-" + name.replace('_', '-') + "-";
        DockerClients.Result r = d.run(Duration.ofSeconds(180), Map.of("QUILT_IMAGE", DockerClients.IMAGE,
                "QUILT_PREFIX", prefix, "QUILT_LABEL", "quilt.test=" + d.mark.substring(9), "PYTHONDONTWRITEBYTECODE", "1"),
                null, List.of(DockerClients.PYTHON, DockerClients.resource("docker_py_scenarios.py").toString(), name));
        if (r.exit() != 0) throw d.failure("the docker-py scenario " + name + " failed", r);
        assertEquals("ok " + name + "\n", r.out(), r.describe());
    }
}
