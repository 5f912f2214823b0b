package dev.quilt.cli.serve;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Docker's multiplexed stream (Engine API, "Attach to a container", stream format): each frame is an 8-byte header
 * {@code [STREAM, 0, 0, 0, SIZE (4 bytes, big-endian)]} and SIZE bytes, STREAM 0 stdin, 1 stdout, 2 stderr. Used when
 * the container or exec has no TTY; with one the stream is raw.
 */
public final class Multiplexed {
    public static final int STDIN = 0;
    public static final int STDOUT = 1;
    public static final int STDERR = 2;
    /** The content type of a hijacked or attached stream (docker's {@code application/vnd.docker.raw-stream}). */
    public static final String RAW_STREAM = "application/vnd.docker.raw-stream";
    /** API 1.42's name for a multiplexed stream; 1.41 clients take {@link #RAW_STREAM}. */
    public static final String MULTIPLEXED_STREAM = "application/vnd.docker.multiplexed-stream";

    private Multiplexed() {}

    /** One frame of {@code len} bytes of {@code b} on {@code stream}, written as one write. */
    public static void frame(OutputStream out, int stream, byte[] b, int off, int len) throws IOException {
        byte[] f = new byte[8 + len];
        f[0] = (byte) stream;
        f[4] = (byte) (len >>> 24);
        f[5] = (byte) (len >>> 16);
        f[6] = (byte) (len >>> 8);
        f[7] = (byte) len;
        System.arraycopy(b, off, f, 8, len);
        out.write(f, 0, f.length);
    }
}
