package dev.quilt.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code quilt-runc exec} (part M3) as containerd's shim and conmon call it, through its main class {@code RuncMain}:
 * a detached exec left to the caller's child subreaper (native/test/subreaper.c), {@code --process FILE}, the
 * pty master over {@code --console-socket} (native/test/console_recv.c), exit codes and refusals.
 */
class RuncExecIT {
    private static final Path HELPERS = Path.of("..", "native", "target", "cmake", "test-helpers").toAbsolutePath();
    private static final String MARK = UUID.randomUUID().toString();
    private static Path root;
    private static Quilt quilt;

    @BeforeAll
    static void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-runc-exec-it-");
        quilt = new Quilt(root);
        Quilt.Result r = quilt.run("run", "-d", "--network", "none", "--name", "box", "-e", "FOO=bar",
                "-e", "QUILT_IT=" + MARK);
        assertEquals(0, r.exit(), r.err());
    }

    @AfterAll
    static void tearDown() throws Exception {
        quilt.run("rm", "-f", "box");
        quilt.close("QUILT_IT=" + MARK);
    }

    /** quilt-runc's JVM command line: {@code quilt-runc --root ROOT exec ARGS}. */
    private static List<String> runc(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp",
                Quilt.JAR.toString(), dev.quilt.cli.runc.RuncMain.class.getName(), "--root", root.toString(), "exec"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static Quilt.Result exec(String... args) throws Exception {
        Path out = Files.createTempFile(root, "out", ".txt");
        Path err = Files.createTempFile(root, "err", ".txt");
        try {
            Process p = new ProcessBuilder(runc(args)).redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("quilt-runc exec did not finish in 120 s");
            }
            return new Quilt.Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String nsOf(long pid) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/pid")).toString();
    }

    private static long parentOf(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("PPid:")) return Long.parseLong(line.substring(5).trim());
        }
        throw new AssertionError("no PPid in /proc/" + pid + "/status");
    }

    @Test
    void aDetachedExecIsLeftToTheCallersSubreaperWhichReapsIt() throws Exception {
        assertEquals(0, quilt.run("exec", "box", "--", "mkfifo", "/tmp/gate").exit());
        String containerNs = quilt.run("exec", "box", "--", "readlink", "/proc/self/ns/pid").out().trim();
        Path pidFile = root.resolve("detached.pid");
        List<String> cmd = new ArrayList<>(List.of(HELPERS.resolve("subreaper").toString()));
        cmd.addAll(runc("--detach", "--pid-file=" + pidFile, "box", "sh", "-c",
                "echo started; read x < /tmp/gate; exit 7"));
        Path err = root.resolve("subreaper.err");
        Process reaper = new ProcessBuilder(cmd).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try (BufferedReader reaped = new BufferedReader(new InputStreamReader(reaper.getInputStream(),
                StandardCharsets.UTF_8))) {
            String jvm = reaped.readLine();
            assertTrue(jvm != null && jvm.endsWith(" exited 0"), "quilt-runc exec -d exits 0: " + jvm + " "
                    + Files.readString(err));
            long pid = Long.parseLong(Files.readString(pidFile));
            assertEquals(containerNs, nsOf(pid), "the pid file's process is in the container's pid namespace");
            assertEquals(reaper.pid(), parentOf(pid), "its parent is the caller's child subreaper");
            Files.writeString(Path.of("/proc/" + pid + "/root/tmp/gate"), "go\n");
            assertEquals(pid + " exited 7", reaped.readLine(), "the subreaper reaps it with its status");
            assertTrue(reaper.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, reaper.exitValue());
            assertEquals("started\n", Files.readString(err), "the caller's stdio is the command's; nothing of ours");
        } finally {
            reaper.destroyForcibly();
            quilt.run("exec", "box", "--", "rm", "-f", "/tmp/gate");
        }
    }

    @Test
    void foregroundExitCodesAndThePidFile() throws Exception {
        Path pidFile = root.resolve("fg.pid");
        Quilt.Result ok = exec("--pid-file", pidFile.toString(), "box", "sh", "-c", "echo out; echo err >&2");
        assertEquals(0, ok.exit(), ok.err());
        assertEquals("out\n", ok.out());
        assertEquals("err\n", ok.err());
        assertTrue(Long.parseLong(Files.readString(pidFile)) > 1, "a host pid, with no newline");
        assertEquals(3, exec("box", "sh", "-c", "exit 3").exit());
        assertEquals(137, exec("box", "sh", "-c", "kill -9 $$").exit(), "128 + SIGKILL");
        assertEquals("a -- b\n", exec("box", "echo", "a", "--", "b").out(), "options end at the id");
    }

    @Test
    void flagsGoOnTopOfTheContainersProcess() throws Exception {
        Quilt.Result r = exec("--env=X=1", "--cwd", "/tmp", "-u", "1000:1001", "-g", "2000", "box", "sh", "-c",
                "echo $FOO $X $TERM; pwd; id -u; id -g; id -G");
        assertEquals("bar 1\n/tmp\n1000\n1001\n1001 2000\n", r.out(), r.err());
        Quilt.Result caps = exec("--cap", "CAP_NET_RAW", "--no-new-privs", "box", "sh", "-c",
                "grep -E '^(CapBnd|CapEff|NoNewPrivs)' /proc/self/status");
        for (String line : caps.lines()) {
            if (line.startsWith("Cap")) {
                long mask = Long.parseLong(line.substring(line.indexOf('\t') + 1).trim(), 16);
                assertTrue((mask & (1L << 13)) != 0, "CAP_NET_RAW (13) added: " + caps.out());
            } else {
                assertEquals("NoNewPrivs:\t1", line);
            }
        }
        assertEquals(3, caps.lines().size(), caps.out() + caps.err());
    }

    @Test
    void aProcessFileIsTheWholeProcess() throws Exception {
        Path process = root.resolve("process.json");
        Files.writeString(process, """
                {"args": ["sh", "-c", "echo [$FOO] $BAR; pwd; id -u; id -g"],
                 "env": ["PATH=/usr/bin:/bin", "BAR=baz", "QUILT_IT=%s"],
                 "cwd": "/tmp", "user": {"uid": 1000, "gid": 1001}, "terminal": false, "unknown": 1}
                """.formatted(MARK));
        Quilt.Result r = exec("--process=" + process, "box");
        assertEquals(0, r.exit(), r.err());
        assertEquals("[] baz\n/tmp\n1000\n1001\n", r.out(), "env exactly as given: nothing of the container's");
    }

    @Test
    void theConsoleSocketGetsAWorkingPtyMaster() throws Exception {
        Path socket = root.resolve("console.sock");
        // the command waits for a last line until its output has been read: its exit hangs the terminal up
        Process console = new ProcessBuilder(HELPERS.resolve("console_recv").toString(), socket.toString(), "hello",
                "got hello", "bye")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(console.getInputStream(),
                StandardCharsets.UTF_8))) {
            assertEquals("listening", in.readLine());
            Quilt.Result r = exec("--tty", "--console-socket", socket.toString(), "box", "sh", "-c",
                    "read x; tty; echo got $x; read y; exit 5");
            assertEquals(5, r.exit(), r.err());
            assertEquals("", r.out(), "the terminal is the socket holder's, not relayed");
            String got = in.readLine();
            assertTrue(got.matches("got /dev/pts/\\d+"), got);
            List<String> rest = new ArrayList<>(); // readLine takes the pty's \r\n as one line's end
            for (String line; (line = in.readLine()) != null; ) rest.add(line);
            assertTrue(rest.contains("got hello"), "the command read what was typed: " + rest);
            assertTrue(rest.contains(got.substring(4)), "its stdio is that pty: " + rest);
            assertTrue(console.waitFor(60, TimeUnit.SECONDS));
        } finally {
            console.destroyForcibly();
            Files.deleteIfExists(socket);
        }
    }

    /** podman's {@code exec --preserve-fds}: the caller's fds 3.. are the command's, as they are; no other fd. */
    @Test
    void preservedFdsReachTheCommand() throws Exception {
        Path file = root.resolve("preserved.txt");
        Files.writeString(file, "from the caller\n");
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "exec 3<\"$0\" 4>&2; QUILT_RUNC_PASSED_FDS='3 4' exec \"$@\"",
                file.toString()));
        cmd.addAll(runc("--preserve-fds=2", "box", "sh", "-c", "cat <&3; echo to four >&4; ls /proc/self/fd"));
        Path out = root.resolve("preserved.out");
        Path err = root.resolve("preserved.err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), Files.readString(err));
        assertEquals(List.of("from the caller", "0", "1", "2", "3", "4", "5"), Files.readAllLines(out),
                "stdio, the two, and ls's own directory fd");
        assertEquals("to four\n", Files.readString(err));
    }

    /** containerd's shim and conmon for {@code exec -t}: detached, the terminal is the socket holder's. */
    @Test
    void aDetachedExecWithATerminalSendsItsMasterAndIsReapedByTheSubreaper() throws Exception {
        Path socket = root.resolve("detached-console.sock");
        Path process = root.resolve("tty-process.json");
        Files.writeString(process, """
                {"args": ["sh", "-c", "read x; echo got $x; read y; exit 4"], "env": ["QUILT_IT=%s"],
                 "cwd": "/", "user": {"uid": 0, "gid": 0}, "terminal": true}
                """.formatted(MARK));
        Process console = new ProcessBuilder(HELPERS.resolve("console_recv").toString(), socket.toString(), "hi",
                "got hi", "bye").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Process reaper = null;
        try (BufferedReader term = new BufferedReader(new InputStreamReader(console.getInputStream(),
                StandardCharsets.UTF_8))) {
            assertEquals("listening", term.readLine());
            List<String> cmd = new ArrayList<>(List.of(HELPERS.resolve("subreaper").toString()));
            // conmon 2.1's argv: exec --pid-file P --process F --detach --tty --console-socket S --process F ID
            cmd.addAll(runc("--pid-file", root.resolve("tty.pid").toString(), "--process", process.toString(),
                    "--detach", "--tty", "--console-socket=" + socket, "--process=" + process, "box"));
            Path err = root.resolve("tty-subreaper.err");
            reaper = new ProcessBuilder(cmd).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            BufferedReader reaped = new BufferedReader(new InputStreamReader(reaper.getInputStream(),
                    StandardCharsets.UTF_8));
            assertTrue(term.readLine().matches("got /dev/pts/\\d+"));
            List<String> rest = new ArrayList<>();
            for (String line; (line = term.readLine()) != null; ) rest.add(line);
            assertTrue(rest.contains("got hi"), rest.toString());
            // the command may end before the JVM does: the subreaper reaps both, in either order
            List<String> both = List.of(String.valueOf(reaped.readLine()), String.valueOf(reaped.readLine()));
            assertTrue(reaper.waitFor(60, TimeUnit.SECONDS));
            long pid = Long.parseLong(Files.readString(root.resolve("tty.pid")));
            assertTrue(both.contains(pid + " exited 4"), "the command, reaped by the subreaper: " + both);
            assertTrue(both.stream().anyMatch(l -> l.endsWith(" exited 0") && !l.startsWith(pid + " ")),
                    "quilt-runc exec -d exited 0: " + both + " " + Files.readString(err));
            assertEquals("", Files.readString(err), "the terminal carried the output, not our stdio");
        } finally {
            console.destroyForcibly();
            if (reaper != null) reaper.destroyForcibly();
            Files.deleteIfExists(socket);
        }
    }

    @Test
    void refusalsAreOneLineAndRuncsCode() throws Exception {
        Quilt.Result unknown = exec("nosuch", "true");
        assertEquals(255, unknown.exit());
        assertEquals("quilt-runc: container \"nosuch\" does not exist\n", unknown.err());

        Quilt.Result tty = exec("-t", "-d", "box", "true");
        assertEquals(255, tty.exit());
        assertTrue(tty.err().startsWith("quilt-runc: a terminal with --detach needs --console-socket"), tty.err());
        // in the foreground the terminal relayed is ours, and this test's stdin is a pipe: refused, not a hang
        Quilt.Result relayed = exec("-t", "box", "sh");
        assertEquals(255, relayed.exit());
        assertEquals("quilt-runc: exec --tty relays this terminal, and stdin is not one: give --console-socket, or"
                + " leave out --tty\n", relayed.err());

        Path bad = root.resolve("bad-process.json");
        Files.writeString(bad, "{\"args\": [\"true\"], \"cwd\": \"/\", \"user\": {\"uid\": \"x\", \"gid\": 0}}");
        Quilt.Result json = exec("--process", bad.toString(), "box");
        assertEquals(255, json.exit());
        assertEquals("quilt-runc: bad-process.json: user.uid is \"x\", not a number\n", json.err());

        Files.writeString(bad, "{\"args\": [\"true\"], \"cwd\": \"tmp\", \"user\": {\"uid\": 0, \"gid\": 0}}");
        Quilt.Result cwd = exec("--process", bad.toString(), "box");
        assertEquals(255, cwd.exit());
        assertTrue(cwd.err().startsWith("quilt-runc: bad-process.json: cwd: 'tmp' is not an absolute path"), cwd.err());

        Files.writeString(bad, "{\"args\": [\"true\"], \"cwd\": \"/\", \"user\": {\"uid\": 0, \"gid\": 0}}");
        Quilt.Result both = exec("--process", bad.toString(), "box", "true");
        assertEquals(255, both.exit());
        assertTrue(both.err().startsWith("quilt-runc: --process gives the whole process"), both.err());

        Quilt.Result fds = exec("--preserve-fds", "1", "box", "true");
        assertEquals(255, fds.exit(), "the JVM's own fd 3 is not the caller's");
        assertTrue(fds.err().startsWith("quilt-runc: --preserve-fds needs the quilt-runc launcher"), fds.err());

        Quilt.Result gone = exec("--tty", "--console-socket", root.resolve("nobody.sock").toString(), "box", "true");
        assertEquals(255, gone.exit());
        assertEquals("quilt-runc: console socket \"" + root.resolve("nobody.sock") + "\": no such file or directory\n",
                gone.err());

        Quilt.Result pidFile = exec("--pid-file", root.resolve("no/such/dir/x.pid").toString(), "box", "sleep", "600");
        assertEquals(255, pidFile.exit(), "the command is killed when its pid file cannot be written, as runc does");
        assertTrue(pidFile.err().startsWith("quilt-runc: cannot write the pid file "), pidFile.err());

        Quilt.Result missing = exec("box", "/bin/nosuch");
        assertEquals(255, missing.exit());
        assertEquals("quilt-runc: exec \"/bin/nosuch\": no such file or directory\n", missing.err());

        assertEquals(0, quilt.run("run", "-d", "--network", "none", "--name", "done", "-e", "QUILT_IT=" + MARK,
                "--", "true").exit());
        assertEquals("0\n", quilt.run("wait", "done").out());
        Quilt.Result stopped = exec("done", "true");
        assertEquals(255, stopped.exit());
        assertTrue(stopped.err().contains("is stopped; exec needs a running one"), stopped.err());
        assertEquals(0, quilt.run("rm", "done").exit());
    }
}
