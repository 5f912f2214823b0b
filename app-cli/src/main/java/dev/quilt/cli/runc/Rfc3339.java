package dev.quilt.cli.runc;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Times as runc prints them: Go's {@code time.RFC3339} and {@code time.RFC3339Nano}, in UTC. */
final class Rfc3339 {
    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    private Rfc3339() {}

    /** {@code 2026-12-01T06:53:41Z}. */
    static String seconds(Instant t) {
        return SECONDS.format(t) + "Z";
    }

    /** {@code 2026-12-01T06:53:41.12345Z}: the fraction without its trailing zeros, none when it is zero (Go's RFC3339Nano). */
    static String nanos(Instant t) {
        int n = t.getNano();
        if (n == 0) return seconds(t);
        String f = String.format("%09d", n);
        int end = f.length();
        while (f.charAt(end - 1) == '0') end--;
        return SECONDS.format(t) + "." + f.substring(0, end) + "Z";
    }
}
