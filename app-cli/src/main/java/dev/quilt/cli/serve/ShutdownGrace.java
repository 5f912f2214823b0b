package dev.quilt.cli.serve;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What a stopping server waits for within its {@code --grace}: the calls in flight (counted by {@link ApiServer}, and
 * the fast CLI's by its {@code FastCall}: a {@code quilt exec} through the server is an exec session as an API one is),
 * and the exit codes of attached execs whose stream ended while it was stopping. The docker CLI ({@code docker exec})
 * and docker-py ({@code exec_run}) learn the code from {@code GET /exec/{id}/json} right after the stream's end, on a
 * connection they keep; a server that left as soon as the stream ended would leave them without it (the CLI then
 * exits 255, or with a stale 0). So such an exec holds the stop until it is inspected or the grace is over. A client
 * that never inspects holds the stop for the rest of the grace at most.
 *
 * <p>Waits are on this object's monitor, woken by each change (an event, not a poll); the grace is the deadline.
 */
@javax.inject.Singleton
public final class ShutdownGrace {
    private final Object lock = new Object();
    private int inFlight;
    private boolean stopping;
    private final Set<String> unread = new HashSet<>();

    @javax.inject.Inject
    public ShutdownGrace() {}

    /** A call began (an API call, or a fast CLI call: {@code cli.fast.FastCall}). */
    public void begun() {
        synchronized (lock) {
            inFlight++;
        }
    }

    /** A call ended (answered, or its stream closed). */
    public void ended() {
        synchronized (lock) {
            inFlight--;
            lock.notifyAll();
        }
    }

    /** The server stops: from now on an ended exec stream holds the stop until its exec is inspected. */
    public void stopping() {
        synchronized (lock) {
            stopping = true;
        }
    }

    /**
     * Called as the attached stream of exec {@code execId} ends (its exit code already known): if the server is
     * stopping, the stop waits (within its grace) for {@link #inspected} of that exec.
     */
    public void streamEnded(String execId) {
        synchronized (lock) {
            if (stopping) unread.add(execId);
        }
    }

    /** Exec {@code execId} was inspected: a stop that waited for its client to read its exit code goes on. */
    public void inspected(String execId) {
        synchronized (lock) {
            if (unread.remove(execId)) lock.notifyAll();
        }
    }

    /**
     * Waits until no call is in flight and no exit code waits to be read, or until {@code deadlineNanos}
     * ({@link System#nanoTime}) has passed; says whether all ended.
     */
    boolean await(long deadlineNanos) throws InterruptedException {
        synchronized (lock) {
            while (inFlight > 0 || !unread.isEmpty()) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
            return true;
        }
    }
}
