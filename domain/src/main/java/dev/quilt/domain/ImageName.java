package dev.quilt.domain;

import java.util.regex.Pattern;

/** A local name for an image, like {@code busybox} or {@code agent:v2}. */
public record ImageName(String value) {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.:-]{0,127}");
    public static final ImageName DEFAULT = new ImageName("default");

    public ImageName {
        if (value == null || !NAME.matcher(value).matches() || value.contains("..")) {
            throw QuiltException.invalid("invalid image name '" + Identifiers.printable(String.valueOf(value))
                    + "': use letters, digits, '_', '.', ':' and '-'");
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
