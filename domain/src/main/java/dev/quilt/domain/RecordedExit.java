package dev.quilt.domain;

import java.time.Instant;
import java.util.Optional;

/** What a container's monitor wrote when its init exited; {@code error} when the exec failed after start. */
public record RecordedExit(ExitStatus status, Instant at, Optional<String> error) {}
