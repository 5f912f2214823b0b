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

    ChannelOut(Channel channel, boolean chunked, Runnable onClose) {
        this.channel = channel;
        this.chunked = chunked;
        this.onClose = onClose;
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

    /** Ends the stream; safe from any thread, the event loop's included: it never waits. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) onClose.run();
    }

    boolean closed() {
        return closed.get();
    }
}
