package dev.quilt.cli;

import dev.quilt.linux.AtomicFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The property test's scenario for real: 100 random commands across 8
 * containers through the real jar, each answered by exit 0 or by one clear
 * line; then everything is removed and nothing may be left on the machine.
 * The seed is printed, and -Dquilt.seed=N replays a run.
 */
class RandomLifecycleIT {
    private static final String[] COMMANDS = {"sleep 1000", "exit 3", "", "sh -c 'trap \"exit 0\" TERM; sleep 1000 & wait'"};
    private Path root;
    private Quilt quilt;
    private final String marker = "QUILT_IT=" + UUID.randomUUID();

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createTempDirectory("quilt-random-it-");
        quilt = new Quilt(root);
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            assertEquals(List.of(), Leaks.killAll(root, marker), "processes left behind");
        } finally {
            List<String> network = quilt.teardown();
            AtomicFiles.deleteTree(root);
            assertEquals(List.of(), network, "network left behind");
        }
    }

    private static List<String> command(String c) {
        if (c.isEmpty()) return List.of();
        if (c.startsWith("sh -c ")) return List.of("sh", "-c", c.substring(7, c.length() - 1));
        return List.of(c.split(" "));
    }

    @Test
    void aHundredRandomCommandsAcrossEightContainersLeaveNothing() throws Exception {
        long seed = Long.getLong("quilt.seed", System.nanoTime());
        System.out.println("RandomLifecycleIT seed " + seed);
        Random r = new Random(seed);
        for (int i = 0; i < 100; i++) {
            String name = "r" + r.nextInt(8);
            List<String> args = new ArrayList<>();
            switch (r.nextInt(9)) {
                case 0, 1 -> {
                    args.addAll(List.of("run", "-d", "-e", marker, "--name", name));
                    if (r.nextBoolean()) args.add("--init");
                    List<String> cmd = command(COMMANDS[r.nextInt(COMMANDS.length)]);
                    if (!cmd.isEmpty()) args.add("--");
                    args.addAll(cmd);
                }
                case 2 -> {
                    args.addAll(List.of("create", "-e", marker, "--name", name));
                    List<String> cmd = command(COMMANDS[r.nextInt(COMMANDS.length)]);
                    if (!cmd.isEmpty()) args.add("--");
                    args.addAll(cmd);
                }
                case 3 -> args.addAll(List.of("start", name));
                case 4 -> args.addAll(List.of("kill", name, r.nextBoolean() ? "KILL" : "TERM"));
                case 5 -> args.addAll(List.of("stop", "-t", "1", name));
                case 6 -> args.addAll(List.of("rm", name));
                case 7 -> args.addAll(List.of("rm", "-f", name));
                default -> args.addAll(List.of("ps", "-a", "--json"));
            }
            Quilt.Result res = quilt.run(args.toArray(String[]::new));
            String what = "step " + i + " (seed " + seed + "): quilt " + String.join(" ", args) + " -> " + res.exit() + " " + res.err();
            if (res.exit() != 0) {
                assertEquals(1, res.err().lines().count(), "one line: " + what);
                assertTrue(res.err().startsWith("quilt: "), what);
                assertFalse(res.err().contains("internal error"), what);
                assertTrue(List.of(1, 125, 127).contains(res.exit()), what);
            }
        }
        for (String id : quilt.run("ps", "-a", "-q").lines()) assertEquals(0, quilt.run("rm", "-f", id).exit());
        assertEquals(0, quilt.run("gc").exit());
        assertEquals(List.of(), Leaks.processes(root, marker), "processes left");
        assertEquals(List.of(), Leaks.mountsUnder(root), "mounts left");
        assertEquals(List.of(), Leaks.containers(root), "state dirs or layers left");
        assertEquals(List.of(), Leaks.names(root), "name claims left");
    }
}
