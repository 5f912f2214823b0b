package dev.quilt.domain;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as flags take them: {@code 500ms}, {@code 10s}, {@code 1m30s}, {@code 2h}; a bare number is seconds. */
public final class Durations {
    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");
    private static final Pattern WHOLE = Pattern.compile("(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h))+");

    private Durations() {}

    /** Parses {@code text} for {@code flag}, which the error message names; zero and negatives are refused. */
    public static Duration parse(String flag, String text) {
        String t = text.trim();
        Duration d;
        if (t.matches("\\d+(\\.\\d+)?")) {
            d = seconds(t, "s");
        } else if (WHOLE.matcher(t).matches()) {
            d = Duration.ZERO;
            Matcher m = PART.matcher(t);
            while (m.find()) d = d.plus(seconds(m.group(1), m.group(2)));
        } else {
            throw QuiltException.invalid(flag + " '" + text + "' is not a duration: use e.g. 500ms, 10s, 1m30s or 2h");
        }
        if (d.isZero()) throw QuiltException.invalid(flag + " '" + text + "' must be longer than zero");
        return d;
    }

    private static Duration seconds(String number, String unit) {
        double n = Double.parseDouble(number);
        double nanos = n * switch (unit) {
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            default -> 3600e9;
        };
        if (nanos > 365 * 24 * 3600e9) throw QuiltException.invalid("'" + number + unit + "' is longer than a year");
        return Duration.ofNanos(Math.round(nanos));
    }

    /** {@code 1.5s}, {@code 250ms}, {@code 30s}: the short form people read. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) return ms + "ms";
        if (ms % 1000 == 0) return (ms / 1000) + "s";
        return String.format(java.util.Locale.ROOT, "%.3fs", ms / 1000.0).replaceAll("0+s$", "s");
    }
}
