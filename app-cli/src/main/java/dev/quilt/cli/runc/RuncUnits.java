package dev.quilt.cli.runc;

import dev.quilt.domain.QuiltException;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How runc's flags spell values: Go durations and docker's RAM sizes. */
final class RuncUnits {
    private RuncUnits() {}

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgtp]?)(i?b)?", Pattern.CASE_INSENSITIVE);

    /**
     * A Go duration ({@code time.ParseDuration}): {@code 5s}, {@code 100ms},
     * {@code 1m30s}, {@code 1.5h}; a bare {@code 0} is zero.
     */
    static Duration duration(String flag, String text) {
        String t = text.strip();
        if (t.equals("0")) return Duration.ZERO;
        Matcher m = DURATION_PART.matcher(t);
        BigDecimal nanos = BigDecimal.ZERO;
        int at = 0;
        while (at < t.length() && m.find(at) && m.start() == at) {
            BigDecimal n = new BigDecimal(m.group(1).startsWith(".") ? "0" + m.group(1) : m.group(1));
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            nanos = nanos.add(n.multiply(BigDecimal.valueOf(unit)));
            at = m.end();
        }
        if (at == 0 || at != t.length()) {
            throw QuiltException.invalid(flag + " '" + text + "' is not a duration: write it as Go does, e.g. 5s, 500ms or 1m30s");
        }
        return Duration.ofNanos(nanos.longValue());
    }

    /**
     * A size as runc's {@code update} reads it (docker's {@code units.RAMInBytes}):
     * bytes, or with {@code k}, {@code m}, {@code g}, {@code t}, {@code p} (powers of
     * 1024, any case, an optional {@code b}/{@code ib}); {@code -1} is unlimited.
     */
    static long ramInBytes(String flag, String text) {
        String t = text.strip();
        if (t.equals("-1")) return -1;
        Matcher m = SIZE.matcher(t);
        if (!m.matches()) {
            throw QuiltException.invalid(flag + " '" + text + "' is not a size: write bytes or e.g. 512m, 1g (-1 for no limit)");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            case "p" -> 50;
            default -> 0;
        };
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(2).pow(shift));
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw QuiltException.invalid(flag + " '" + text + "' is more than any machine has");
        }
        return bytes.longValue();
    }

    /** A whole number flag, with a line naming the flag when it is not one. */
    static long number(String flag, String text) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw QuiltException.invalid(flag + " '" + text + "' is not a whole number");
        }
    }
}
