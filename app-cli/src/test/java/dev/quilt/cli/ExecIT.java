package dev.quilt.cli;

import dev.quilt.linux.AtomicFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code quilt exec} into one persistent container: streams, exit codes, env/cwd/user, and what must not leak in. */
class ExecIT {
    private static Path root;
    private static Quilt quilt;
    private static final String MARK = UUID.randomUUID().toString();

    @BeforeAll
    static void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-exec-it-");
        quilt = new Quilt(root);
        Quilt.Result r = quilt.run("run", "-d", "--network", "none", "--name", "box", "-e", "FOO=bar",
                "-e", "QUILT_IT=" + MARK);
        assertEquals(0, r.exit(), r.err());
    }

    @AfterAll
    static void tearDown() throws Exception {
        List<String> problems = quilt.teardown();
        List<String> killed = Leaks.killAll(root, MARK);
        AtomicFiles.deleteTree(root);
        assertEquals(List.of(), killed, "processes outlived the test");
        assertEquals(List.of(), problems, "left behind");
    }

    private static Quilt.Result exec(String... cmd) throws Exception {
        String[] args = new String[cmd.length + 1];
        args[0] = "exec";
        System.arraycopy(cmd, 0, args, 1, cmd.length);
        return quilt.run(args);
    }

    @Test
    void streamsAndExitCodesPassThrough() throws Exception {
        Quilt.Result ok = exec("box", "--", "sh", "-c", "echo out; echo err >&2");
        assertEquals(0, ok.exit());
        assertEquals("out\n", ok.out());
        assertEquals("err\n", ok.err());
        assertEquals(1, exec("box", "--", "sh", "-c", "exit 1").exit());
        assertEquals(137, exec("box", "--", "sh", "-c", "kill -9 $$").exit(), "killed by SIGKILL: 128 + 9");
        assertEquals("hello\n", exec("box", "echo", "hello").out(), "no '--' needed");
    }

    @Test
    void envCwdAndUserAreTheContainersUnlessGiven() throws Exception {
        assertEquals("bar\n/\n0\n", exec("box", "--", "sh", "-c", "echo $FOO $X; pwd; id -u").out());
        Quilt.Result r = exec("-e", "X=1", "-w", "/tmp", "-u", "1000:1001", "box", "--", "sh", "-c",
                "echo $FOO $X; pwd; id -u; id -g");
        assertEquals("bar 1\n/tmp\n1000\n1001\n", r.out(), r.err());
        // by name, in the container's /etc/passwd and /etc/group (busybox's nobody and nogroup), as the API's exec
        Quilt.Result named = exec("-u", "nobody:nogroup", "box", "--", "sh", "-c", "echo $(id -u) $(id -g)");
        assertEquals("65534 65534\n", named.out(), named.err());
        Quilt.Result mixed = exec("-u", "1000:nogroup", "box", "--", "sh", "-c", "echo $(id -u) $(id -g)");
        assertEquals("1000 65534\n", mixed.out(), mixed.err());
        Quilt.Result unknown = exec("-u", "nosuch", "box", "--", "true");
        assertEquals(1, unknown.exit(), "as exec's other refusals (no such container): " + unknown.err());
        assertEquals("quilt: unable to find user nosuch: no matching entries in the container's /etc/passwd\n",
                unknown.err());
    }

    @Test
    void failuresBeforeTheCommandRunsAreOneLine() throws Exception {
        Quilt.Result missing = exec("box", "--", "/bin/nosuch");
        assertEquals(127, missing.exit());
        assertEquals("quilt: exec \"/bin/nosuch\": no such file or directory\n", missing.err());
        Quilt.Result cwd = exec("-w", "/nowhere", "box", "--", "true");
        assertEquals(125, cwd.exit(), "quilt's own failure, as for run");
        assertTrue(cwd.err().startsWith("quilt: chdir \"/nowhere\""), cwd.err());
        Quilt.Result unknown = exec("nosuch", "--", "true");
        assertEquals(1, unknown.exit());
        assertEquals(1, unknown.err().lines().count(), unknown.err());
        assertEquals(0, quilt.run("run", "-d", "--network", "none", "--name", "done", "-e", "QUILT_IT=" + MARK,
                "--", "true").exit());
        assertEquals("0\n", quilt.run("wait", "done").out());
        Quilt.Result stopped = exec("done", "--", "true");
        assertEquals(1, stopped.exit());
        assertTrue(stopped.err().contains("is stopped; exec needs a running one"), stopped.err());
        assertEquals(0, quilt.run("rm", "done").exit());
    }

    @Test
    void withTTheCommandHasATerminalOfTheContainersOwn() throws Exception {
        Quilt.Result t = exec("-t", "box", "--", "sh", "-c", "tty; test -t 0 && test -t 1 && test -t 2 && echo all three");
        assertEquals(0, t.exit(), t.err());
        // the pty's line discipline turns \n into \r\n on the way out, as any terminal does
        assertTrue(t.out().matches("/dev/pts/\\d+\r\nall three\r\n"), t.out());
        assertEquals(3, exec("-t", "box", "--", "sh", "-c", "exit 3").exit());
        Quilt.Result own = exec("-t", "box", "--", "sh", "-c", "ls /dev/pts");
        assertTrue(own.out().contains("ptmx"), "the container's own devpts instance: " + own.out());
    }

    /** CVE-2024-21626's class: nothing of the host's leaks in; not an fd, not the cwd. */
    @Test
    void onlyStdioAndTheContainersOwnCwdReachTheCommand() throws Exception {
        Quilt.Result fds = exec("box", "--", "ls", "/proc/self/fd");
        assertEquals(List.of("0", "1", "2", "3"), fds.lines(), "stdio, and ls's own directory fd");
        assertEquals("/\n", exec("box", "--", "readlink", "/proc/self/cwd").out());
        Quilt.Result cg = exec("box", "--", "cat", "/proc/self/cgroup");
        for (String line : cg.lines()) assertTrue(line.endsWith(":/"), "in the container's cgroup namespace: " + cg.out());
    }

    /**
     * CVE-2019-5736's class: a process in the container cannot write through
     * /proc/PID/exe of an exec'd process, which is the container's binary, never the
     * host's helper; and the helper, outside the pid namespace, is not visible.
     */
    @Test
    void theHostBinaryCannotBeReachedFromInside() throws Exception {
        Path helper;
        try (var dirs = Files.list(root.resolve("data/native"))) {
            helper = dirs.filter(Files::isDirectory).map(d -> d.resolve("quilt-exec")).filter(Files::exists)
                    .findFirst().orElseThrow();
        }
        String before = sha256(helper);
        // the exec'd shell is $me; another process opens its exe for writing
        Quilt.Result r = exec("box", "--", "sh", "-c",
                "me=$$; readlink /proc/$me/exe; sh -c \"echo x >> /proc/$me/exe\" && echo WROTE; grep PPid /proc/$me/status");
        assertFalse(r.out().contains("WROTE"), r.out());
        assertTrue(r.err().contains("Text file busy") || r.err().contains("Permission denied"), r.err());
        String exe = r.lines().get(0);
        assertTrue(exe.startsWith("/bin/"), "the container's own binary: " + exe);
        assertFalse(exe.contains("quilt"), exe);
        assertEquals("PPid:\t0", r.lines().get(1), "its parent (quilt-exec) is outside the pid namespace");
        assertEquals(before, sha256(helper));
    }

    @Test
    void twoHundredExecsInARowAllSucceed() throws Exception {
        // in this JVM, so the test measures exec, not 200 JVM start-ups
        for (int i = 0; i < 200; i++) {
            int code = Main.run(new String[] {"--root", root.toString(), "exec", "box", "--", "true"});
            assertEquals(0, code, "exec " + i);
        }
        Quilt.Result ps = exec("box", "--", "sh", "-c", "ls -d /proc/[0-9]* | wc -l");
        assertNotEquals("", ps.out().strip());
        assertTrue(Integer.parseInt(ps.out().strip()) <= 4, "no exec lingers: " + ps.out());
    }

    private static String sha256(Path p) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
