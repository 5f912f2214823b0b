package dev.quilt.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * A tar entry's name, checked before anything is written: relative, no
 * {@code ..}, no NUL. The empty list is the archive's root ({@code ./}).
 */
public record ArchivePath(List<String> components) {
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
            parts.add(p);
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

    static QuiltException refused(String entryName, String why) {
        return QuiltException.invalid("refused archive entry '" + Identifiers.printable(entryName) + "': it " + why);
    }

    @Override
    public String toString() {
        return relative();
    }
}
