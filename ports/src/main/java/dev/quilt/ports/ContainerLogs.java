package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ProcessRef;

import java.io.OutputStream;
import java.util.Optional;

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
}
