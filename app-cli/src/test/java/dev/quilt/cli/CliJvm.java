package dev.quilt.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The JVM flags the launcher gives a short command (scripts/setup.sh, {@code quilt_jvm_flags}), for the ITs' own
 * CLI calls: C1 only, the serial GC and, on JDK 25 and later, an AOT cache of this very jar, trained once per test
 * JVM as {@code quilt_train} trains the launcher's (one {@code run --rm --network none -- true} in a scratch root).
 * So the ITs' hundreds of CLI calls start as a user's do (about half the CPU of a default JVM's start on this
 * 2-core CI machine), and a cache that cannot be made or read only costs its speed: the JVM then loads every
 * class itself ({@code -Xlog:aot=off}, as the launcher says nothing of it either). {@code quilt serve} keeps the
 * JVM's defaults (the launcher gives a server its own flags, and no cache).
 */
final class CliJvm {
    private CliJvm() {}

    private static final Path CACHE = Path.of("target", "it-quilt.aot").toAbsolutePath();
    private static List<String> flags;

    /** {@code java} and its flags for a short command of {@code jar}; the cache is trained on the first call. */
    static synchronized List<String> command(Path jar) {
        if (flags == null) flags = train(jar);
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(flags);
        return cmd;
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static List<String> train(Path jar) {
        List<String> shortCommand = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "--enable-native-access=ALL-UNNAMED");
        if (Runtime.version().feature() < 25) return shortCommand;
        Path scratch = null;
        try {
            Files.deleteIfExists(CACHE);
            scratch = Files.createTempDirectory("quilt-it-train");
            List<String> cmd = new ArrayList<>(List.of(java()));
            cmd.addAll(shortCommand);
            cmd.addAll(List.of("-XX:AOTCacheOutput=" + CACHE, "-Xlog:aot=off", "-Xlog:cds=off", "-jar",
                    jar.toString(), "--root", scratch.toString(), "run", "--rm", "--network", "none", "--", "true"));
            int exit = new ProcessBuilder(cmd).redirectInput(new File("/dev/null"))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start().waitFor();
            if (exit != 0 || !Files.isRegularFile(CACHE)) return shortCommand;
            List<String> cached = new ArrayList<>(shortCommand);
            cached.addAll(List.of("-XX:AOTCache=" + CACHE, "-Xlog:aot=off", "-Xlog:cds=off"));
            return cached;
        } catch (IOException e) {
            return shortCommand;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return shortCommand;
        } finally {
            if (scratch != null) drop(scratch);
        }
    }

    /** The training's scratch root and its cgroup parent (empty once its container is removed). */
    private static void drop(Path scratch) {
        try {
            Leaks.cgroups(scratch);
            dev.quilt.linux.AtomicFiles.deleteTree(scratch);
        } catch (IOException | RuntimeException e) {
            // a scratch dir under /tmp: nothing of the machine's
        }
    }
}
