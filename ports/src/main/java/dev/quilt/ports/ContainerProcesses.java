package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.RecordedExit;

import java.time.Duration;
import java.util.Optional;

/** The running side of containers that some earlier Quilt process started. */
public interface ContainerProcesses {
    /** True while the process named by pid and start time exists and is not a zombie. */
    boolean isAlive(ProcessRef process);

    /** Sends a signal; a process that is gone (or was replaced) is not an error. */
    void signal(ProcessRef process, int signal);

    /** The outcome of waiting for a container to exit. */
    sealed interface WaitOutcome permits Exited, MonitorGone, TimedOut {}

    record Exited(RecordedExit exit) implements WaitOutcome {}

    /** The monitor died without recording an exit: the code is lost. */
    record MonitorGone() implements WaitOutcome {}

    record TimedOut() implements WaitOutcome {}

    /**
     * Blocks until the monitor records the exit, the monitor is gone, or the
     * deadline passes. Events only: the exit file appearing, the monitor's pidfd.
     */
    WaitOutcome awaitExit(ContainerId id, ProcessRef monitor, Optional<Duration> deadline);

    /** True while a created container's init waits for start. */
    boolean startPending(ContainerId id);

    /**
     * Lets a created container's init exec its command. Throws
     * {@link SpawnFailedException} when the exec fails, and a conflict when
     * nothing waits to be started.
     */
    void start(ContainerId id, ProcessRef init);

    /** A signal by name (TERM, SIGTERM, term) or number, checked against this system's signals. */
    int signalNumber(String nameOrNumber);

    int sigkill();

    int sigterm();
}
