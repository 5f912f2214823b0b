package dev.quilt.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * What a container's monitor wrote when its init exited; {@code error} when the
 * exec failed after start; {@code oomKilled} when the OOM killer killed a process
 * of its cgroup (the init itself, or any other).
 */
public record RecordedExit(ExitStatus status, Instant at, Optional<String> error, boolean oomKilled) {}
