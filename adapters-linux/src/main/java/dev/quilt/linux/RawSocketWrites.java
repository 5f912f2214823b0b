package dev.quilt.linux;

import dev.quilt.linux.jni.Sockets;

/**
 * Writes to a connected socket that another owner (the server's event loop) keeps open and non-blocking, from a
 * thread that may block: all of the bytes, waiting with poll(2) while the socket is full. For a connection the
 * API has taken over (Docker's hijack), whose bytes go straight to the socket (see the serve package's ChannelOut).
 */
public final class RawSocketWrites {
    private static volatile boolean loaded;

    private RawSocketWrites() {}

    /** Whether Quilt's native library is loaded in this JVM (it is in a server; a unit test may have none). */
    public static boolean available() {
        if (loaded) return true;
        try {
            Sockets.writeAll(-1, new byte[0], 0, 0); // no bytes: no system call
            loaded = true;
        } catch (UnsatisfiedLinkError none) {
            return false;
        }
        return true;
    }

    /** All of {@code b[off, off+len)} to {@code fd}: 0, or -errno (EPIPE: the reader has gone). */
    public static int writeAll(int fd, byte[] b, int off, int len) {
        return Sockets.writeAll(fd, b, off, len);
    }

    /**
     * Makes a fd a client passed (SCM_RIGHTS) blocking again: Netty's receipt of it set O_NONBLOCK on the open file,
     * which the client shares, so a command writing to it would meet EAGAIN. 0, or -errno.
     */
    public static int blocking(int fd) {
        return Sockets.blocking(fd);
    }

    /**
     * Gives a fd a client passed the status flags the client had on it ({@code F_GETFL}'s, sent with it): Netty's
     * receipt set O_NONBLOCK and dropped O_APPEND on the open file, which the client shares. 0, or -errno.
     */
    public static int statusFlags(int fd, int flags) {
        return Sockets.statusFlags(fd, flags);
    }

    /** Waits until {@code fd} takes a write, or has failed or hung up: 0, or -errno. */
    public static int writable(int fd) {
        return Sockets.writable(fd);
    }
}
