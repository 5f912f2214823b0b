package dev.quilt.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code quilt serve} for a test's root, in a child JVM: {@link #start} returns once the server says it listens
 * (its stderr line: an event, not a poll of the socket). Its stderr is drained into {@link #log()} all along, so
 * the request log never blocks it. {@link #close} stops it with SIGTERM if it still runs.
 */
final class Served implements AutoCloseable {
    private final Process process;
    private final Path socket;
    private final StringBuffer log = new StringBuffer();

    private Served(Process process, Path socket) {
        this.process = process;
        this.socket = socket;
    }

    /** Starts {@code quilt --root ROOT serve EXTRA...} and waits (up to 60 s) for its "listening on" line. */
    static Served start(Quilt quilt, Path root, String... extra) throws IOException {
        String[] args = new String[extra.length + 1];
        args[0] = "serve";
        System.arraycopy(extra, 0, args, 1, extra.length);
        Process p = quilt.start(args);
        Served s = new Served(p, root.resolve("run").resolve("quilt.sock"));
        CompletableFuture<Void> listening = new CompletableFuture<>();
        Thread drain = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    synchronized (s.log) {
                        s.log.append(line).append('\n');
                        s.log.notifyAll();
                    }
                    if (line.contains("listening on")) listening.complete(null);
                }
            } catch (IOException e) {
                // the server went away
            }
            listening.completeExceptionally(new IOException("quilt serve ended before it listened: " + s.log));
        }, "served-stderr");
        drain.setDaemon(true);
        drain.start();
        try {
            listening.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw new IOException("quilt serve did not listen: " + s.log, e);
        }
        return s;
    }

    ApiClient client() {
        return new ApiClient(socket);
    }

    Path socket() {
        return socket;
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    /**
     * Waits (up to {@code seconds}) until the server has written a line containing {@code needle}: woken by each
     * line the drain appends, not a poll. Returns whether it came.
     */
    boolean awaitLog(String needle, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        synchronized (log) {
            while (log.indexOf(needle) < 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(log, left);
            }
        }
        return true;
    }

    /** What the server wrote to stderr so far. */
    String log() {
        return log.toString();
    }

    /** SIGTERM, then its exit code (within 60 s). */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("quilt serve did not stop within 60 s of SIGTERM: " + log);
        }
        return process.exitValue();
    }

    /** SIGKILL: a crash. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) stop();
    }
}
