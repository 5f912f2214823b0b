package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A server asked to stop (SIGTERM) gives attached exec streams its {@code --grace}, as dockerd lets running work
 * finish within its shutdown timeout: Debian's docker CLI runs {@code docker exec} of a command that waits on a fifo
 * in the container; the server gets SIGTERM; once it says it is stopping, the test opens the fifo (through the
 * init's {@code /proc/PID/root}: an event the command waits on, no sleep). A command that ends within the grace
 * delivers its output and its exit code (the CLI exits with it); one still running when a 1 s grace is over has its
 * stream closed, runs on (what it writes then is read and dropped by quilt-exec, which holds the server's ends of
 * its output), and its own code lands in its exec record, which the next server reports.
 */
class ServeGraceIT {
    static DockerClients d;
    static String label;
    static final String C = "grace-box";
    static int initPid;
    static String containerId;

    @BeforeAll
    static void up() throws Exception {
        d = DockerClients.up("serve-grace");
        label = "quilt.test=" + d.mark.substring(9);
        d.expect(0, d.docker("run", "-d", "--name", C, "--label", label, "--network", "none", DockerClients.IMAGE));
        initPid = Integer.parseInt(d.expect(0, d.docker("inspect", "-f", "{{.State.Pid}}", C)).out().strip());
        containerId = d.expect(0, d.docker("inspect", "-f", "{{.Id}}", C)).out().strip();
    }

    @AfterAll
    static void down() throws Exception {
        if (d != null) d.close();
    }

    /** A new server for the root with {@code extra} flags, in place of the one the clients had. */
    private static void restart(String... extra) throws Exception {
        if (d.served != null && d.served.process().isAlive()) assertEquals(0, d.served.stop(), d.served.log());
        d.served = Served.start(d.quilt, d.root, extra);
    }

    /** A {@code docker exec} running, and its stdout. */
    record Running(Process process, BufferedReader out) {
        /** What it prints from here to its end. */
        String rest() throws IOException {
            StringBuilder b = new StringBuilder();
            for (int c = out.read(); c >= 0; c = out.read()) b.append((char) c);
            return b.toString();
        }

        int exit() throws InterruptedException {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("docker exec did not end within 60 s" + d.log());
            }
            return process.exitValue();
        }
    }

    /** {@code docker exec C sh -c SCRIPT} running, once it has printed its first line, which must be "started". */
    private static Running execStarted(String script) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(d.docker("exec", C, "sh", "-c", script));
        pb.environment().putAll(d.env());
        pb.redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("started", r.readLine(), d.log());
        return new Running(p, r);
    }

    /**
     * SIGTERM to the server through its ProcessHandle: Process.destroy() would also close our end of its stderr, and
     * what it says while it stops would be lost.
     */
    private static void sigterm() {
        assertTrue(d.served.process().toHandle().destroy(), "SIGTERM to the server");
    }

    /** Opens the container's fifo for writing (the command is blocked reading it) and writes a line. */
    private static void release(String fifo) throws IOException {
        Files.writeString(Path.of("/proc/" + initPid + "/root" + fifo), "go\n");
    }

    @Test
    void anExecThatEndsWithinTheGraceDeliversItsOutputAndItsExitCode() throws Exception {
        restart("--grace", "60");
        d.expect(0, d.docker("exec", C, "mkfifo", "/tmp/within"));
        Running exec = execStarted("echo started; cat /tmp/within; echo done; exit 6");
        sigterm();
        assertTrue(d.served.awaitLog("quilt serve: stopping", 60), d.served.log());
        release("/tmp/within");
        String out = exec.rest();
        int code = exec.exit();
        assertEquals("go\ndone\n", out, d.log());
        assertEquals(6, code, "docker exec's code is the command's" + d.log());
        assertEquals(0, d.served.exited("SIGTERM"), d.served.log());
        assertTrue(!d.served.log().contains("cut off"), d.served.log());
        restart();
    }

    @Test
    void aFastCliExecThatEndsWithinTheGraceDeliversItsOutputAndItsExitCode() throws Exception {
        restart("--grace", "60");
        d.expect(0, d.docker("exec", C, "mkfifo", "/tmp/fast"));
        // `quilt exec` through the running server (the launcher hands it to quilt-client): an exec session too
        ProcessBuilder pb = new ProcessBuilder(Path.of("..", "quilt").toAbsolutePath().normalize().toString(),
                "--root", d.root.toString(), "exec", C, "--", "sh", "-c", "echo started; cat /tmp/fast; echo fastdone; exit 8");
        pb.environment().putAll(d.env());
        pb.environment().remove("QUILT_CLIENT");
        pb.redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("started", r.readLine(), d.log());
        Running exec = new Running(p, r);
        sigterm();
        assertTrue(d.served.awaitLog("quilt serve: stopping", 60), d.served.log());
        release("/tmp/fast");
        String out = exec.rest();
        int code = exec.exit();
        assertEquals("go\nfastdone\n", out, d.log());
        assertEquals(8, code, "the fast CLI's code is the command's" + d.log());
        assertEquals(0, d.served.exited("SIGTERM"), d.served.log());
        assertTrue(!d.served.log().contains("cut off"), d.served.log());
        restart();
    }

    @Test
    void anExecThatOutlivesTheGraceIsCutAndItsCodeLandsInItsRecord() throws Exception {
        restart("--grace", "1");
        d.expect(0, d.docker("exec", C, "mkfifo", "/tmp/outlives"));
        // it writes after the server has gone: quilt-exec holds the server's ends of its output and drains them,
        // so the writes find a reader and the command ends with its own code, not SIGPIPE's 141
        Running exec = execStarted("echo started; cat /tmp/outlives; echo after; exit 7");
        sigterm(); // the grace (1 s) passes with the command still waiting
        assertEquals(0, d.served.exited("SIGTERM"), d.served.log());
        assertTrue(d.served.log().contains("calls still running after 1s were cut off"), d.served.log());
        String out = exec.rest();
        int code = exec.exit();
        assertEquals("", out, "the stream was closed with the command still running" + d.log());
        assertNotEquals(0, code, "the CLI cannot learn the code from a server that has gone" + d.log());
        assertNotEquals(7, code);

        Path execs = d.root.resolve("run").resolve(containerId).resolve("execs");
        String id;
        try (Stream<Path> files = Files.list(execs)) {
            id = files.filter(f -> f.getFileName().toString().matches("[0-9a-f]{64}\\.json"))
                    .filter(f -> {
                        try {
                            return Files.readString(f).contains("cat /tmp/outlives; echo after");
                        } catch (IOException e) {
                            return false;
                        }
                    }).map(f -> f.getFileName().toString().replace(".json", "")).findFirst().orElseThrow();
        }
        release("/tmp/outlives"); // the command runs on in its container: it ends now
        ExecRestartIT.awaitRecord(execs.resolve(id + ".exit.json"), t -> true);
        restart();
        ApiClient.Response r = d.served.client().get("/v1.41/exec/" + id + "/json");
        assertEquals(200, r.status(), r.text());
        JsonNode j = r.json();
        assertEquals(7, j.get("ExitCode").asInt(), j.toString());
    }
}
