package dev.quilt.domain;

import java.util.regex.Pattern;

/** A container's hostname: RFC 1123 labels, at most 64 characters (the UTS limit). */
public record Hostname(String value) {
    private static final Pattern LABELS =
            Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*");

    public Hostname {
        if (value == null || value.isEmpty() || value.length() > 64 || !LABELS.matcher(value).matches()) {
            throw QuiltException.invalid("invalid hostname '" + Identifiers.printable(String.valueOf(value))
                    + "': use letters, digits, '-' and '.', at most 64 characters");
        }
    }

    /** A name made from an ID or container name ('_' is not allowed in a hostname). */
    public static Hostname from(String s) {
        String h = s.replace('_', '-');
        if (h.length() > 63) h = h.substring(0, 63);
        while (h.endsWith("-") || h.endsWith(".")) h = h.substring(0, h.length() - 1);
        return new Hostname(h);
    }

    /**
     * The names /etc/hosts gives the container's address: the hostname and, for a
     * dotted one, its first label too ({@code a.b a}), as docker writes them.
     */
    public String hostsEntry() {
        int dot = value.indexOf('.');
        return dot < 0 ? value : value + " " + value.substring(0, dot);
    }

    @Override
    public String toString() {
        return value;
    }
}
