package dev.quilt.cli.serve;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultHttpContent;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A worker's writes to a channel: each {@code write} is one message (a chunk of a chunked response, or raw bytes of
 * a hijacked connection). While the channel is not writable the writer waits for its last write to complete (an
 * event), so a slow client slows the producer instead of filling our heap. Writing to a connection the client
 * closed throws {@link IOException}, which is how a follow stream learns to stop.
 */
final class ChannelOut extends OutputStream {
    private final Channel channel;
    private final boolean chunked;
    private final Runnable onClose;
    /** No lock is held while a write is awaited: the event loop closes a stream, and must never wait for us. */
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    /** Keeps concurrent writers' messages whole and in order; held only while a message is queued. */
    private final Object queueing = new Object();

    /** The connection's fd when its bytes go straight to the socket (a hijacked stream), else -1. */
    private final int direct;
    /** The send buffer to give back once the client has read the head (see {@link #holdUntilHeadRead}); 0: none. */
    private int headSendBuffer;

    ChannelOut(Channel channel, boolean chunked, Runnable onClose) {
        this(channel, chunked, onClose, false);
    }

    /**
     * With {@code direct}, for a connection taken over (Docker's hijack) once the event loop has written the
     * answer's head: each write goes to the socket from the writer's thread (write(2), waiting with poll(2) while
     * it is full), not through the event loop. Netty 4.2.18's epoll registration drops the connection's fd from
     * epoll once the client has shut its side (no interest left) and then fails the next wait for writability
     * (epoll_ctl MOD: ENOENT), which would cut a hijacked stream short whenever the client half-closed first, as
     * the docker CLI does after an exec start without -i.
     */
    ChannelOut(Channel channel, boolean chunked, Runnable onClose, boolean direct) {
        this.channel = channel;
        this.chunked = chunked;
        this.onClose = onClose;
        // without Quilt's native library (a unit test's server) the bytes go through the event loop as before
        this.direct = direct && channel instanceof io.netty.channel.unix.UnixChannel u
                && dev.quilt.linux.RawSocketWrites.available() ? u.fd().intValue() : -1;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed.get()) throw new IOException("the response is closed");
        if (!channel.isActive()) throw new IOException("the client went away");
        if (len == 0) return;
        if (direct >= 0) {
            int rc;
            synchronized (queueing) {
                if (headSendBuffer > 0) headRead();
                rc = dev.quilt.linux.RawSocketWrites.writeAll(direct, b, off, len);
            }
            if (rc < 0) throw new IOException("the client went away");
            return;
        }
        Object msg = chunked ? new DefaultHttpContent(Unpooled.copiedBuffer(b, off, len)) : Unpooled.copiedBuffer(b, off, len);
        ChannelFuture f;
        synchronized (queueing) {
            f = channel.writeAndFlush(msg);
        }
        if (!channel.isWritable()) {
            // outside every lock: the event loop completes (or, closing, fails) this write without waiting for us
            f.awaitUninterruptibly();
            if (!f.isSuccess()) throw new IOException("the client went away");
        }
    }

    /**
     * Event loop, before the head (the 101) is written: the socket's send buffer made as small as the kernel allows,
     * so that once the head is in the client's queue the socket is not writable until the client has read it
     * (AF_UNIX counts unread bytes against the sender: unix(7)). The first write then waits for that (poll, an
     * event) and gives the buffer back. docker-py reads the head through a buffered reader and then takes the raw
     * socket, dropping what the reader had pulled in past the head: output sent with the head would be lost (a
     * command that runs at once, as an exec through the zygote does, often writes before the client has read it).
     */
    void holdUntilHeadRead() {
        if (direct < 0 || !(channel.config() instanceof io.netty.channel.epoll.EpollDomainSocketChannelConfig c)) return;
        try {
            int before = c.getSendBufferSize();
            c.setSendBufferSize(1); // the kernel's least (SOCK_MIN_SNDBUF)
            headSendBuffer = before > 0 ? before : 212992;
        } catch (RuntimeException gone) {
            // the connection has gone already: the head's write fails, and so does the stream's first write
        }
    }

    /** With {@link #queueing} held: waits until the client has read the head, and gives the send buffer back. */
    private void headRead() {
        int size = headSendBuffer;
        headSendBuffer = 0;
        dev.quilt.linux.RawSocketWrites.writable(direct); // an error or hang-up ends it too: the write says so
        if (channel.config() instanceof io.netty.channel.epoll.EpollDomainSocketChannelConfig c) {
            try {
                c.setSendBufferSize(size / 2); // the kernel doubles what it is given (socket(7))
            } catch (RuntimeException closed) {
                // the connection is gone: the write below fails and says so
            }
        }
    }

    /** Ends the stream; safe from any thread, the event loop's included: it never waits. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) onClose.run();
    }

    boolean closed() {
        return closed.get();
    }
}
