package dev.quilt.linux.jni;

/** Peer of native/src/jni/sockets.c: a SOCK_SEQPACKET pair, one message per datagram. */
public final class Sockets {
    private Sockets() {}

    static native long socketPair();

    static native long pipePair();

    static native int readFd(int fd, byte[] buf, int off, int len);

    static native int writeFd(int fd, byte[] buf, int off, int len);

    static native long socketPairStream();

    static native int sendMessage(int fd, byte[] buf, int len);

    static native int receiveMessage(int fd, byte[] buf);

    static native int sendFds(int fd, int[] fds);

    static native int sendForkMessage(int fd, int[] fds);

    static native int awaitWritable(int fd);

    static native int clearNonBlocking(int fd);

    static native int setStatusFlags(int fd, int flags);

    /** fcntl(2) F_SETFL: {@code flags} as a F_GETFL gave them (only O_APPEND, O_NONBLOCK and the like change). 0 or -errno. */
    public static int statusFlags(int fd, int flags) {
        return setStatusFlags(fd, flags);
    }

    static native int receiveMessageWithin(int fd, byte[] buf, long timeoutMs);

    /** What {@link #receive(int, byte[], String, java.time.Instant)} returns when the deadline came first. */
    public static final int TIMED_OUT = -1;

    /** Two connected fds, both O_CLOEXEC. */
    public static int[] pair() {
        long v = NativeException.check(socketPair(), "socketpair", "AF_UNIX, SOCK_SEQPACKET");
        return new int[] {(int) (v >>> 32), (int) v};
    }

    /** pipe2(2) with O_CLOEXEC: {read end, write end}. */
    public static int[] pipe() {
        long v = NativeException.check(pipePair(), "pipe2", "O_CLOEXEC");
        return new int[] {(int) (v >>> 32), (int) v};
    }

    /**
     * An fd of ours (a pipe's read end) as a stream that reads with read(2) and closes the fd; never reopened
     * through /proc, so it stays O_CLOEXEC and no helper spawned meanwhile inherits it.
     */
    public static FdInput input(int fd, String peer) {
        return new FdInput() {
            private boolean closed;

            @Override
            public int read() throws java.io.IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws java.io.IOException {
                if (len == 0) return 0;
                int n = readFd(fd, b, off, len);
                if (n < 0) throw new java.io.IOException("read from " + peer + ": " + Errors.name(-n));
                return n == 0 ? -1 : n;
            }

            @Override
            public void close() {
                if (!closed) Processes.closeFd(fd);
                closed = true;
            }
        };
    }

    /** An fd of ours (a pipe's write end) as a stream that writes with write(2) and closes the fd. */
    public static FdOutput output(int fd, String peer) {
        return new FdOutput() {
            private boolean closed;

            @Override
            public void write(int b) throws java.io.IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                int rc = writeFd(fd, b, off, len);
                if (rc < 0) throw new java.io.IOException("write to " + peer + ": " + Errors.name(-rc));
            }

            @Override
            public void close() {
                if (!closed) Processes.closeFd(fd);
                closed = true;
            }
        };
    }

    /** A stream over one of our fds whose close cannot fail. */
    public abstract static class FdInput extends java.io.InputStream {
        @Override
        public abstract void close();
    }

    /** A stream over one of our fds whose close cannot fail. */
    public abstract static class FdOutput extends java.io.OutputStream {
        @Override
        public abstract void close();
    }

    /** Two connected SOCK_STREAM fds, both O_CLOEXEC and blocking: a command's stdin, stdout or stderr and our end. */
    public static int[] streamPair() {
        long v = NativeException.check(socketPairStream(), "socketpair", "AF_UNIX, SOCK_STREAM");
        return new int[] {(int) (v >>> 32), (int) v};
    }

    public static void send(int fd, byte[] message, int length, String peer) {
        NativeException.check(sendMessage(fd, message, length), "send", peer);
    }

    /**
     * One FDS message carrying {@code fds} (1 to 253, SCM_MAX_FD) with SCM_RIGHTS: the peer gets copies.
     * EBADF when one of them is not open.
     */
    public static void sendFds(int fd, int[] fds, String peer) {
        NativeException.check(sendFds(fd, fds), "sendmsg", peer);
    }

    /**
     * One FORK message to an exec zygote carrying {@code fds} (stdin, stdout, stderr, the exec's socket) with
     * SCM_RIGHTS. Returns 0, or {@code -errno}: EPIPE or ECONNRESET when the zygote has gone, which the caller
     * takes as "use another", not as a failure of the exec.
     */
    /**
     * Writes all of {@code b[off, off+len)} to {@code fd}, which stays open and may be non-blocking (a connection of
     * the server's event loop): a full socket is waited on (poll), so the caller blocks. 0, or -errno (EPIPE: the
     * reader has gone).
     */
    public static int writeAll(int fd, byte[] b, int off, int len) {
        return writeFd(fd, b, off, len);
    }

    /** Makes {@code fd} blocking (O_NONBLOCK cleared, its other status flags kept): 0, or -errno. */
    public static int blocking(int fd) {
        return clearNonBlocking(fd);
    }

    /** Waits (poll, no deadline) until {@code fd} takes a write, or has failed or hung up: 0, or -errno. */
    public static int writable(int fd) {
        return awaitWritable(fd);
    }

    public static int sendFork(int fd, int[] fds) {
        return sendForkMessage(fd, fds);
    }

    /**
     * Blocks for the next message; 0 means the peer closed its end. A peer that closed with messages of ours unread
     * (an FDS a short exec's quilt-exec never needed) makes the kernel report ECONNRESET once, ahead of the messages
     * it had sent us, which stay queued: that report is skipped, and they are read.
     */
    public static int receive(int fd, byte[] buf, String peer) {
        int n = receiveMessage(fd, buf);
        if (reset(n)) n = receiveMessage(fd, buf);
        return NativeException.check(n, "recv", peer);
    }

    /**
     * Whether {@code n} is -ECONNRESET. Looked up on a failure only, never in a static initializer: this class is
     * loaded where the native library is not (the server's in-process tests), and its natives link at first use.
     */
    private static boolean reset(int n) {
        return n < 0 && n == -Errors.value("ECONNRESET");
    }

    /** As {@link #receive(int, byte[], String)}, or {@link #TIMED_OUT} if nothing came by {@code deadline}. */
    public static int receive(int fd, byte[] buf, String peer, java.time.Instant deadline) {
        long ms = Math.max(0, java.time.Duration.between(java.time.Instant.now(), deadline).toMillis());
        int n = receiveMessageWithin(fd, buf, ms);
        if (reset(n)) n = receiveMessageWithin(fd, buf, ms); // as receive(fd, buf, peer) says
        if (n == -Errors.value("ETIMEDOUT")) return TIMED_OUT;
        return NativeException.check(n, "recv", peer);
    }
}
