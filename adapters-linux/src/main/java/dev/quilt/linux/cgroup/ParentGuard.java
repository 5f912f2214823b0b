package dev.quilt.linux.cgroup;

import dev.quilt.domain.QuiltException;
import dev.quilt.linux.IoErrors;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * Keeps a root's parent cgroup from being removed while a container's cgroup
 * is made under it, so neither side needs to retry. Makers hold the guard
 * shared from the parent's {@code mkdir} to the child's; the remover takes it
 * exclusively without waiting and, when it cannot, leaves the parent: someone
 * is making a container in it, and the last removal after that tries again.
 *
 * <p>Across processes the guard is an fcntl lock on {@code lockFile} (in the
 * state root's run directory); fcntl locks belong to the process, so one JVM
 * holds the shared lock once for all its makers (counted) and keeps the file
 * open for its life (closing any descriptor of it would drop the lock). Within
 * one JVM it is a read-write lock. Without a lock file (a scratch parent in
 * tests) only the JVM's lock applies.
 */
final class ParentGuard {
    private static final Map<String, ParentGuard> GUARDS = new ConcurrentHashMap<>();

    private final Optional<Path> lockFile;
    private final ReentrantReadWriteLock jvm = new ReentrantReadWriteLock();
    private FileChannel channel; // guarded by this
    private FileLock shared; // guarded by this
    private int makers; // guarded by this

    private ParentGuard(Optional<Path> lockFile) {
        this.lockFile = lockFile;
    }

    /** The one guard of {@code parent} in this JVM (keyed by the lock file when there is one). */
    static ParentGuard of(String parent, Optional<Path> lockFile) {
        return GUARDS.computeIfAbsent(lockFile.map(Path::toString).orElse("cgroup:" + parent),
                k -> new ParentGuard(lockFile));
    }

    /** Runs {@code make} (parent mkdir, then the child's) with the parent safe from removal. */
    <T> T whileMaking(Supplier<T> make) {
        jvm.readLock().lock();
        try {
            holdShared();
            try {
                return make.get();
            } finally {
                releaseShared();
            }
        } finally {
            jvm.readLock().unlock();
        }
    }

    /**
     * Runs {@code remove} only if no one here or in another process is making a container now. Another remover in
     * this JVM (a server removes several containers at once) is waited for, not taken for a maker: else two last
     * removals could each see the other's child and both leave the parent.
     */
    void ifNoOneMaking(Runnable remove) {
        if (!jvm.writeLock().tryLock()) {
            // makers hold the read lock: they are the ones whose removal comes later and tries again
            if (jvm.getReadLockCount() > 0) return;
            jvm.writeLock().lock();
        }
        try {
            FileLock exclusive = null;
            if (lockFile.isPresent()) {
                synchronized (this) {
                    exclusive = tryExclusive();
                }
                if (exclusive == null) return;
            }
            try {
                remove.run();
            } finally {
                if (exclusive != null) release(exclusive);
            }
        } finally {
            jvm.writeLock().unlock();
        }
    }

    private synchronized void holdShared() {
        if (lockFile.isEmpty() || makers++ > 0) return;
        try {
            shared = channel().lock(0, Long.MAX_VALUE, true); // waits for a removal in progress: a kernel lock, no timer
        } catch (IOException e) {
            makers--;
            throw failed(e);
        }
    }

    private synchronized void releaseShared() {
        if (lockFile.isEmpty() || --makers > 0) return;
        release(shared);
        shared = null;
    }

    private FileLock tryExclusive() {
        try {
            return channel().tryLock(0, Long.MAX_VALUE, false);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private FileChannel channel() throws IOException {
        if (channel == null) {
            Path f = lockFile.orElseThrow();
            Files.createDirectories(f.getParent());
            channel = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE); // a shared fcntl lock needs a readable descriptor
        }
        return channel;
    }

    private void release(FileLock lock) {
        try {
            lock.release();
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private QuiltException failed(IOException e) {
        return new QuiltException(QuiltException.Kind.SYSTEM, "cannot lock " + lockFile.map(Path::toString).orElse("")
                + " (the guard of the root's parent cgroup): " + IoErrors.why(e));
    }
}
