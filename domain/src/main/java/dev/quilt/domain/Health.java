package dev.quilt.domain;

import java.util.Optional;

/**
 * What a container's health checks have found: {@code starting} until one
 * passes, {@code healthy} after a pass, {@code unhealthy} after the check's
 * retries failed in a row. A pass clears the streak.
 */
public record Health(Status status, int failingStreak, Optional<HealthResult> last) {
    public enum Status {
        STARTING, HEALTHY, UNHEALTHY;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Status parse(String word) {
            return valueOf(word.toUpperCase(java.util.Locale.ROOT));
        }
    }

    public static final Health STARTING = new Health(Status.STARTING, 0, Optional.empty());

    public Health {
        if (failingStreak < 0) throw new IllegalArgumentException("failing streak " + failingStreak);
    }

    /** After one more run of a check that tolerates {@code retries} failures in a row. */
    public Health after(HealthResult r, int retries) {
        if (r.healthy()) return new Health(Status.HEALTHY, 0, Optional.of(r));
        int streak = failingStreak + 1;
        Status s = streak >= retries ? Status.UNHEALTHY : status;
        return new Health(s, streak, Optional.of(r));
    }
}
