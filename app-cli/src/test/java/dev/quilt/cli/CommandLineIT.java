package dev.quilt.cli;

import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.LinuxHostLimits;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command line as runc and docker users expect it (issue 12 §3), end to end
 * as root: the real jar, a private root, a persistent container "box" for exec.
 */
class CommandLineIT {
    private static Path root;
    private static Quilt quilt;
    private static final String MARK = "QUILT_IT=" + UUID.randomUUID();

    @BeforeAll
    static void setUp() throws Exception {
        root = Files.createTempDirectory("quilt-cli-it-");
        quilt = new Quilt(root);
        Quilt.Result r = quilt.run("run", "-d", "--network", "none", "--name", "box", "-e", MARK);
        assertEquals(0, r.exit(), r.err());
    }

    @AfterAll
    static void tearDown() throws Exception {
        List<String> problems = quilt.teardown();
        List<String> killed = Leaks.killAll(root, MARK);
        List<String> mounts = Leaks.mountsUnder(root);
        AtomicFiles.deleteTree(root);
        assertEquals(List.of(), killed, "processes outlived the test");
        assertEquals(List.of(), mounts, "mounts left");
        assertEquals(List.of(), problems, "left behind");
    }

    /** {@code quilt run --rm --network none -e MARK ARGS...} */
    private static Quilt.Result run(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("run", "--rm", "--network", "none", "-e", MARK));
        all.addAll(List.of(args));
        return quilt.run(all.toArray(String[]::new));
    }

    private static Quilt.Result exec(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("exec"));
        all.addAll(List.of(args));
        return quilt.run(all.toArray(String[]::new));
    }

    private static String ok(Quilt.Result r) {
        assertEquals(0, r.exit(), r.err());
        return r.out();
    }

    private static void oneLine(Quilt.Result r, int exit, String expected) {
        assertEquals(exit, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().startsWith("quilt: "), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "no stack trace: " + r.err());
    }

    /** Main.run in this JVM: for command lines longer than execve would take to start a JVM with them. */
    private static Quilt.Result inProcess(String... args) {
        List<String> all = new ArrayList<>(List.of("--root", root.toString()));
        all.addAll(List.of(args));
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            code = Main.run(all.toArray(String[]::new));
        } finally {
            System.setErr(err);
        }
        return new Quilt.Result(code, "", captured.toString(StandardCharsets.UTF_8));
    }

    @Test
    void everythingAfterTheFirstDashesIsTheCommandVerbatim() throws Exception {
        assertEquals("--\n", ok(run("--", "echo", "--")));
        assertEquals("a -- b\n", ok(run("--", "echo", "a", "--", "b")));
        assertEquals("a -- b\n", ok(exec("box", "echo", "a", "--", "b")));
        assertEquals("--\n", ok(exec("box", "--", "echo", "--")));
        assertEquals("@/etc/hostname\n", ok(run("--", "echo", "@/etc/hostname")), "no argument files");
        // create keeps it too, for start
        ok(quilt.run("create", "--network", "none", "-e", MARK, "--name", "dashes", "--", "echo", "a", "--", "b"));
        ok(quilt.run("start", "dashes"));
        assertEquals("0\n", ok(quilt.run("wait", "dashes")));
        assertTrue(ok(quilt.run("logs", "dashes")).contains("a -- b"));
        ok(quilt.run("rm", "dashes"));
    }

    @Test
    void homeComesFromTheImagesPasswdEntryOfTheUser() throws Exception {
        assertEquals("/root\n", ok(run("--", "sh", "-c", "echo $HOME")));
        assertEquals("/nonexistent\n", ok(run("-u", "65534", "--", "sh", "-c", "echo $HOME")));
        assertEquals("/\n", ok(run("-u", "1", "--", "sh", "-c", "echo $HOME")), "no entry: /");
        assertEquals("/mine\n", ok(run("-u", "1", "-e", "HOME=/mine", "--", "sh", "-c", "echo $HOME")));
        assertEquals("/nonexistent\n", ok(exec("-u", "65534", "box", "sh", "-c", "echo $HOME")));
        assertEquals("/root\n", ok(exec("box", "sh", "-c", "echo $HOME")));
    }

    @Test
    void aMissingWorkdirIsMadeAsRuncMakesIt() throws Exception {
        assertEquals("/x/y\n755 0:0\n755 0:0\n", ok(run("-w", "/x/y", "--", "sh", "-c", "pwd; stat -c '%a %u:%g' /x /x/y")));
        assertEquals("/made\n", ok(run("-u", "1000", "-w", "/made", "--", "pwd")));
        oneLine(run("-w", "/etc/passwd", "--", "true"), 125, "chdir \"/etc/passwd\": not a directory");
    }

    @Test
    void aWorkdirThroughTheImagesLinksStaysInside() throws Exception {
        Path victim = Files.createDirectory(root.resolve("victim"));
        Path tar = root.resolve("links.tar");
        Files.write(tar, imageWithLinks(victim));
        ok(quilt.run("image", "import", tar.toString(), "--name", "links"));
        List<String> before = Leaks.containers(root);
        for (String dir : List.of("/abs/made", "/rel/made")) {
            Quilt.Result r = quilt.run("run", "--rm", "--network", "none", "-e", MARK, "-w", dir, "links", "--", "/bin/pwd");
            oneLine(r, 125, "chdir \"" + dir + "\": no such file or directory");
        }
        try (var left = Files.list(victim)) {
            assertEquals(List.of(), left.toList(), "nothing made on the host");
        }
        assertEquals(before, Leaks.containers(root));
        ok(quilt.run("image", "rm", "links"));
    }

    /** busybox, and two links that point at a host directory: one absolute, one climbing with "..". */
    private static byte[] imageWithLinks(Path victim) throws IOException {
        Path bin = Files.exists(Path.of("/bin/busybox")) ? Path.of("/bin/busybox") : Path.of("/usr/bin/busybox");
        byte[] busybox = Files.readAllBytes(bin);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            TarArchiveEntry d = new TarArchiveEntry("bin/");
            d.setMode(040755);
            tar.putArchiveEntry(d);
            tar.closeArchiveEntry();
            TarArchiveEntry bb = new TarArchiveEntry("bin/busybox");
            bb.setMode(0100755);
            bb.setSize(busybox.length);
            tar.putArchiveEntry(bb);
            tar.write(busybox);
            tar.closeArchiveEntry();
            link(tar, "bin/pwd", "busybox");
            link(tar, "abs", victim.toString());
            link(tar, "rel", "../../../../../../../.." + victim);
        }
        return bytes.toByteArray();
    }

    private static void link(TarArchiveOutputStream tar, String name, String target) throws IOException {
        TarArchiveEntry l = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
        l.setLinkName(target);
        tar.putArchiveEntry(l);
        tar.closeArchiveEntry();
    }

    @Test
    void twoEnvValuesOf106000BytesReachTheCommand() throws Exception {
        String big = "a".repeat(106_000);
        assertEquals("106000 106000\n", ok(run("-e", "A=" + big, "-e", "B=" + big, "--", "sh", "-c", "echo ${#A} ${#B}")));
        assertEquals("106000 106000\n", ok(exec("-e", "A=" + big, "-e", "B=" + big, "box", "sh", "-c", "echo ${#A} ${#B}")));
    }

    @Test
    void pastWhatExecveTakesIsOneLineNamingTheLimit() throws Exception {
        List<String> before = Leaks.containers(root);
        oneLine(inProcess("run", "--rm", "--network", "none", "-e", "A=" + "x".repeat(200_000), "--", "true"), 125,
                "env 'A' is 200002 bytes; the kernel takes at most 131071 per string (MAX_ARG_STRLEN)");
        List<String> all = new ArrayList<>(List.of("run", "--rm", "--network", "none"));
        IntStream.range(0, 60).forEach(i -> all.addAll(List.of("-e", "K" + i + "=" + "v".repeat(120_000))));
        all.addAll(List.of("--", "true"));
        oneLine(inProcess(all.toArray(String[]::new)), 125, "in all (ARG_MAX, a quarter of the stack limit: ulimit -s)");
        oneLine(inProcess("exec", "box", "echo", "y".repeat(131_072)), 1,
                "argument 2 of the command is 131072 bytes; the kernel takes at most 131071 per string (MAX_ARG_STRLEN)");
        assertEquals(before, Leaks.containers(root), "nothing half-made");
    }

    @Test
    void aTerminalGetsTermAndNeedsOneForItsInput() throws Exception {
        assertTrue(ok(exec("-t", "box", "env")).contains("TERM=xterm\r\n"));
        assertFalse(ok(exec("box", "env")).contains("TERM="), "no terminal, no TERM");
        assertTrue(ok(exec("-t", "-e", "TERM=vt100", "box", "env")).contains("TERM=vt100\r\n"));
        // stdin is /dev/null here: with -i -t the relay would wait for ever
        oneLine(exec("-i", "-t", "box", "cat"), 1, "stdin is not a terminal");
        oneLine(exec("-it", "box", "cat"), 1, "drop -t to read from a pipe or a file");
    }

    @Test
    void aDottedHostnameResolvesByItsShortNameToo() throws Exception {
        // --network none: on the loopback lines, and the short name resolves (ping stays on lo)
        // busybox's ping needs a raw socket: NET_RAW is not in the default set (podman's)
        String none = ok(run("--hostname", "a.b", "--cap-add", "NET_RAW", "--", "sh", "-c",
                "cat /etc/hosts; ping -c 1 -W 1 a >/dev/null && echo resolved"));
        assertEquals("127.0.0.1\tlocalhost a.b a\n::1\tlocalhost ip6-localhost ip6-loopback a.b a\nresolved\n", none);
        // a bridge: on the container's own address
        String bridge = ok(quilt.run("run", "--rm", "-e", MARK, "--hostname", "a.b", "--", "tail", "-n", "1", "/etc/hosts"));
        assertTrue(bridge.matches("10\\.\\d+\\.\\d+\\.\\d+\ta\\.b a\n"), bridge);
    }

    @Test
    void rmForceOfAMissingContainerIsNotAnError() throws Exception {
        Quilt.Result r = quilt.run("rm", "-f", "nosuch");
        assertEquals(new Quilt.Result(0, "", ""), r);
        oneLine(quilt.run("rm", "nosuch"), 1, "no container 'nosuch'");
        String id = ok(quilt.run("run", "-d", "--network", "none", "-e", MARK, "--name", "gone")).strip();
        assertEquals(id + "\n", ok(quilt.run("rm", "-f", "nosuch", "gone")), "the others are still removed");
    }

    @Test
    void helpIsUsageAndExitZero() throws Exception {
        for (List<String> args : List.of(List.of("--help"), List.of("help"), List.of("help", "exec"), List.of("run", "--help"),
                List.of("create", "-h"), List.of("kill", "--help"), List.of("network", "create", "--help"))) {
            Quilt.Result r = quilt.run(args.toArray(String[]::new));
            assertEquals(0, r.exit(), args + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: quilt"), args + ": " + r.out());
            assertEquals("", r.err(), args.toString());
        }
        // after the image, --help is the command's
        assertEquals("--help\n", ok(run("--", "echo", "--help")));
    }

    @Test
    void killTakesRuncsOrderAndDockersFlag() throws Exception {
        for (String n : List.of("k1", "k2", "k3")) {
            ok(quilt.run("run", "-d", "--network", "none", "-e", MARK, "--name", n));
        }
        oneLine(quilt.run("kill", "k1", "KILL", "k2"), 1, "kill takes CONTAINER [SIGNAL]; to signal several containers, "
                + "give the signal with -s");
        ok(quilt.run("kill", "k1", "KILL"));
        ok(quilt.run("kill", "-s", "KILL", "k2", "k3"));
        assertEquals("137\n137\n137\n", ok(quilt.run("wait", "k1", "k2", "k3")));
        ok(quilt.run("rm", "k1", "k2", "k3"));
    }

    @Test
    void moreCpusThanTheHostHasAreRefused() throws Exception {
        int n = new LinuxHostLimits().cpus();
        String expected = "--cpus 1000: range of CPUs is from 0.01 to " + n + ".00, as there "
                + (n == 1 ? "is only 1 CPU" : "are only " + n + " CPUs") + " available";
        List<String> before = Leaks.containers(root);
        oneLine(run("--cpus", "1000", "--", "true"), 125, expected);
        oneLine(quilt.run("create", "--network", "none", "--cpus", "1000", "--", "true"), 125, expected);
        assertEquals(before, Leaks.containers(root), "nothing half-made");
        assertEquals("ok\n", ok(run("--cpus", String.valueOf(n), "--", "echo", "ok")));
    }

    @Test
    void execWithoutAContainerIsOneLine() throws Exception {
        oneLine(quilt.run("exec"), 1, "name the container: quilt exec CONTAINER -- COMMAND");
    }
}
