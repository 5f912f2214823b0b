package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.ContainerLogs;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Logs in memory: each container's records in the order written, and which writers (monitors) are alive. A follow
 * waits on this object's monitor for a record, its writer's end or a hang-up: woken, never polling.
 */
public final class FakeContainerLogs implements ContainerLogs {
    private final Map<ContainerId, List<Entry>> logs = new HashMap<>();
    private final Set<ProcessRef> writers = new HashSet<>();

    /** The container's log begins, written by {@code writer} while it lives. */
    public synchronized void open(ContainerId id, ProcessRef writer) {
        logs.computeIfAbsent(id, k -> new ArrayList<>());
        writers.add(writer);
    }

    /** Appends a record (a log is made if there was none). */
    public synchronized void append(ContainerId id, Entry e) {
        logs.computeIfAbsent(id, k -> new ArrayList<>()).add(e);
        notifyAll();
    }

    /** The writer has gone: follows of its log end once drained. */
    public synchronized void writerGone(ProcessRef writer) {
        writers.remove(writer);
        notifyAll();
    }

    @Override
    public void copy(ContainerId id, OutputStream out, OutputStream err, Optional<ProcessRef> followUntilGone) {
        read(id, new Reader() {
            @Override
            public void entry(Entry e) throws IOException {
                OutputStream to = e.stream() == Stream.STDERR ? err : out;
                to.write(e.text());
                if (e.newline()) to.write('\n');
            }
        }, followUntilGone, new CompletableFuture<>());
    }

    @Override
    public void read(ContainerId id, Reader reader, Optional<ProcessRef> followUntilGone, CompletionStage<?> hangUp) {
        boolean[] hungUp = {false};
        hangUp.thenRun(() -> {
            synchronized (this) {
                hungUp[0] = true;
                notifyAll();
            }
        });
        int next = 0;
        try {
            while (true) {
                List<Entry> fresh;
                boolean writing;
                synchronized (this) {
                    List<Entry> log = logs.get(id);
                    if (log == null) throw QuiltException.notFound("container '" + id.shortForm() + "' has no log");
                    fresh = new ArrayList<>(log.subList(next, log.size()));
                    next = log.size();
                    writing = followUntilGone.isPresent() && writers.contains(followUntilGone.get());
                }
                for (Entry e : fresh) reader.entry(e);
                reader.caughtUp();
                synchronized (this) {
                    while (writing && !hungUp[0] && logs.get(id).size() == next
                            && writers.contains(followUntilGone.get())) {
                        wait();
                    }
                    if (hungUp[0]) return;
                    if (!writing) return;
                }
            }
        } catch (IOException e) {
            // the reader has gone
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
