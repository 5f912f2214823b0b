package dev.quilt.domain;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A container's health check, as given with {@code --health-check}: a shell
 * command run inside it with {@code /bin/sh -c}, healthy when it exits 0 within
 * {@code timeout}. While the container becomes ready it runs every
 * {@code startInterval} until it passes or the readiness deadline comes; after
 * that every {@code interval}, and {@code retries} failures in a row make the
 * container unhealthy.
 */
public record HealthCheck(String command, Duration interval, Duration timeout, Duration startInterval, int retries) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_START_INTERVAL = Duration.ofMillis(100);
    public static final int DEFAULT_RETRIES = 3;

    public HealthCheck {
        Objects.requireNonNull(command);
        if (command.isBlank()) throw QuiltException.invalid("--health-check needs a command, e.g. 'test -f /tmp/ready'");
        if (command.indexOf('\0') >= 0) throw QuiltException.invalid("--health-check must not contain a NUL byte");
        positive("--health-interval", interval);
        positive("--health-timeout", timeout);
        positive("--health-start-interval", startInterval);
        if (retries < 1) throw QuiltException.invalid("--health-retries " + retries + " must be 1 or more");
    }

    /** From flags; a missing one takes its default. */
    public static HealthCheck fromFlags(String command, String interval, String timeout, String startInterval,
                                        Integer retries) {
        return new HealthCheck(command,
                interval == null ? DEFAULT_INTERVAL : Durations.parse("--health-interval", interval),
                timeout == null ? DEFAULT_TIMEOUT : Durations.parse("--health-timeout", timeout),
                startInterval == null ? DEFAULT_START_INTERVAL : Durations.parse("--health-start-interval", startInterval),
                retries == null ? DEFAULT_RETRIES : retries);
    }

    /** The argv run in the container. */
    public List<String> args() {
        return List.of("/bin/sh", "-c", command);
    }

    private static void positive(String flag, Duration d) {
        if (d == null || d.isZero() || d.isNegative()) throw QuiltException.invalid(flag + " must be longer than zero");
    }
}
