package dev.quilt.linux.state;

import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Watches;
import dev.quilt.ports.StateChanges;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * inotify on the run directory (a container directory renamed in by a create, renamed away by an rm) and on each
 * container directory in it ({@code state.json} and {@code exit.json} renamed in, the {@code activity} mark's
 * time set). A new container directory gets its watch before {@link Watch#await} returns, so the caller's next
 * reading of the records is covered. Closing removes the run directory's watch: the kernel's {@code IN_IGNORED}
 * wakes a blocked waiter.
 */
public final class InotifyStateChanges implements StateChanges {
    private final LinuxPaths paths;

    public InotifyStateChanges(LinuxPaths paths) {
        this.paths = paths;
    }

    @Override
    public Watch watch() {
        return new InotifyWatch(paths.run());
    }

    private static final class InotifyWatch implements Watch {
        private final Path run;
        private final int fd;
        private final int runWd;
        private final int dirMask;
        private boolean closed;
        private boolean awaiting;
        private boolean fdClosed;

        InotifyWatch(Path run) {
            this.run = run;
            try {
                Files.createDirectories(run);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            this.fd = Watches.inotify();
            this.dirMask = Watches.mask("IN_CREATE") | Watches.mask("IN_MOVED_TO") | Watches.mask("IN_MOVED_FROM")
                    | Watches.mask("IN_DELETE") | Watches.mask("IN_CLOSE_WRITE") | Watches.mask("IN_ATTRIB")
                    | Watches.mask("IN_ONLYDIR");
            try {
                this.runWd = Watches.watch(fd, run.toString(), dirMask);
                watchContainerDirs();
            } catch (RuntimeException e) {
                Processes.closeFd(fd);
                throw e;
            }
        }

        /** A watch on each directory in the run directory (adding one twice only updates it). */
        private void watchContainerDirs() {
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(run)) {
                for (Path d : dirs) {
                    if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) continue;
                    try {
                        Watches.watch(fd, d.toString(), dirMask);
                    } catch (RuntimeException gone) {
                        // renamed away or removed as we looked: the run directory's own event tells
                    }
                }
            } catch (IOException e) {
                // the run directory's watch still tells of the next change
            }
        }

        @Override
        public boolean await() {
            synchronized (this) {
                if (closed) return false;
                awaiting = true;
            }
            try {
                Watches.await(new int[] {fd}, -1);
                synchronized (this) {
                    if (closed) return false;
                }
                Watches.drainEvents(fd);
                watchContainerDirs();
                return true;
            } finally {
                synchronized (this) {
                    awaiting = false;
                    if (closed) closeFd();
                }
            }
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) return;
                closed = true;
                if (!awaiting) {
                    closeFd();
                    return;
                }
                try {
                    Watches.unwatch(fd, runWd); // IN_IGNORED: the waiter wakes, sees closed, and closes the fd
                } catch (RuntimeException e) {
                    // the run directory went away: its IN_IGNORED has woken the waiter already
                }
            }
        }

        private void closeFd() {
            if (fdClosed) return;
            fdClosed = true;
            Processes.closeFd(fd);
        }
    }
}
