package dev.quilt.cli.serve;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ProcessRef;
import dev.quilt.ports.ExecRecords;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The server's exec records, written behind its replies: {@link #save} and {@link #exited} queue the write and
 * return, and one thread of the server's writes them in the order they were made, each still atomic as
 * {@link ExecRecords} writes it (temp, fsync, rename, fsync of the directory). {@code POST /containers/{id}/exec}
 * thus answers without waiting for the disk (two fsyncs, about 1 ms), and an exec's start does not wait for its
 * started record. Reads go straight to the records underneath.
 *
 * <p>Rules. Per exec the order is kept: a record is written only in its latest version, so a create record still
 * queued when the started one comes is not written at all, and one never overwrites a later one. A record is never
 * written after its container's removal took the directory (the records underneath make nothing for a removed
 * container). The server's own exit record (the one it writes when it heard RESULT first) is not written when
 * quilt-exec's is there already: the same end, two fsyncs saved. {@link #stop} (a server stopping on SIGTERM or
 * SIGINT) writes everything queued before it returns, and from then on each write is made in its caller's thread
 * again, as before {@link #start}. A server killed (SIGKILL, a crash) loses what was still queued: the records of
 * execs made or started in its last moments (a few milliseconds' worth), as a restarted dockerd knows none of its
 * execs; such an exec's end is still recorded by quilt-exec itself, and the command runs on either way.
 */
@javax.inject.Singleton
public final class ExecRecordWriter implements ExecRecords, Background {
    private final ExecRecords disk;
    private final PrintStream err;
    private final Object lock = new Object();
    /** The keys of the writes queued, in the order they were made; {@link #latest} holds what each one writes. */
    private final ArrayDeque<String> order = new ArrayDeque<>();
    private final Map<String, Runnable> latest = new HashMap<>();
    private Thread thread; // null: each write is made in its caller's thread
    private boolean stopping;
    private boolean busy; // the thread is making a write it took

    @javax.inject.Inject
    public ExecRecordWriter(ExecRecords disk) {
        this(disk, System.err);
    }

    public ExecRecordWriter(ExecRecords disk, PrintStream err) {
        this.disk = disk;
        this.err = err;
    }

    /** From now on writes are queued and made by a thread of their own. */
    @Override
    public void start() {
        synchronized (lock) {
            if (thread != null) return;
            stopping = false;
            thread = Thread.ofPlatform().daemon().name("quilt-exec-records").start(this::drain);
        }
    }

    /** Writes everything queued, then returns; later writes are made in their callers' threads. */
    @Override
    public void stop() {
        Thread t;
        synchronized (lock) {
            t = thread;
            if (t == null) return;
            stopping = true;
            lock.notifyAll();
        }
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the queue is still written: that is what a stop promises
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /**
     * Waits until every write queued before this call has been made (for tests; the server never waits for its
     * records). A woken wait on the queue's state, no poll.
     */
    public void flush() throws InterruptedException {
        synchronized (lock) {
            while (thread != null && (!order.isEmpty() || busy)) lock.wait();
        }
    }

    @Override
    public void save(Exec exec) {
        write("exec " + exec.id(), () -> disk.save(exec));
    }

    @Override
    public void exited(ContainerId container, String execId, Exit exit) {
        write("exit " + execId, () -> {
            if (disk.exit(container, execId).isEmpty()) disk.exited(container, execId, exit);
        });
    }

    /**
     * Queues the exec's forgetting in its record's turn (a save still queued for it is not made) and drops a queued
     * exit record of the server's for it, so nothing of it is written after.
     */
    @Override
    public void forget(ContainerId container, String execId) {
        synchronized (lock) {
            latest.remove("exit " + execId); // its key stays in the order; the drain skips it
        }
        write("exec " + execId, () -> disk.forget(container, execId));
    }

    private void write(String key, Runnable w) {
        synchronized (lock) {
            if (thread != null) {
                if (latest.put(key, w) == null) order.add(key); // a newer version takes the older one's turn
                lock.notifyAll();
                return;
            }
        }
        w.run();
    }

    private void drain() {
        while (true) {
            Runnable w;
            synchronized (lock) {
                busy = false;
                lock.notifyAll(); // a flush waiting for the queue's end
                while (order.isEmpty() && !stopping) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        stopping = true; // stop as asked, but only once the queue is written
                    }
                }
                if (order.isEmpty()) {
                    thread = null; // stopped: callers write for themselves again
                    lock.notifyAll();
                    return;
                }
                w = latest.remove(order.poll());
                if (w == null) continue; // dropped while queued (forget)
                busy = true;
            }
            try {
                w.run();
            } catch (RuntimeException e) {
                // the server's record of an exec could not be made (a full disk): the exec itself is fine, and its
                // end is still quilt-exec's to record; say it once where the operator looks
                err.println("quilt serve: " + e.getMessage());
            }
        }
    }

    /** Makes the container's exec directory now, so quilt-exec can open it even before the create record is written. */
    @Override
    public void prepare(ContainerId container) {
        disk.prepare(container);
    }

    @Override
    public List<Exec> all() {
        return disk.all();
    }

    @Override
    public Optional<Exit> exit(ContainerId container, String execId) {
        return disk.exit(container, execId);
    }

    @Override
    public Path exitRecord(ContainerId container, String execId) {
        return disk.exitRecord(container, execId);
    }

    @Override
    public Optional<ProcessRef> identify(int pid) {
        return disk.identify(pid);
    }

    @Override
    public boolean alive(ProcessRef process) {
        return disk.alive(process);
    }

    @Override
    public boolean containerKept(ContainerId container) {
        return disk.containerKept(container);
    }
}
