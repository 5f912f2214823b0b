package dev.quilt.domain.checkpoint;

import dev.quilt.domain.QuiltException;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * The name of one checkpoint of a container: its directory's name under {@code checkpoints/<id>/}. 1 to 64 of
 * a-z A-Z 0-9 _ . -, starting with a letter or digit (Quilt's rule for names), so no name is a draft's
 * ({@code .tmp-…}), {@code .} or {@code ..}.
 */
public record CheckpointName(String value) {
    static final Pattern PATTERN = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    public CheckpointName {
        if (value == null || value.isEmpty()) {
            throw QuiltException.invalid("checkpoint name must not be empty");
        }
        if (!PATTERN.matcher(value).matches()) {
            String shown = value.length() > 70 ? value.substring(0, 64) + "..." : value;
            throw QuiltException.invalid("invalid checkpoint name '" + printable(shown)
                    + "': use 1 to 64 of a-z A-Z 0-9 _ . -, starting with a letter or digit");
        }
    }

    /** The default name: the time of the dump, UTC to the millisecond ({@code 20261201T124502.123Z}). */
    public static CheckpointName at(Instant when) {
        return new CheckpointName(STAMP.format(when));
    }

    /** The name a directory entry spells, or empty when it is not one (a draft, a stray). */
    public static java.util.Optional<CheckpointName> parse(String value) {
        return value != null && PATTERN.matcher(value).matches()
                ? java.util.Optional.of(new CheckpointName(value)) : java.util.Optional.empty();
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", c));
            else b.appendCodePoint(c);
        });
        return b.toString();
    }

    @Override
    public String toString() {
        return value;
    }
}
