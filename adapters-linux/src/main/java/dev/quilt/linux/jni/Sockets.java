package dev.quilt.linux.jni;

/** Peer of native/src/jni/sockets.c: a SOCK_SEQPACKET pair, one message per datagram. */
public final class Sockets {
    private Sockets() {}

    static native long socketPair();

    static native long socketPairStream();

    static native int sendMessage(int fd, byte[] buf, int len);

    static native int receiveMessage(int fd, byte[] buf);

    static native int sendFds(int fd, int[] fds);

    static native int receiveMessageWithin(int fd, byte[] buf, long timeoutMs);

    /** What {@link #receive(int, byte[], String, java.time.Instant)} returns when the deadline came first. */
    public static final int TIMED_OUT = -1;

    /** Two connected fds, both O_CLOEXEC. */
    public static int[] pair() {
        long v = NativeException.check(socketPair(), "socketpair", "AF_UNIX, SOCK_SEQPACKET");
        return new int[] {(int) (v >>> 32), (int) v};
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

    /** Blocks for the next message; 0 means the peer closed its end. */
    public static int receive(int fd, byte[] buf, String peer) {
        return NativeException.check(receiveMessage(fd, buf), "recv", peer);
    }

    /** As {@link #receive(int, byte[], String)}, or {@link #TIMED_OUT} if nothing came by {@code deadline}. */
    public static int receive(int fd, byte[] buf, String peer, java.time.Instant deadline) {
        long ms = Math.max(0, java.time.Duration.between(java.time.Instant.now(), deadline).toMillis());
        int n = receiveMessageWithin(fd, buf, ms);
        if (n == -Errors.value("ETIMEDOUT")) return TIMED_OUT;
        return NativeException.check(n, "recv", peer);
    }
}
