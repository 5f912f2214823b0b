package dev.quilt.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fast CLI: with {@code quilt serve} running for the root, {@code ./quilt} and {@code ./quilt-runc} hand their
 * words, environment, working directory, stdio and signals to it through {@code quilt-client}; the server notes each
 * call with the caller's pid (SO_PEERCRED), which is the pid of the process the test started (the launcher execs the
 * client), so each test proves the command went through the server and not a JVM of its own.
 */
class FastCliIT {
    static final String MARK = "QUILT_IT=" + java.util.UUID.randomUUID();
    static final Path LAUNCHER = Path.of("..", "quilt").toAbsolutePath().normalize();
    static final Path RUNC_LAUNCHER = Path.of("..", "quilt-runc").toAbsolutePath().normalize();
    static final Path CLIENT = Path.of("..", "native", "target", "classes", "dev", "quilt", "linux", "native",
            "quilt-client").toAbsolutePath().normalize();
    static Path root;
    static Path work;
    static Quilt quilt;

    record Run(int exit, String out, String err, long pid) { }

    @BeforeAll
    static void up() throws Exception {
        root = Files.createTempDirectory("quilt-fast-cli");
        work = Files.createTempDirectory("quilt-fast-cli-work");
        quilt = new Quilt(root);
        quilt.env.put("QUILT_IT", MARK.substring(MARK.indexOf('=') + 1));
    }

    @AfterAll
    static void down() throws Exception {
        try {
            quilt.close(MARK);
        } finally {
            dev.quilt.linux.AtomicFiles.deleteTree(work);
        }
    }

    /** Starts {@code launcher ARGS} in {@code cwd} with {@code env} added, stdin from {@code stdin}. */
    static Process start(Path launcher, Path cwd, Map<String, String> env, File stdin, List<String> args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher.toString());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().putAll(quilt.env);
        pb.environment().putAll(env);
        pb.environment().remove("QUILT_CLIENT");
        return pb.redirectInput(ProcessBuilder.Redirect.from(stdin)).start();
    }

    static Run run(Path launcher, Path cwd, Map<String, String> env, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--root", root.toString()));
        all.addAll(List.of(args));
        Process p = start(launcher, cwd, env, new File("/dev/null"), all);
        return finish(p);
    }

    static Run finish(Process p) throws Exception {
        var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the call ended");
        return new Run(p.exitValue(), out.get(), err.get(), p.pid());
    }

    static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Runs {@code command} on a pty of script(1); once it has shown "ready" (the session relays, so the terminal is
     * as the session set it), types {@code typed} and a newline into that pty and closes script's input; returns
     * what came out after "ready\r\n".
     */
    static String typedInto(String command, Map<String, String> env, String typed) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("script", "-qec", command, "/dev/null").directory(work.toFile())
                .redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        java.io.InputStream in = p.getInputStream();
        StringBuilder seen = new StringBuilder();
        int c;
        while (!seen.toString().contains("ready\r\n") && (c = in.read()) >= 0) seen.append((char) c);
        assertTrue(seen.toString().contains("ready\r\n"), "the command started: " + seen);
        p.getOutputStream().write((typed + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String rest = read(in);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return rest;
    }

    static Run quilt(String... args) throws Exception {
        return run(LAUNCHER, work, Map.of(), args);
    }

    /**
     * The server noted a call from pid {@code pid}: it ran there, not in a JVM of the caller's. The server writes the
     * line before it answers EXIT; the test reads its stderr on a thread of its own, so it waits for the line.
     */
    static void served(Served s, Run r) throws InterruptedException {
        assertTrue(s.awaitLog("fast pid=" + r.pid() + " ", 60), "pid " + r.pid() + " called the server: " + s.log());
    }

    @Test
    void lifecycleGoesThroughTheServer() throws Exception {
        try (Served s = Served.start(quilt, root)) {
            Run made = quilt("run", "-d", "--network", "none", "--name", "fast-a", "--", "sh", "-c",
                    "echo hello-log; exec sleep 300");
            assertEquals(0, made.exit(), made.err());
            served(s, made);
            String id = made.out().trim();
            assertEquals(64, id.length(), made.out());

            Run ps = quilt("ps");
            assertEquals(0, ps.exit(), ps.err());
            served(s, ps);
            assertTrue(ps.out().contains("fast-a") && ps.out().contains("running"), ps.out());

            Run inspect = quilt("inspect", "fast-a");
            assertEquals(0, inspect.exit(), inspect.err());
            assertEquals(id, Quilt.field(inspect.out(), "id"));
            served(s, inspect);

            // a container that has ended (wait: an event on its exit) has all its output in its log
            Run once = quilt("run", "-d", "--network", "none", "--name", "fast-b", "--", "sh", "-c",
                    "echo hello-log; echo oops >&2; exit 4");
            assertEquals(0, once.exit(), once.err());
            Run waited = quilt("wait", "fast-b");
            assertEquals("4", waited.out().trim(), waited.err());
            served(s, waited);
            Run logs = quilt("logs", "fast-b");
            assertEquals(0, logs.exit(), logs.err());
            assertEquals("hello-log\n", logs.out());
            assertEquals("oops\n", logs.err());
            served(s, logs);
            assertEquals(0, quilt("rm", "fast-b").exit());

            Run missing = quilt("inspect", "no-such-one");
            assertEquals(1, missing.exit());
            assertTrue(missing.err().startsWith("quilt: ") && missing.err().lines().count() == 1, missing.err());
            assertEquals("", missing.out());
            served(s, missing);

            Run rm = quilt("rm", "-f", "fast-a");
            assertEquals(0, rm.exit(), rm.err());
            served(s, rm);
            assertFalse(quilt("ps", "-a").out().contains("fast-a"));
            assertEquals(0, s.stop());
        }
    }

    @Test
    void execThroughTheServerHasTheCallersStdioStdinAndTerminal() throws Exception {
        try (Served s = Served.start(quilt, root)) {
            Run made = quilt("run", "-d", "--network", "none", "--name", "fast-x");
            assertEquals(0, made.exit(), made.err());

            Run split = quilt("exec", "fast-x", "sh", "-c", "echo out; echo err >&2; exit 3");
            assertEquals(3, split.exit(), split.err());
            assertEquals("out\n", split.out());
            assertEquals("err\n", split.err());
            served(s, split);

            // the caller's stdout is the caller's open file: the command meets it as the caller had it, blocking and
            // appending (the server's receipt of the fd made it non-blocking, so a command met EAGAIN, and dropped
            // O_APPEND), and after the call it is as it was
            Path appended = work.resolve("appended.txt");
            ProcessBuilder fb = new ProcessBuilder("bash", "-c", "exec 1>>" + appended + "; " + LAUNCHER + " --root "
                    + root + " exec fast-x sh -c 'grep flags /proc/self/fdinfo/1'; grep flags /proc/$$/fdinfo/1")
                    .directory(work.toFile()).redirectInput(new File("/dev/null"));
            fb.environment().putAll(quilt.env);
            fb.environment().remove("QUILT_CLIENT");
            Run flagged = finish(fb.start());
            assertEquals(0, flagged.exit(), flagged.err());
            List<String> flags = Files.readAllLines(appended);
            assertEquals(2, flags.size(), flags.toString());
            int during = Integer.parseInt(flags.get(0).replaceAll("[^0-7]", ""), 8);
            int after = Integer.parseInt(flags.get(1).replaceAll("[^0-7]", ""), 8);
            assertEquals(0, during & 04000, "the command's stdout is blocking: " + flags);
            assertEquals(02000, during & 02000, "the command's stdout appends, as the caller's does: " + flags);
            assertEquals(0, after & 04000, "the caller's stdout is blocking again: " + flags);
            assertEquals(02000, after & 02000, "the caller's O_APPEND is back: " + flags);

            // -i: the caller's stdin, a file here, read by the command to its end
            Path input = Files.writeString(work.resolve("stdin.txt"), "line one\nline two\n");
            Process p = start(LAUNCHER, work, Map.of(), input.toFile(),
                    List.of("--root", root.toString(), "exec", "-i", "fast-x", "wc", "-l"));
            Run counted = finish(p);
            assertEquals(0, counted.exit(), counted.err());
            assertEquals("2", counted.out().trim());
            served(s, counted);

            // -t: script(1) gives the client a pty of a known size; the command gets a terminal of that size
            Process t = new ProcessBuilder("script", "-qec", "stty rows 31 cols 101; exec " + LAUNCHER + " --root "
                    + root + " exec -t fast-x sh -c 'test -t 1 && echo is-a-tty; stty size'", "/dev/null")
                    .directory(work.toFile()).redirectInput(new File("/dev/null")).redirectErrorStream(true).start();
            t.getOutputStream().close();
            String shown = read(t.getInputStream());
            assertTrue(t.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, t.exitValue(), shown);
            assertTrue(shown.contains("is-a-tty") && shown.contains("31 101"), shown);
            assertTrue(s.awaitLog("exec -t fast-x", 60), s.log());

            // -it: the caller's terminal goes raw for the session and comes back: what is typed is echoed once
            // (by the command's pty), newlines come out as one \r\n, and the terminal is cooked again after
            assertEquals("typed once\r\ngot typed once\r\nicanon\r\n", typedInto(LAUNCHER + " --root " + root
                    + " exec -it fast-x sh -c 'echo ready; read x; echo \"got $x\"'; "
                    + "stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon",
                    Map.of(), "typed once"));
            assertTrue(s.awaitLog("exec -it fast-x", 60), s.log());

            // the classic path with an input that has ended (script(1) sends its terminal's end of file at once):
            // no NUL, no ^@ echoed: the end of file queued before raw mode is the command's end of input
            for (String client : List.of("off", "on")) {
                ProcessBuilder nul = new ProcessBuilder("script", "-qec", "exec " + LAUNCHER + " --root " + root
                        + " exec -it fast-x sh -c 'echo hi; cat; echo end'", "/dev/null")
                        .directory(work.toFile()).redirectInput(new File("/dev/null")).redirectErrorStream(true);
                nul.environment().put("QUILT_CLIENT", client);
                Process n = nul.start();
                String said = read(n.getInputStream());
                assertTrue(n.waitFor(60, TimeUnit.SECONDS));
                assertEquals("hi\r\nend\r\n", said, "QUILT_CLIENT=" + client);
            }

            Run missing = quilt("exec", "no-such-one", "true");
            assertEquals(1, missing.exit());
            assertEquals(1, missing.err().lines().count(), missing.err());
            assertEquals(0, quilt("rm", "-f", "fast-x").exit());
            assertEquals(0, s.stop());
        }
    }

    @Test
    void foregroundRunsKeepTheirOwnStdioEnvAndExitCodeWhenEightRunAtOnce() throws Exception {
        try (Served s = Served.start(quilt, root)) {
            List<Process> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                // -e N takes N from the caller's environment: each call's own
                calls.add(start(LAUNCHER, work, Map.of("N", Integer.toString(i)), new File("/dev/null"),
                        List.of("--root", root.toString(), "run", "--rm", "--network", "none", "-e", "N", "--",
                                "sh", "-c", "echo out-$N; echo err-$N >&2; exit $((10 + N))")));
            }
            for (int i = 0; i < 8; i++) {
                Run r = finish(calls.get(i));
                assertEquals(10 + i, r.exit(), r.err());
                assertEquals("out-" + i + "\n", r.out());
                assertEquals("err-" + i + "\n", r.err());
                // each call was the server's, with its own exit code
                assertTrue(s.awaitLog("exit $((10 + N)) -> " + (10 + i) + " ", 60), s.log());
            }
            assertEquals(0, s.stop());
        }
    }

    @Test
    void aForegroundRunGetsTheSignalsTheClientGets() throws Exception {
        try (Served s = Served.start(quilt, root)) {
            Process p = start(LAUNCHER, work, Map.of(), new File("/dev/null"), List.of("--root", root.toString(),
                    "run", "--rm", "--network", "none", "--", "sh", "-c",
                    "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 1; done"));
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", out.readLine());
            // the client is the process we started (the launcher exec'd it): SIGTERM to it goes to the container
            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
            assertEquals("got-term", out.readLine());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(7, p.exitValue());
            assertTrue(s.awaitLog("fast pid=" + p.pid() + " ", 60), s.log());
            assertEquals(0, s.stop());
        }
    }

    @Test
    void relativePathsAreTheCallersAndQuiltRuncGoesThroughToo() throws Exception {
        Path bundle = Files.createDirectories(work.resolve("bundle"));
        Path rootfs = Files.createDirectories(bundle.resolve("rootfs/bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("busybox"));
        Files.createSymbolicLink(rootfs.resolve("sh"), Path.of("busybox"));
        for (String d : List.of("proc", "dev", "sys", "tmp")) Files.createDirectories(bundle.resolve("rootfs").resolve(d));
        Process spec = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", Quilt.JAR.toString(), "dev.quilt.cli.runc.RuncMain",
                "spec", "--bundle", bundle.toString()).redirectErrorStream(true).start();
        assertEquals(0, spec.waitFor(), read(spec.getInputStream()));
        Path config = bundle.resolve("config.json");
        Files.writeString(config, Files.readString(config).replaceAll("\"terminal\"\\s*:\\s*true", "\"terminal\":false"));
        try (Served s = Served.start(quilt, root)) {
            // --bundle . is the caller's directory, not the server's
            Run created = run(LAUNCHER, bundle, Map.of(), "create", "--bundle", ".", "--name", "fast-bundle");
            assertEquals(0, created.exit(), created.err());
            served(s, created);

            // quilt-runc with a relative --root: the same root, through the same server
            Process p = start(RUNC_LAUNCHER, root.getParent(), Map.of(), new File("/dev/null"),
                    List.of("--root", root.getFileName().toString(), "list"));
            Run list = finish(p);
            assertEquals(0, list.exit(), list.err());
            assertTrue(list.out().contains("fast-bundle") && list.out().contains("created"), list.out());
            served(s, list);
            Run state = run(RUNC_LAUNCHER, work, Map.of(), "state", "fast-bundle");
            assertEquals(0, state.exit(), state.err());
            assertTrue(state.out().contains("\"status\": \"created\""), state.out());
            served(s, state);
            Run nope = run(RUNC_LAUNCHER, work, Map.of(), "state", "no-such-one");
            assertEquals(1, nope.exit());
            assertTrue(nope.err().startsWith("quilt-runc: "), nope.err());

            Run rm = quilt("rm", "-f", "fast-bundle");
            assertEquals(0, rm.exit(), rm.err());
            assertEquals(0, s.stop());
        }
    }

    @Test
    void withNoServerTheClientFallsBackToTheJvm() throws Exception {
        // no server: no socket (ENOENT), or a dead server's (ECONNREFUSED) if one was killed
        Path socket = root.resolve("run/.quilt-cli.sock");
        Path jvm = jvmLauncher();
        ProcessBuilder pb = new ProcessBuilder(CLIENT.toString(), "quilt", socket.toString(), "--root", root.toString(),
                "ps", "-a").redirectInput(new File("/dev/null"));
        pb.environment().putAll(quilt.env);
        pb.environment().put("QUILT_FALLBACK_EXEC", jvm.toString());
        Run viaJvm = finish(pb.start());
        assertEquals(0, viaJvm.exit(), viaJvm.err());
        assertTrue(viaJvm.out().startsWith("CONTAINER ID"), viaJvm.out());

        pb.environment().remove("QUILT_FALLBACK_EXEC");
        Run bare = finish(pb.start());
        assertEquals(97, bare.exit(), "the launcher's cue: " + bare.err());
        assertEquals("", bare.out());
    }

    @Test
    void whatTheServerDoesNotTakeRunsInTheCallersJvm() throws Exception {
        Path other = Files.createTempDirectory(work, "other-root");
        Path jvm = jvmLauncher();
        try (Served s = Served.start(quilt, root)) {
            Path socket = root.resolve("run/.quilt-cli.sock");
            // another root's words on this root's socket (a launcher never sends them: the client may)
            ProcessBuilder pb = new ProcessBuilder(CLIENT.toString(), "quilt", socket.toString(), "--root",
                    other.toString(), "ps", "-a").redirectInput(new File("/dev/null"));
            pb.environment().putAll(quilt.env);
            pb.environment().put("QUILT_FALLBACK_EXEC", jvm.toString());
            Run elsewhere = finish(pb.start());
            assertEquals(0, elsewhere.exit(), elsewhere.err());
            assertTrue(elsewhere.out().startsWith("CONTAINER ID"), elsewhere.out());
            assertTrue(s.awaitLog("refused: this server serves " + root.resolve("run"), 60), s.log());

            // runc's own process tree: quilt-runc create/run/exec stay with the caller
            ProcessBuilder runc = new ProcessBuilder(CLIENT.toString(), "quilt-runc", socket.toString(), "--root",
                    root.toString(), "exec", "no-such-one", "true").redirectInput(new File("/dev/null"));
            runc.environment().putAll(quilt.env);
            Run refused = finish(runc.start());
            assertEquals(97, refused.exit(), "the launcher's cue, with no QUILT_FALLBACK_EXEC: " + refused.err());
            assertTrue(s.awaitLog("refused: quilt-runc exec makes processes of its caller's tree", 60), s.log());

            // and serve is never run inside a server
            ProcessBuilder serve = new ProcessBuilder(CLIENT.toString(), "quilt", socket.toString(), "--root",
                    root.toString(), "serve").redirectInput(new File("/dev/null"));
            Run again = finish(serve.start());
            assertEquals(97, again.exit(), again.err());
            assertTrue(s.awaitLog("refused: serve runs in a JVM of its own", 60), s.log());
            assertEquals(0, s.stop());
        } finally {
            Quilt.sh("rm -rf " + other);
        }
    }

    /** A stand-in for the launcher's JVM path: java -jar quilt.jar with the same words. */
    static Path jvmLauncher() throws IOException {
        Path jvm = work.resolve("jvm-quilt");
        if (!Files.exists(jvm)) {
            Files.writeString(jvm, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                    + "' --enable-native-access=ALL-UNNAMED -jar '" + Quilt.JAR + "' \"$@\"\n");
            assertTrue(jvm.toFile().setExecutable(true));
        }
        return jvm;
    }

    @Test
    void aServerKilledMidCommandIsOneLineAndExit125() throws Exception {
        try (Served s = Served.start(quilt, root)) {
            Process p = start(LAUNCHER, work, Map.of(), new File("/dev/null"), List.of("--root", root.toString(),
                    "run", "--network", "none", "--name", "fast-orphan", "--", "sh", "-c", "echo ready; exec sleep 300"));
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", out.readLine());
            s.kill();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(125, p.exitValue());
            // the container still holds the other end of the caller's pipes: read what the client wrote, not to EOF
            java.io.InputStream e = p.getErrorStream();
            String err = new String(e.readNBytes(e.available()), StandardCharsets.UTF_8);
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.startsWith("quilt: the server went away"), err);
        }
        // the container outlived its server and its caller, as it outlives a killed CLI: rm -f takes it
        Quilt.Result rm = quilt.run("rm", "-f", "fast-orphan");
        assertEquals(0, rm.exit(), rm.err());
    }
}
