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

    /**
     * The container is over but no exit was recorded: its monitor was gone
     * first, so the code is lost. {@code initOutlivedMonitor}: the init was
     * seen running after the monitor had died, so the monitor was killed
     * (it leaves on its own only after the init).
     */
    record MonitorGone(boolean initOutlivedMonitor) implements WaitOutcome {}

    record TimedOut() implements WaitOutcome {}

    /**
     * Blocks until the monitor records the exit, or the monitor and the
     * container's init are both gone, or the deadline passes. Events only: the
     * exit file appearing, the monitor's pidfd, and once the monitor is gone,
     * the init's pidfd (opened from pid and start time).
     */
    WaitOutcome awaitExit(ContainerId id, ProcessRef monitor, Optional<ProcessRef> init, Optional<Duration> deadline);

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
