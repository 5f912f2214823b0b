package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ProcessRef;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** What a detached container wrote to stdout and stderr. */
public interface ContainerLogs {
    /**
     * Copies the log so far to out and err, stream by stream; text that came
     * without its newline is copied as it is. With {@code follow}, goes on
     * copying as it arrives, across rotations of a capped log, until the
     * container has exited (its monitor gone): woken by the file changing,
     * never by a timer. Stops quietly when out or err is closed.
     */
    void copy(ContainerId id, OutputStream out, OutputStream err, Optional<ProcessRef> followUntilGone);

    /** Which of the container's outputs a record came from. */
    enum Stream { STDOUT, STDERR }

    /**
     * One record of the log, in the order written: when the monitor read it (ns precision), from which stream,
     * its text without the newline, and whether a newline ended it ({@code false}: text that came without one, a
     * partial line, continued by the next record of its stream).
     */
    record Entry(Instant time, Stream stream, byte[] text, boolean newline) {}

    /** Where {@link #read} hands records. */
    interface Reader {
        /** One record; an {@link IOException} says the reader has gone: the read stops quietly. */
        void entry(Entry e) throws IOException;

        /**
         * Everything written so far has been handed over (called each time the reader reaches the log's end, before
         * it waits for more; once at the end without follow). A tail is cut here.
         */
        default void caughtUp() throws IOException {}
    }

    /**
     * As {@link #copy}, record by record with each record's time and stream: the log so far, then, with
     * {@code followUntilGone}, each new record until the container has exited and its log is drained. Stops
     * quietly, at once even while waiting for the log to grow, when {@code hangUp} completes or the reader throws
     * {@link IOException}. A container without a log (it ran in the foreground) is {@code QuiltException}
     * not found.
     */
    void read(ContainerId id, Reader reader, Optional<ProcessRef> followUntilGone, CompletionStage<?> hangUp);
}
