package dev.quilt.domain;

import java.util.regex.Pattern;

/** The one rule for container IDs and names, as runc and podman spell it. */
final class Identifiers {
    static final Pattern PATTERN = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}");

    private Identifiers() {}

    static String validate(String what, String value) {
        if (value == null || value.isEmpty()) {
            throw QuiltException.invalid(what + " must not be empty");
        }
        if (!PATTERN.matcher(value).matches()) {
            String shown = value.length() > 70 ? value.substring(0, 64) + "..." : value;
            throw QuiltException.invalid("invalid " + what + " '" + printable(shown)
                    + "': use 1 to 64 of a-z A-Z 0-9 _ . -, starting with a letter or digit");
        }
        return value;
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", c));
            else b.appendCodePoint(c);
        });
        return b.toString();
    }
}
