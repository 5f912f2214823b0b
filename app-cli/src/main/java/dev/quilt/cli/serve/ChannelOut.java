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
    private boolean closed;

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
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        if (closed) throw new IOException("the response is closed");
        if (!channel.isActive()) throw new IOException("the client went away");
        if (len == 0) return;
        Object msg = chunked ? new DefaultHttpContent(Unpooled.copiedBuffer(b, off, len)) : Unpooled.copiedBuffer(b, off, len);
        ChannelFuture f = channel.writeAndFlush(msg);
        if (!channel.isWritable()) {
            f.awaitUninterruptibly();
            if (!f.isSuccess()) throw new IOException("the client went away");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        onClose.run();
    }

    synchronized boolean closed() {
        return closed;
    }

}
