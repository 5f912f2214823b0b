package dev.quilt.cli.serve;

import dev.quilt.domain.QuiltException;
import dev.quilt.linux.AtomicFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;

/**
 * One server per state root: an fcntl lock on {@code RUN/.serve.lock}, held while the server lives (the kernel lets
 * go when it dies, however it dies), and its pid in {@code RUN/.serve.pid} (written atomically) so a second server
 * can say whose it is. Whoever holds the lock owns the socket path: a socket left there is a dead server's and is
 * removed; anything else there is not Quilt's and is refused.
 */
public final class ServeLock implements AutoCloseable {
    public static final String LOCK = ".serve.lock";
    public static final String PID = ".serve.pid";

    private final Path run;
    private final FileChannel channel;
    private final FileLock lock;

    private ServeLock(Path run, FileChannel channel, FileLock lock) {
        this.run = run;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the root's lock, or throws a conflict naming the pid that holds it. */
    public static ServeLock acquire(Path run) {
        try {
            Files.createDirectories(run);
            FileChannel ch = FileChannel.open(run.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                ch.close();
                throw QuiltException.conflict("a server already serves " + run + " (pid "
                        + holder(run) + "); stop it first (kill -TERM it), or give this one another --root");
            }
            AtomicFiles.write(run.resolve(PID), (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII));
            return new ServeLock(run, ch, l);
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot lock " + run.resolve(LOCK) + ": "
                    + dev.quilt.linux.IoErrors.why(e), e);
        }
    }

    /** The pid a live server wrote, or "unknown" while it has not written it yet. */
    private static String holder(Path run) {
        try {
            return Files.readString(run.resolve(PID), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** The pid of the server that serves {@code run}, if one does (its lock is held). */
    public static java.util.Optional<Long> serving(Path run) {
        Path lockFile = run.resolve(LOCK);
        if (!Files.exists(lockFile)) return java.util.Optional.empty();
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l != null) {
                l.release();
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(Long.parseLong(holder(run)));
        } catch (IOException | NumberFormatException | java.nio.channels.OverlappingFileLockException e) {
            return java.util.Optional.empty();
        }
    }

    /** Makes {@code socket} free to bind: a dead server's socket goes; a file Quilt did not make is refused. */
    public void reclaim(Path socket) {
        try {
            if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) return;
            PosixFileAttributes a = Files.readAttributes(socket, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isOther()) {
                throw QuiltException.conflict(socket + " exists and is not a socket; quilt did not make it, so it"
                        + " leaves it alone: remove it or give --socket another path");
            }
            Files.delete(socket);
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot remove the stale socket " + socket + ": "
                    + dev.quilt.linux.IoErrors.why(e), e);
        }
    }

    /** Removes the pid file and lets go of the lock. */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(run.resolve(PID));
            lock.release();
            channel.close();
        } catch (IOException e) {
            // the lock goes with the process anyway
        }
    }
}
