package dev.quilt.cli.serve;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The server's worker threads: every request, and every exec relay's copier, runs on one of them. A cached pool of
 * platform daemon threads (platform, not virtual: routes block in JNI, which would pin a carrier): unbounded, since a
 * route may block for as long as its stream lasts ({@code logs -f}, {@code events}, {@code attach}, {@code wait}, a
 * hijacked exec) and the contract says such a call holds a worker, never an event loop, so a bound would let long
 * streams starve short calls; a thread idle for {@link #KEEP_ALIVE_SECONDS} goes. A call on a warm server takes a
 * parked thread instead of starting one (a thread start is a clone(2) and its stack: tens of microseconds, and a
 * hand-off on 2 cores).
 */
@javax.inject.Singleton
public final class Workers implements AutoCloseable {
    /**
     * How long an idle worker is kept for the next call, in seconds: any steady rate of calls (one per 10 s) finds
     * a parked thread, and an idle server drops its threads soon after a burst.
     */
    public static final long KEEP_ALIVE_SECONDS = 10;

    private final ThreadPoolExecutor pool;

    @javax.inject.Inject
    public Workers() {
        this("quilt-api-");
    }

    /** A pool whose threads are named {@code prefix} and a number. */
    public Workers(String prefix) {
        pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
                new SynchronousQueue<>(), Thread.ofPlatform().name(prefix, 0).daemon(true).factory());
    }

    /** The pool, for those that hand it tasks (the server's connections). */
    public ExecutorService executor() {
        return pool;
    }

    /** Runs {@code task} on a worker; the future ends with it (joined by who waits for the task's end). */
    public CompletableFuture<Void> run(Runnable task) {
        return CompletableFuture.runAsync(task, pool);
    }

    /** Threads alive now, working or idle (for tests and the bench). */
    public int threads() {
        return pool.getPoolSize();
    }

    /** Stops the pool: running tasks are interrupted, idle threads go. */
    @Override
    public void close() {
        pool.shutdownNow();
    }
}
