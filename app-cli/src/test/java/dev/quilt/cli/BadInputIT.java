package dev.quilt.cli;

import dev.quilt.linux.AtomicFiles;
import dev.quilt.ports.TestTars;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input gets one clear line on stderr, a non-zero exit, and leaves nothing half-made. */
class BadInputIT {
    private static Path root;
    private static Quilt quilt;

    @BeforeAll
    static void setUp() throws IOException {
        root = Files.createTempDirectory("quilt-bad-it-");
        quilt = new Quilt(root);
    }

    @AfterAll
    static void tearDown() throws Exception {
        List<String> network = quilt.teardown();
        AtomicFiles.deleteTree(root);
        assertEquals(List.of(), network, "network left behind");
    }

    private static void oneLine(Quilt.Result r, int exit, String expected) {
        assertEquals(exit, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().startsWith("quilt: "), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
    }

    @Test
    void badNames() throws Exception {
        oneLine(quilt.run("run", "--name", "../x", "--", "true"), 125, "invalid container name '../x'");
        oneLine(quilt.run("run", "--name", "", "--", "true"), 125, "container name must not be empty");
        oneLine(quilt.run("run", "--name", "a".repeat(300), "--", "true"), 125, "invalid container name");
        assertEquals(List.of(), Leaks.containers(root));
    }

    @Test
    void badOptionsAndValues() throws Exception {
        oneLine(quilt.run("run", "--bogus", "--", "true"), 2, "unknown option");
        oneLine(quilt.run("run", "-e", "=x", "--", "true"), 125, "invalid environment variable");
        oneLine(quilt.run("run", "--hostname", "-bad", "--", "true"), 125, "invalid hostname");
        oneLine(quilt.run("run", "-u", "root", "--", "true"), 125, "invalid user");
        oneLine(quilt.run("run", "-w", "relative", "--", "true"), 125, "must be an absolute path");
        oneLine(quilt.run("run", "nosuchimage", "--", "true"), 125, "image 'nosuchimage' not found");
        oneLine(quilt.run("run", "--network", "bogus", "--", "true"), 125, "unknown network 'bogus': use bridge, none or host");
        oneLine(quilt.run("run", "--no-network", "--network", "host", "--", "true"), 125, "contradict each other");
        oneLine(quilt.run("run", "--memory", "-5", "--", "true"), 125, "--memory '-5' must be positive");
        oneLine(quilt.run("run", "--memory", "12q", "--", "true"), 125, "--memory '12q' is not a size");
        oneLine(quilt.run("run", "--cpus", "0", "--", "true"), 125, "--cpus must be more than 0");
        oneLine(quilt.run("create", "--memory", "2m", "--", "true"), 125, "a container needs at least 6m");
        oneLine(quilt.run("run", "--pids-limit", "lots", "--", "true"), 125, "--pids-limit 'lots' is not a whole number");
        oneLine(quilt.run("run", "--memory-swap", "1g", "--", "true"), 125, "--memory-swap needs --memory");
        oneLine(quilt.run("stats", "nosuch"), 1, "no container 'nosuch'");
        // an empty command is never found: the shell's and docker's 127, refused before anything is made
        oneLine(quilt.run("run", "--network", "none", "--", ""), 127,
                "exec \"\": executable file not found in $PATH (the command's first word is empty)");
        oneLine(quilt.run("network", "create", "--subnet", "10.42.0.1/16"), 1, "host bits are set; did you mean 10.42.0.0/16?");
        oneLine(quilt.run("network", "create", "--subnet", "10.0.0.0/31"), 1, "the prefix must be 8 to 30");
        oneLine(quilt.run("network", "create", "--bridge", "bad/name"), 1, "invalid bridge name 'bad/name'");
        oneLine(quilt.run("network", "create", "--subnet", "127.0.0.0/24"), 1, "not a unicast range");
        // a subnet already routed through another link: here, another root's bridge
        Path other = Files.createTempDirectory("quilt-bad-net-");
        Quilt neighbour = new Quilt(other);
        try {
            assertEquals(0, neighbour.run("network", "create", "--bridge", neighbour.bridge, "--subnet",
                    neighbour.subnet).exit());
            oneLine(quilt.run("network", "create", "--bridge", quilt.bridge, "--subnet", neighbour.subnet), 1,
                    "subnet " + neighbour.subnet + " overlaps the route to " + neighbour.subnet + " on " + neighbour.bridge);
        } finally {
            List<String> left = neighbour.teardown();
            AtomicFiles.deleteTree(other);
            assertEquals(List.of(), left);
        }
        assertEquals(List.of(), Leaks.containers(root));
    }

    @Test
    void hostileTarballsAreRefusedAndWriteNothing() throws Exception {
        Path victim = Files.createDirectory(root.resolve("victim"));
        Path hostFile = Files.writeString(root.resolve("host-file"), "secret");
        List<byte[]> hostile = List.of(
                new TestTars().file("../escape", "x").bytes(),
                new TestTars().file(victim.resolve("abs").toString(), "x").bytes(),
                new TestTars().symlink("etc", victim.toString()).file("etc/passwd", "x").bytes(),
                new TestTars().hardlink("link", hostFile.toString()).bytes());
        for (byte[] tar : hostile) {
            Path file = Files.write(root.resolve("hostile.tar"), tar);
            Quilt.Result r = quilt.run("image", "import", file.toString(), "--name", "evil");
            oneLine(r, 1, "refused archive entry");
        }
        try (var left = Files.list(victim)) {
            assertEquals(List.of(), left.toList());
        }
        assertEquals(1, (int) (Integer) Files.getAttribute(hostFile, "unix:nlink"));
        Quilt.Result ls = quilt.run("image", "ls", "--json");
        assertFalse(ls.out().contains("evil"), ls.out());
    }

    @Test
    void notRootIsOneLine() throws Exception {
        Quilt.Result r = quilt.runAs(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"),
                "run", "--", "true");
        oneLine(r, 125, "must be run as root");
    }

    @Test
    void missingFileToImport() throws Exception {
        oneLine(quilt.run("image", "import", "/no/such.tar"), 1, "no file '/no/such.tar'");
    }
}
