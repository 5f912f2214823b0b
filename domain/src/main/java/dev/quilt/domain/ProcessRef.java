package dev.quilt.domain;

/**
 * A process named so that pid reuse cannot fool us: the pid together with its
 * start time in clock ticks since boot (field 22 of /proc/PID/stat).
 */
public record ProcessRef(int pid, long startTime) {
    public ProcessRef {
        if (pid <= 0) throw new IllegalArgumentException("pid must be positive: " + pid);
        if (startTime < 0) throw new IllegalArgumentException("start time must not be negative");
    }
}
