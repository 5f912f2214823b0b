package dev.quilt.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * A tar entry's name, checked before anything is written: relative, no
 * {@code ..}, no NUL, and within Linux's limits: each component at most
 * {@value #NAME_MAX} bytes, the whole at most {@value #PATH_MAX} (limits.h's
 * NAME_MAX and PATH_MAX less its NUL). The empty list is the archive's root ({@code ./}).
 */
public record ArchivePath(List<String> components) {
    public static final int NAME_MAX = 255;
    public static final int PATH_MAX = 4095;

    public ArchivePath {
        components = List.copyOf(components);
    }

    public static ArchivePath parse(String entryName) {
        if (entryName.indexOf('\0') >= 0) throw refused(entryName, "holds a NUL byte");
        if (entryName.startsWith("/")) throw refused(entryName, "is an absolute path");
        List<String> parts = new ArrayList<>();
        for (String p : entryName.split("/")) {
            if (p.isEmpty() || p.equals(".")) continue;
            if (p.equals("..")) throw refused(entryName, "climbs out with '..'");
            if (utf8Length(p) > NAME_MAX) {
                throw refused(entryName, "has a name of " + utf8Length(p) + " bytes; Linux allows " + NAME_MAX);
            }
            parts.add(p);
        }
        if (utf8Length(entryName) > PATH_MAX) {
            throw refused(entryName, "is a path of " + utf8Length(entryName) + " bytes; Linux allows " + PATH_MAX);
        }
        return new ArchivePath(parts);
    }

    public boolean isRoot() {
        return components.isEmpty();
    }

    public ArchivePath parent() {
        return new ArchivePath(components.subList(0, Math.max(0, components.size() - 1)));
    }

    public String last() {
        return components.get(components.size() - 1);
    }

    public String relative() {
        return String.join("/", components);
    }

    /** The length of {@code s} in UTF-8, as the kernel counts a name. */
    public static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n += 1;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }

    static QuiltException refused(String entryName, String why) {
        String shown = entryName.length() > 80 ? entryName.substring(0, 80) + "..." : entryName;
        return QuiltException.invalid("refused archive entry '" + Identifiers.printable(shown) + "': it " + why);
    }

    @Override
    public String toString() {
        return relative();
    }
}
