package dev.quilt.linux.logs;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.ProcStat;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Watches;
import dev.quilt.ports.ContainerLogs;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Reads the CRI log quilt-monitor writes ({@code TIME STREAM F|P TEXT}) back
 * into the two streams. Following is inotify on the file plus the monitor's
 * pidfd in one epoll: lines as they come, and the end when the monitor leaves.
 */
public final class CriLogs implements ContainerLogs {
    private final LinuxPaths paths;

    public CriLogs(LinuxPaths paths) {
        this.paths = paths;
    }

    @Override
    public void copy(ContainerId id, OutputStream out, OutputStream err, Optional<ProcessRef> followUntilGone) {
        Path log = paths.log(id);
        int inotify = -1, monitorFd = -1;
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
            LineSplitter lines = new LineSplitter(out, err);
            if (followUntilGone.isPresent()) {
                inotify = Watches.inotify();
                Watches.watch(inotify, log.toString(), Watches.mask("IN_MODIFY"));
                monitorFd = Processes.openPidfd(followUntilGone.get().pid());
                if (monitorFd >= 0 && !ProcStat.alive(followUntilGone.get())) {
                    Processes.closeFd(monitorFd);
                    monitorFd = -1;
                }
            }
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            while (true) {
                int n;
                while ((n = ch.read(buf.clear())) > 0) lines.feed(buf.array(), n);
                out.flush();
                err.flush();
                if (monitorFd < 0) break; // not following, or the writer is gone: what is there is all
                int ready = Watches.await(new int[] {inotify, monitorFd}, -1);
                if (ready == 0) {
                    Watches.drainEvents(inotify);
                } else {
                    Processes.closeFd(monitorFd);
                    monitorFd = -1; // one last read picks up what it wrote before leaving
                }
            }
        } catch (NoSuchFileException e) {
            throw QuiltException.notFound("container '" + id.shortForm() + "' has no log: it runs in the foreground");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            Processes.closeFd(monitorFd);
            Processes.closeFd(inotify);
        }
    }

    /** Splits the file into records, across reads. */
    static final class LineSplitter {
        private final OutputStream out, err;
        private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

        LineSplitter(OutputStream out, OutputStream err) {
            this.out = out;
            this.err = err;
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

        /** {@code TIME STREAM TAG TEXT}: F ends a line, P does not. */
        private void record(byte[] line) throws IOException {
            int a = indexOf(line, 0), b = a < 0 ? -1 : indexOf(line, a + 1), c = b < 0 ? -1 : indexOf(line, b + 1);
            if (c < 0) return; // not a record of ours
            String stream = new String(line, a + 1, b - a - 1, StandardCharsets.US_ASCII);
            boolean full = line[b + 1] == 'F';
            OutputStream to = stream.equals("stderr") ? err : out;
            to.write(line, c + 1, line.length - c - 1);
            if (full) to.write('\n');
        }

        private static int indexOf(byte[] line, int from) {
            for (int i = from; i < line.length; i++) if (line[i] == ' ') return i;
            return -1;
        }
    }
}
