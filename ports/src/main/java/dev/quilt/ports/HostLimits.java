package dev.quilt.ports;

/**
 * What this host can give a container, so a request past it is refused before
 * anything is made: docker refuses {@code --cpus} beyond the host's CPUs, and
 * execve(2) refuses a command line past ARG_MAX.
 */
public interface HostLimits {
    /** CPUs this process may run on (its affinity mask, as docker counts them); at least 1. */
    int cpus();

    /**
     * Bytes execve(2) takes here for a command's arguments and environment
     * together, a pointer each included: ARG_MAX, a quarter of the stack limit,
     * within {@link dev.quilt.domain.ExecveLimits#MIN_ARG_MAX} and {@link dev.quilt.domain.ExecveLimits#MAX_ARG_MAX}.
     */
    long argMax();
}
