package dev.quilt.cli;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The real Docker clients (Debian's: {@code /usr/bin/python3} with python3-docker, {@code /usr/bin/docker} from
 * docker.io, {@code /usr/bin/docker-compose}) against a test's own {@code quilt serve}: a private state root and
 * bridge ({@link Quilt}), the server ({@link Served}), {@code DOCKER_HOST=unix://ROOT/run/quilt.sock} and a
 * {@code DOCKER_CONFIG} of its own, so no user config is read or written. Never a Docker daemon: {@link #up} fails
 * if one runs, and nothing here starts one. Paths are absolute: this host may have other dockers and pythons
 * earlier on PATH.
 *
 * <p>{@link #close} removes what failed scenarios left, stops the server, then {@link Quilt#close} fails if
 * anything (a process with the test's mark, a bridge, a cgroup, a mount) is left.
 */
final class DockerClients implements AutoCloseable {
    static final String PYTHON = "/usr/bin/python3";
    static final String DOCKER = "/usr/bin/docker";
    static final String COMPOSE = "/usr/bin/docker-compose";
    /** The image the clients use: Quilt's default (busybox), made by the CLI before the server starts. */
    static final String IMAGE = "default";

    /** One finished command. */
    record Result(List<String> command, int exit, String out, String err) {
        String describe() {
            return "$ " + String.join(" ", command) + "\nexit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    final String mark = "QUILT_IT=" + java.util.UUID.randomUUID();
    final Path root;
    final Path config;
    final Quilt quilt;
    Served served;
    private final Map<String, String> env = new HashMap<>();

    private DockerClients(Path root, Path config) throws IOException {
        this.root = root;
        this.config = config;
        this.quilt = new Quilt(root);
        quilt.env.put("QUILT_IT", mark.substring(mark.indexOf('=') + 1));
    }

    /** A root, its default image, its server; the clients' environment. */
    static DockerClients up(String name) throws Exception {
        noDockerDaemon();
        Path root = Files.createTempDirectory("quilt-" + name);
        DockerClients d = new DockerClients(root, Files.createTempDirectory("quilt-" + name + "-docker-config"));
        Quilt.Result image = d.quilt.run("run", "--rm", "--network", "none", "--", "true");
        assertEquals(0, image.exit(), "the default image: " + image.err());
        d.served = Served.start(d.quilt, root);
        d.env.put("DOCKER_HOST", "unix://" + d.served.socket());
        d.env.put("DOCKER_CONFIG", d.config.toString());
        d.env.put("QUILT_IT", d.mark.substring(d.mark.indexOf('=') + 1));
        d.env.put("HOME", d.config.toString());
        return d;
    }

    /** No dockerd may run where the tests run: the clients must reach Quilt, and only through DOCKER_HOST. */
    static void noDockerDaemon() throws IOException {
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (Files.readString(p.resolve("comm")).strip().equals("dockerd")) {
                        throw new AssertionError("a Docker daemon runs (pid " + p.getFileName() + "); the client"
                                + " tests use docker's client only: stop it");
                    }
                } catch (IOException gone) {
                    // the process ended meanwhile
                }
            }
        }
    }

    Map<String, String> env() {
        return env;
    }

    /** {@code command} with the clients' environment and extra {@code vars}, within {@code deadline}. */
    Result run(Duration deadline, Map<String, String> vars, Path cwd, List<String> command)
            throws IOException, InterruptedException {
        return run(deadline, vars, cwd, null, command);
    }

    /** As {@link #run(Duration, Map, Path, List)} with {@code stdin} (null: /dev/null) as its standard input. */
    Result run(Duration deadline, Map<String, String> vars, Path cwd, Path stdin, List<String> command)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("quilt-client-out", ".txt");
        Path err = Files.createTempFile("quilt-client-err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().putAll(env);
            pb.environment().putAll(vars);
            if (cwd != null) pb.directory(cwd.toFile());
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(stdin == null ? new File("/dev/null") : stdin.toFile())).start();
            if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
                throw new AssertionError("no answer within " + deadline.toSeconds() + " s\n"
                        + new Result(command, -1, Files.readString(out), Files.readString(err)).describe() + log());
            }
            return new Result(command, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    Result run(List<String> command) throws IOException, InterruptedException {
        return run(Duration.ofSeconds(120), Map.of(), null, command);
    }

    /** Runs {@code command} and fails with the whole story (and the server's request log) unless it exits {@code exit}. */
    Result expect(int exit, List<String> command) throws IOException, InterruptedException {
        Result r = run(command);
        if (r.exit() != exit) throw failure("expected exit " + exit, r);
        return r;
    }

    AssertionError failure(String what, Result r) {
        return new AssertionError(what + "\n" + r.describe() + log());
    }

    /** {@code docker ARGS...} */
    List<String> docker(String... args) {
        List<String> cmd = new ArrayList<>(List.of(DOCKER));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The server's request log so far: which routes a client called, with their statuses. */
    String log() {
        return served == null ? "" : "\n--- quilt serve's log\n" + served.log();
    }

    /** A test resource as a file. */
    static Path resource(String name) {
        try {
            return Path.of(DockerClients.class.getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new AssertionError("no test resource " + name, e);
        }
    }

    /**
     * Removes what a failed scenario left (its containers' monitors carry the test's mark, inherited from the
     * server, and would otherwise count as processes that outlived the test), stops the server, then checks that
     * nothing of the root is left. A scenario that passes has removed its own containers and asserted so.
     */
    @Override
    public void close() throws Exception {
        try {
            for (String id : quilt.run("ps", "-aq").lines()) quilt.run("rm", "-f", id);
            if (served != null) served.close();
        } finally {
            try {
                quilt.close(mark);
            } finally {
                dev.quilt.linux.AtomicFiles.deleteTree(config);
            }
        }
    }
}
