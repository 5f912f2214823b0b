package dev.quilt.domain;

import java.util.regex.Pattern;

/** A content address: {@code sha256:} and 64 lowercase hex digits. */
public record Digest(String value) {
    private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

    public Digest {
        if (value == null || !SHA256.matcher(value).matches()) {
            throw QuiltException.invalid("invalid digest '" + value + "': expected sha256: and 64 hex digits");
        }
    }

    public static Digest sha256(String hex) {
        return new Digest("sha256:" + hex);
    }

    public static boolean looksLike(String s) {
        return SHA256.matcher(s).matches();
    }

    public String hex() {
        return value.substring("sha256:".length());
    }

    public String shortForm() {
        return hex().substring(0, 12);
    }

    @Override
    public String toString() {
        return value;
    }
}
