package dev.quilt.cli.serve;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * A connection taken over after its response's headers (Docker's hijack: attach, exec start): raw bytes both ways,
 * HTTP no more. {@link #in()} ends when the client half-closes (docker's CloseWrite after stdin's end) or goes away.
 */
public interface Hijacked extends AutoCloseable {
    /** What the client sends: a command's stdin. */
    InputStream in();

    /** What the client reads: raw, or Docker's multiplexed frames ({@link Multiplexed}). */
    OutputStream out();

    /** Closes the connection (the client sees the stream end). */
    @Override
    void close();
}
