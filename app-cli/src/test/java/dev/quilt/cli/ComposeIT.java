package dev.quilt.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian's docker-compose 1.29 (Python, on docker-py) brings a two-service project up on quilt serve: {@code web}
 * with a health check, {@code client} waiting for it to be healthy ({@code compose-web-client.yml}); then ps, exec,
 * logs and down, after which no container and no project network is left (and {@link Quilt#close} finds nothing
 * of the root left either). The project's network ({@code PROJECT_default}) is a name for the root's bridge.
 */
class ComposeIT {
    static DockerClients d;
    static final String PROJECT = "qc" + Long.toHexString(System.nanoTime() & 0xffffffL);

    @BeforeAll
    static void up() throws Exception {
        d = DockerClients.up("compose");
    }

    @AfterAll
    static void down() throws Exception {
        if (d != null) d.close();
    }

    private List<String> compose(String... args) {
        List<String> cmd = new ArrayList<>(List.of(DockerClients.COMPOSE, "--no-ansi", "-p", PROJECT, "-f",
                DockerClients.resource("compose-web-client.yml").toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private DockerClients.Result expect(int exit, List<String> cmd) throws Exception {
        DockerClients.Result r = d.run(Duration.ofSeconds(180), Map.of("QUILT_TEST", d.mark.substring(9)), null, cmd);
        if (r.exit() != exit) throw d.failure("expected exit " + exit, r);
        return r;
    }

    @Test
    void upPsExecLogsDownLeavesNothing() throws Exception {
        expect(0, compose("up", "-d"));

        DockerClients.Result ps = expect(0, compose("ps"));
        List<String> rows = ps.out().lines().filter(l -> l.startsWith(PROJECT + "_")).toList();
        assertEquals(2, rows.size(), ps.describe());
        assertTrue(rows.stream().allMatch(l -> l.contains("Up")), ps.describe());
        assertTrue(rows.stream().anyMatch(l -> l.startsWith(PROJECT + "_web_1") && l.contains("healthy")), ps.describe());

        DockerClients.Result page = expect(0, compose("exec", "-T", "web", "wget", "-q", "-O", "-",
                "http://127.0.0.1:8080/index.html"));
        assertEquals("hello from web\n", page.out(), page.describe());
        expect(5, compose("exec", "-T", "client", "sh", "-c", "exit 5"));

        DockerClients.Result logs = expect(0, compose("logs", "--no-color", "client", "web"));
        assertTrue(logs.out().contains("client up"), logs.describe());
        assertTrue(logs.out().contains("web up"), logs.describe());

        // client started only once web was healthy: its start came after web's health check passed
        DockerClients.Result health = d.expect(0, d.docker("inspect", "-f", "{{.State.Health.Status}}", PROJECT + "_web_1"));
        assertEquals("healthy\n", health.out(), health.describe());

        expect(0, compose("down"));
        DockerClients.Result left = d.expect(0, d.docker("ps", "-aq", "--filter", "label=com.docker.compose.project=" + PROJECT));
        assertEquals("", left.out(), "down left containers:\n" + left.describe());
        DockerClients.Result nets = d.expect(0, d.docker("network", "ls", "--format", "{{.Name}}"));
        assertEquals(List.of("bridge", "host", "none"), nets.out().lines().sorted().toList(), nets.describe());
    }
}
