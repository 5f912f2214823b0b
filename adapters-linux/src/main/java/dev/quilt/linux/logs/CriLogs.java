package dev.quilt.linux.logs;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.ProcStat;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Sockets;
import dev.quilt.linux.jni.Watches;
import dev.quilt.ports.ContainerLogs;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Reads the CRI log quilt-monitor writes ({@code TIME STREAM F|P TEXT}) back
 * into the two streams: {@code container.log.1} (what came before the last
 * rotation), then {@code container.log}. A P record is text that came without
 * its newline (yet); it is printed as it is, so a partial line shows at once.
 * Following is inotify on the log's directory plus the monitor's pidfd in one
 * epoll: records as they come, a rotation noticed by the file under the name
 * changing (the old one is read to its end first), and the end when the
 * monitor leaves.
 */
public final class CriLogs implements ContainerLogs {
    private final LinuxPaths paths;

    public CriLogs(LinuxPaths paths) {
        this.paths = paths;
    }

    /** One log file open for reading, and which file it is (dev and inode). */
    private record Source(FileChannel channel, Object key) {}

    /** Our own output is closed (logs | head): there is no one left to copy to. */
    private static final class ReaderGone extends IOException {
        ReaderGone(IOException cause) {
            super(cause);
        }
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

            @Override
            public void caughtUp() throws IOException {
                out.flush();
                err.flush();
            }
        }, followUntilGone, new CompletableFuture<>());
    }

    /**
     * A socketpair whose first end becomes readable when the client hangs up: one more fd in the follow's epoll.
     * Closed under its lock, so a late hang-up never writes to an fd number that was closed and reused.
     */
    private static final class Wake implements AutoCloseable {
        private final int[] pair = Sockets.pair();
        private boolean closed;

        int fd() {
            return pair[0];
        }

        synchronized void ring() {
            if (!closed) Sockets.send(pair[1], new byte[] {1}, 1, "the log follower");
        }

        @Override
        public synchronized void close() {
            closed = true;
            Processes.closeFd(pair[0]);
            Processes.closeFd(pair[1]);
        }
    }

    @Override
    public void read(ContainerId id, Reader reader, Optional<ProcessRef> followUntilGone, CompletionStage<?> hangUp) {
        Path log = paths.log(id);
        int inotify = -1, monitorFd = -1;
        Wake wake = null;
        Source current = null;
        try {
            // between the monitor's rename of the log to .1 and its creation of the next one there is no
            // log under the name: then .1 is the current file, and the next one comes as an IN_CREATE
            Optional<Source> named = open(log);
            boolean midRotation = named.isEmpty();
            current = named.or(() -> openQuietly(paths.rotatedLog(id)))
                    .orElseThrow(() -> new NoSuchFileException(log.toString()));
            if (followUntilGone.isPresent()) {
                // watched before the first read: nothing written in between is missed
                inotify = Watches.inotify();
                Watches.watch(inotify, log.getParent().toString(), Watches.mask("IN_MODIFY")
                        | Watches.mask("IN_CREATE") | Watches.mask("IN_MOVED_TO"));
                monitorFd = Processes.openPidfd(followUntilGone.get().pid());
                if (monitorFd >= 0 && !ProcStat.alive(followUntilGone.get())) {
                    Processes.closeFd(monitorFd);
                    monitorFd = -1;
                }
                wake = new Wake();
                Wake w = wake;
                hangUp.thenRun(w::ring);
            }
            LineSplitter lines = new LineSplitter(reader);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            // the older part first; if it is the file we just opened, a rotation came between the two opens
            Optional<Source> older = midRotation ? Optional.empty() : open(paths.rotatedLog(id));
            if (older.isPresent()) {
                try (FileChannel ch = older.get().channel()) {
                    if (!older.get().key().equals(current.key())) drain(ch, buf, lines);
                }
            }
            while (true) {
                drain(current.channel(), buf, lines);
                Object now = keyOf(log);
                if (now != null && !now.equals(current.key())) {
                    // rotated: what was written before the rename is in the old file; then the new one
                    drain(current.channel(), buf, lines);
                    Optional<Source> next = open(log);
                    if (next.isPresent()) {
                        current.channel().close();
                        current = next.get();
                        continue;
                    }
                }
                guardedCaughtUp(reader);
                if (monitorFd < 0) break; // not following, or the writer is gone: what is there is all
                int ready = Watches.await(new int[] {inotify, monitorFd, wake.fd()}, -1);
                if (ready == 0) {
                    Watches.drainEvents(inotify);
                } else if (ready == 2) {
                    break; // the client hung up: nobody reads on
                } else {
                    Processes.closeFd(monitorFd);
                    monitorFd = -1; // one last read picks up what it wrote before leaving
                }
            }
        } catch (NoSuchFileException e) {
            throw QuiltException.notFound("container '" + id.shortForm() + "' has no log: it runs in the foreground");
        } catch (ReaderGone e) {
            // as cat stops when its reader has gone: nothing is wrong with the log
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (current != null) {
                try {
                    current.channel().close();
                } catch (IOException e) {
                    // read-only: nothing to lose
                }
            }
            if (wake != null) wake.close();
            Processes.closeFd(monitorFd);
            Processes.closeFd(inotify);
        }
    }

    private static void guardedCaughtUp(Reader reader) throws ReaderGone {
        try {
            reader.caughtUp();
        } catch (IOException e) {
            throw new ReaderGone(e);
        }
    }

    /** Reads to the end of what is there now. */
    private static void drain(FileChannel ch, ByteBuffer buf, LineSplitter lines) throws IOException {
        if (ch.position() > ch.size()) {
            // the monitor cut back a record a full disk tore; it writes on from there
            lines.discardPending();
            ch.position(ch.size());
        }
        int n;
        while ((n = ch.read(buf.clear())) > 0) lines.feed(buf.array(), n);
    }

    /** The file under {@code path} now, opened, with its identity; empty when there is none. */
    private static Optional<Source> open(Path path) throws IOException {
        while (true) {
            Object before = keyOf(path);
            if (before == null) return Optional.empty();
            FileChannel ch;
            try {
                ch = FileChannel.open(path, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
            // the same file before and after the open: the channel is that file (else a rotation came between)
            if (before.equals(keyOf(path))) return Optional.of(new Source(ch, before));
            ch.close();
        }
    }

    private static Optional<Source> openQuietly(Path path) {
        try {
            return open(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object keyOf(Path path) throws IOException {
        try {
            return Objects.requireNonNull(Files.readAttributes(path, BasicFileAttributes.class).fileKey());
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Splits the file into records, across reads, and hands each to the reader. */
    static final class LineSplitter {
        private final Reader reader;
        private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

        LineSplitter(Reader reader) {
            this.reader = reader;
        }

        void feed(byte[] data, int len) throws IOException {
            int start = 0;
            for (int i = 0; i < len; i++) {
                if (data[i] != '\n') continue;
                pending.write(data, start, i - start);
                record(pending.toByteArray());
                pending.reset();
                start = i + 1;
            }
            pending.write(data, start, len - start);
        }

        /** Forgets the start of a record that will not be finished. */
        void discardPending() {
            pending.reset();
        }

        /**
         * {@code TIME STREAM TAG TEXT}: F ends a line, P does not. TIME is RFC 3339 with ns (the monitor's
         * {@code CLOCK_REALTIME}); one that does not parse is the epoch, the text still shown.
         */
        private void record(byte[] line) throws IOException {
            int a = indexOf(line, 0), b = a < 0 ? -1 : indexOf(line, a + 1), c = b < 0 ? -1 : indexOf(line, b + 1);
            if (c < 0) return; // not a record of ours
            String stream = new String(line, a + 1, b - a - 1, StandardCharsets.US_ASCII);
            boolean full = line[b + 1] == 'F';
            Instant time;
            try {
                time = Instant.parse(new String(line, 0, a, StandardCharsets.US_ASCII));
            } catch (DateTimeParseException e) {
                time = Instant.EPOCH;
            }
            Entry e = new Entry(time, stream.equals("stderr") ? Stream.STDERR : Stream.STDOUT,
                    java.util.Arrays.copyOfRange(line, c + 1, line.length), full);
            try {
                reader.entry(e);
            } catch (IOException x) {
                throw new ReaderGone(x);
            }
        }

        private static int indexOf(byte[] line, int from) {
            for (int i = from; i < line.length; i++) if (line[i] == ' ') return i;
            return -1;
        }
    }
}
