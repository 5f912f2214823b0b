package dev.quilt.linux.jni;

/** Peer of native/src/jni/sockets.c: a SOCK_SEQPACKET pair, one message per datagram. */
public final class Sockets {
    private Sockets() {}

    static native long socketPair();

    static native int sendMessage(int fd, byte[] buf, int len);

    static native int receiveMessage(int fd, byte[] buf);

    /** Two connected fds, both O_CLOEXEC. */
    public static int[] pair() {
        long v = NativeException.check(socketPair(), "socketpair", "AF_UNIX, SOCK_SEQPACKET");
        return new int[] {(int) (v >>> 32), (int) v};
    }

    public static void send(int fd, byte[] message, int length, String peer) {
        NativeException.check(sendMessage(fd, message, length), "send", peer);
    }

    /** Blocks for the next message; 0 means the peer closed its end. */
    public static int receive(int fd, byte[] buf, String peer) {
        return NativeException.check(receiveMessage(fd, buf), "recv", peer);
    }
}
