package dev.quilt.cli.fast;

import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Bytes written straight to a fd the fast CLI's caller passed (write(2) through Netty's native FileDescriptor):
 * the caller's own open file, so its offset and O_APPEND hold, as they would for the CLI's fd 1. Never a reopen of
 * /proc/self/fd/N. Once {@link #cut()} (the caller went away) writes fail.
 */
final class FdOutputStream extends OutputStream {
    private final FileDescriptor fd;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(64 * 1024);
    private volatile boolean cut;

    FdOutputStream(FileDescriptor fd) {
        this.fd = fd;
    }

    void cut() {
        cut = true;
    }

    @Override
    public synchronized void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (cut) throw new IOException("the caller has gone");
            int n = Math.min(len, buffer.capacity());
            buffer.clear();
            buffer.put(b, off, n);
            int done = 0;
            while (done < n) {
                int k = fd.write(buffer, done, n);
                // a caller's fd left non-blocking and full: there is no event to wait on here, so the rest is lost
                if (k <= 0) throw new IOException("the caller's fd " + fd.intValue() + " takes no more");
                done += k;
            }
            off += n;
            len -= n;
        }
    }
}
