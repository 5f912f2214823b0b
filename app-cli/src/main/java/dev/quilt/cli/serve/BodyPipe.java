package dev.quilt.cli.serve;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;

/**
 * Bytes the event loop received, read by a worker as a stream: a request's body, or a hijacked connection's input.
 * Reading blocks until bytes arrive or the stream ends (an event: the event loop's hand-off, never a poll). Past
 * {@link #HIGH} unread bytes the channel stops reading from its socket, and starts again below {@link #LOW}: a
 * client sending 100 MB is held at the kernel's socket buffer, not in our heap.
 */
final class BodyPipe extends InputStream {
    static final long HIGH = 1 << 20;
    static final long LOW = 256 << 10;

    private final Channel channel;
    private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
    private long buffered;
    private boolean ended;
    private boolean held;
    private IOException failure;

    BodyPipe(Channel channel) {
        this.channel = channel;
    }

    /** Event loop: more bytes; the pipe now owns {@code buf}. */
    synchronized void offer(ByteBuf buf) {
        if (ended) {
            buf.release();
            return;
        }
        queue.add(buf);
        buffered += buf.readableBytes();
        if (buffered > HIGH && !held) {
            held = true;
            channel.config().setAutoRead(false);
        }
        notifyAll();
    }

    /** Event loop: no more bytes will come. */
    synchronized void end() {
        ended = true;
        notifyAll();
    }

    /** Fails the stream because the connection closed: {@link #fail} with a {@link ClientGone}. */
    void clientGone() {
        fail(new ClientGone());
    }

    /**
     * The client closed the connection before the stream's end. Every connection's close says so to its body, read
     * or not, so this exception takes no stack trace: taking one cost about 7% of an event loop's time in an exec
     * round trip (perf, {@code Throwable.fillInStackTrace} under {@code channelInactive}).
     */
    static final class ClientGone extends IOException {
        ClientGone() {
            super("the client went away");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** The connection went away before the end: readers get {@code why}. */
    synchronized void fail(IOException why) {
        if (!ended) failure = why;
        ended = true;
        notifyAll();
    }

    /** Whether the stream was cut short (the connection went, or the body was incomplete or malformed). */
    synchronized boolean failed() {
        return failure != null;
    }

    /** Whether the whole stream arrived (the reader may not have read it all). */
    synchronized boolean ended() {
        return ended && failure == null;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] dst, int off, int len) throws IOException {
        if (len == 0) return 0;
        while (queue.isEmpty() && !ended) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while reading the request");
            }
        }
        if (queue.isEmpty()) {
            if (failure != null) throw failure;
            return -1;
        }
        ByteBuf head = queue.peek();
        int n = Math.min(len, head.readableBytes());
        head.readBytes(dst, off, n);
        if (!head.isReadable()) queue.poll().release();
        buffered -= n;
        if (held && buffered < LOW) {
            held = false;
            channel.config().setAutoRead(true);
        }
        return n;
    }

    @Override
    public synchronized int available() {
        return (int) Math.min(Integer.MAX_VALUE, buffered);
    }

    /** Drops what is unread and whatever still comes. */
    @Override
    public synchronized void close() {
        for (ByteBuf b : queue) b.release();
        queue.clear();
        buffered = 0;
        ended = true;
        if (held) {
            held = false;
            channel.config().setAutoRead(true);
        }
        notifyAll();
    }
}
