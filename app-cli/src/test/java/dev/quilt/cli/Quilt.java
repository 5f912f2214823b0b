package dev.quilt.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real quilt.jar in a child JVM against a private state root, with a
 * network of its own: a bridge named qt + 8 random hex digits on a random /24
 * of 10.200.0.0/12, so tests never touch quilt0 or each other; cgroups under
 * the root's own parent. Nothing is made until a container needs it;
 * {@link #teardown} takes it all down.
 */
final class Quilt {
    record Result(int exit, String out, String err) {
        List<String> lines() {
            return out.isEmpty() ? List.of() : List.of(out.split("\n"));
        }
    }

    static final Path JAR = Path.of("target", "quilt.jar").toAbsolutePath();

    private final Path root;
    /** Extra environment for the quilt processes (QUILT_SUBUID_FILE, say). */
    final java.util.Map<String, String> env = new java.util.concurrent.ConcurrentHashMap<>();
    final String bridge;
    final String subnet;

    Quilt(Path root) throws IOException {
        this(root, "qt" + String.format("%08x", java.util.concurrent.ThreadLocalRandom.current().nextInt()),
                "10." + (200 + java.util.concurrent.ThreadLocalRandom.current().nextInt(16)) + "."
                        + java.util.concurrent.ThreadLocalRandom.current().nextInt(256) + ".0/24");
    }

    /** A root on a given bridge and subnet: another root's, to share it. */
    Quilt(Path root, String bridge, String subnet) throws IOException {
        this.root = root;
        this.bridge = bridge;
        this.subnet = subnet;
        defineNetwork(subnet);
    }

    /** Gives the root another subnet on the same bridge (nothing may be on the old one). */
    void defineNetwork(String cidr) throws IOException {
        Files.createDirectories(root.resolve("data"));
        Files.writeString(root.resolve("data/network.json"),
                "{\"bridge\":\"" + bridge + "\",\"subnet\":\"" + cidr + "\"}\n");
    }

    /**
     * Removes every container (tests kill their processes first), then the
     * network through {@code quilt network rm}. Returns what was wrong: a
     * failed removal, or a bridge or NAT table still there (then removed by
     * force, so the machine is clean either way).
     */
    /**
     * The end of a test class: kills what still runs with {@code mark} in its environment, then
     * {@link #teardown}, then deletes the root, and fails if a process outlived the test,
     * something was left behind, or a mount is left under the root.
     */
    void close(String mark) throws Exception {
        List<String> killed = Leaks.killAll(root, mark.substring(mark.indexOf('=') + 1));
        List<String> problems = teardown();
        List<String> mounts = Leaks.mountsUnder(root);
        dev.quilt.linux.AtomicFiles.deleteTree(root);
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), killed, "processes outlived the test");
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), problems, "left behind");
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), mounts, "mounts left on the host");
    }

    List<String> teardown() throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        Result ids = run("ps", "-aq");
        for (String id : ids.lines()) run("rm", "-f", id);
        Result rm = run("network", "rm");
        // a test may have removed the root's network itself already
        if (rm.exit() != 0 && !rm.err().startsWith("quilt: no network to remove")) {
            problems.add("network rm: " + rm.err().trim());
        }
        if (sh("ip -o link show dev " + bridge) == 0) {
            problems.add("bridge " + bridge + " left");
            sh("ip link del " + bridge);
        }
        if (sh("nft list table ip quilt_" + bridge) == 0) {
            problems.add("nft table quilt_" + bridge + " left");
            sh("nft delete table ip quilt_" + bridge);
        }
        for (String c : Leaks.cgroups(root)) problems.add("cgroup " + c + " left");
        return problems;
    }

    static int sh(String command) throws IOException, InterruptedException {
        return new ProcessBuilder("sh", "-c", command + " >/dev/null 2>&1").start().waitFor();
    }

    /** Starts quilt without waiting for it: for following, concurrency and killing it half-way. */
    Process start(String... args) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command(List.of(), args));
        pb.environment().putAll(env);
        return pb
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    }

    /** The value of a top-level string field in inspect's JSON. */
    static String field(String json, String name) {
        var m = java.util.regex.Pattern.compile("\"" + name + "\" : \"([^\"]*)\"").matcher(json);
        if (!m.find()) throw new AssertionError("no " + name + " in " + json);
        return m.group(1);
    }

    Result run(String... args) throws IOException, InterruptedException {
        return runAs(List.of(), args);
    }

    /**
     * {@code prefix} wraps the JVM, e.g. setpriv to drop root. A short command gets the launcher's flags
     * ({@link CliJvm}); {@code serve} the JVM's defaults.
     */
    private List<String> command(List<String> prefix, String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        if (args.length > 0 && args[0].equals("serve")) {
            cmd.add(CliJvm.java());
            cmd.add("--enable-native-access=ALL-UNNAMED");
        } else {
            cmd.addAll(CliJvm.command(JAR));
        }
        cmd.add("-jar");
        cmd.add(JAR.toString());
        cmd.add("--root");
        cmd.add(root.toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    Result runAs(List<String> prefix, String... args) throws IOException, InterruptedException {
        List<String> cmd = command(prefix, args);
        Path out = Files.createTempFile("quilt-out", ".txt");
        Path err = Files.createTempFile("quilt-err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().putAll(env);
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("quilt " + String.join(" ", args) + " did not finish in 120 s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
