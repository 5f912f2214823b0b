package dev.quilt.domain;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as people write them for {@code --memory}: {@code 512m}, {@code 1g},
 * {@code 1.5g}, {@code 64MiB}; a bare number means MiB, as in the earlier Quilt.
 * Units are powers of 1024, as in docker and podman.
 */
public final class MemorySize {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([bkmgt]?)(?:i?b)?");
    private static final long MAX = Long.MAX_VALUE / 2;

    private MemorySize() {}

    /** Bytes, or a one-line error naming {@code flag} and the text. */
    public static long parse(String flag, String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        Matcher m = SIZE.matcher(t);
        if (!m.matches()) {
            String why = t.startsWith("-") ? "must be positive" : "is not a size";
            throw QuiltException.invalid(flag + " '" + text + "' " + why
                    + ": write it as 512m or 1g (k, m, g, t; a bare number means MiB)");
        }
        int shift = switch (m.group(2)) {
            case "b" -> 0;
            case "k" -> 10;
            case "", "m" -> 20;
            case "g" -> 30;
            default -> 40;
        };
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift));
        if (bytes.compareTo(BigDecimal.valueOf(MAX)) > 0) {
            throw QuiltException.invalid(flag + " '" + text + "' is larger than any machine's memory");
        }
        return bytes.setScale(0, java.math.RoundingMode.CEILING).longValueExact();
    }

    /** 536870912 -> "512m": the shortest exact form, for messages and tables. */
    public static String format(long bytes) {
        String[] units = {"b", "k", "m", "g", "t"};
        int u = 0;
        long v = bytes;
        while (u < units.length - 1 && v != 0 && v % 1024 == 0) {
            v /= 1024;
            u++;
        }
        return v + units[u];
    }
}
