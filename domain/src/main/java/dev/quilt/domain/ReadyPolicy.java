package dev.quilt.domain;

import java.time.Duration;

/**
 * How long a container may take to become ready ({@code --ready-timeout}),
 * and whether one that does not is kept for a post-mortem
 * ({@code --keep-on-failure}) rather than removed with all that was made for it.
 */
public record ReadyPolicy(Duration timeout, boolean keepOnFailure) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    public static final ReadyPolicy DEFAULT = new ReadyPolicy(DEFAULT_TIMEOUT, false);

    public ReadyPolicy {
        if (timeout.isZero() || timeout.isNegative()) throw QuiltException.invalid("--ready-timeout must be longer than zero");
    }

    public static ReadyPolicy fromFlags(String timeout, boolean keepOnFailure) {
        return new ReadyPolicy(timeout == null ? DEFAULT_TIMEOUT : Durations.parse("--ready-timeout", timeout),
                keepOnFailure);
    }
}
