package dev.quilt.cli.runc;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Runs the real clients (podman, ctr, script) as child processes for the client ITs: each
 * call has a deadline (never a retry), its stdout and stderr go to files (a client that
 * leaves a daemon holding its stdio, as {@code podman run -d} leaves conmon, cannot hang the
 * test), and a failed expectation says everything a reader needs: the command, its exit
 * code, its output and the runtime's argv log with whatever extra logs the test names.
 */
final class Shell {
    /** One finished command. */
    record Result(List<String> command, int exit, String out, String err) {
        String describe() {
            return "$ " + String.join(" ", command) + "\nexit " + exit
                    + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private final Map<String, String> env;
    private final List<Path> logs;

    /** {@code env} is added to every command's environment; {@code logs} are shown on failure. */
    Shell(Map<String, String> env, List<Path> logs) {
        this.env = env;
        this.logs = logs;
    }

    Result run(Duration deadline, List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("quilt-client-out", ".txt");
        Path err = Files.createTempFile("quilt-client-err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().putAll(env);
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
                throw new AssertionError("no answer within " + deadline.toSeconds() + " s\n"
                        + new Result(command, -1, Files.readString(out), Files.readString(err)).describe() + logs());
            }
            return new Result(command, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    Result run(List<String> command) throws IOException, InterruptedException {
        return run(Duration.ofSeconds(120), command);
    }

    /** Runs {@code command} and fails with the whole story unless it exits {@code exit}. */
    Result expect(int exit, List<String> command) throws IOException, InterruptedException {
        Result r = run(command);
        if (r.exit() != exit) throw new AssertionError("expected exit " + exit + "\n" + r.describe() + logs());
        return r;
    }

    /** Fails with the whole story: {@code what} went wrong in {@code r}. */
    AssertionError failure(String what, Result r) {
        return new AssertionError(what + "\n" + r.describe() + logs());
    }

    /**
     * Starts a streaming command ({@code podman logs -f}, {@code ctr events}) and reads its
     * stdout until a line matches {@code wanted}: the wait is on the stream, bounded by
     * {@code deadline}. {@code trigger} runs once the stream is open (so its event cannot be
     * missed). Returns the lines read; the command is killed afterwards.
     */
    List<String> awaitLine(List<String> command, Predicate<String> wanted, Duration deadline, Trigger trigger)
            throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        Process p = pb.start();
        List<String> seen = new ArrayList<>();
        try {
            CompletableFuture<Boolean> found = CompletableFuture.supplyAsync(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        synchronized (seen) {
                            seen.add(line);
                        }
                        if (wanted.test(line)) return true;
                    }
                    return false;
                } catch (IOException e) {
                    return false;
                }
            });
            trigger.run();
            boolean ok;
            try {
                ok = found.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                ok = false;
            }
            if (!ok) {
                synchronized (seen) {
                    throw new AssertionError("no matching line from " + String.join(" ", command) + " within "
                            + deadline.toSeconds() + " s; it printed:\n" + String.join("\n", seen) + "\n" + logs());
                }
            }
            synchronized (seen) {
                return List.copyOf(seen);
            }
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    /** What {@link #awaitLine} does once the stream is open. */
    interface Trigger {
        void run() throws Exception;
    }

    /** The logs the test named (a directory: each file in it), each with its last 60 lines. */
    String logs() {
        StringBuilder b = new StringBuilder();
        List<Path> files = new ArrayList<>();
        for (Path log : logs) {
            if (!Files.isDirectory(log)) {
                files.add(log);
                continue;
            }
            try (var in = Files.list(log)) {
                in.sorted().forEach(files::add);
            } catch (IOException e) {
                files.add(log);
            }
        }
        for (Path log : files) {
            b.append("--- ").append(log).append('\n');
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                b.append(String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()))).append('\n');
            } catch (IOException e) {
                b.append("(unreadable: ").append(e.getMessage()).append(")\n");
            }
        }
        return b.toString();
    }
}
