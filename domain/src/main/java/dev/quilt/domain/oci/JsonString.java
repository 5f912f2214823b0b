package dev.quilt.domain.oci;

/**
 * A JSON string literal as RFC 8259 section 7 asks: quotes, backslashes and control characters escaped
 * (Go's encoder also escapes {@code <}, {@code >} and {@code &}; JSON needs neither). For the JSON the
 * domain and the runc face write by hand: a hook's state, a seccomp profile's text, {@code quilt-runc state}.
 */
public final class JsonString {
    private JsonString() {}

    /** {@code s} between double quotes, escaped. */
    public static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
