package dev.quilt.domain;

import java.util.Optional;

/**
 * What a container's cgroup has counted, the same on cgroup v1 and v2: memory in
 * use (page cache included, as the kernel charges it) and its limit, CPU time
 * in nanoseconds, the CFS periods it ran in and was throttled in, and tasks.
 * Empty limits are no limit.
 */
public record ResourceUsage(long memoryBytes, Optional<Long> memoryLimit, long cpuNanos, long userNanos,
                            long systemNanos, long periods, long throttledPeriods, long throttledNanos, long pids,
                            Optional<Long> pidsLimit) {}
