package dev.quilt.domain;

import java.util.Optional;

/**
 * Which path a create of a persisted container took, and why (issue 16, item 7), as {@code inspect} shows it:
 * {@code "restored": {"from": "NAME/CHECKPOINT", "path": "restore"|"fresh", "reason": "…"}}. {@code from} is the
 * checkpoint tried (none when there was none to try); {@code reason} one lowercase line: for {@code fresh}, what made
 * the restore fail or why none was tried; for {@code restore}, what was restored.
 */
public record Restored(Optional<String> from, Path path, String reason) {
    /** The two paths. */
    public enum Path {
        RESTORE, FRESH;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Path of(String word) {
            return switch (word) {
                case "restore" -> RESTORE;
                case "fresh" -> FRESH;
                default -> throw new IllegalArgumentException("path '" + word + "'");
            };
        }
    }

    public Restored {
        if (from == null) from = Optional.empty();
        if (path == null) throw new IllegalArgumentException("a path");
        if (reason == null || reason.isBlank() || reason.contains("\n")) {
            throw new IllegalArgumentException("one line: " + reason);
        }
        if (path == Path.RESTORE && from.isEmpty()) throw new IllegalArgumentException("a restore names its checkpoint");
    }

    /** Restored from {@code from}. */
    public static Restored restore(String from) {
        return new Restored(Optional.of(from), Path.RESTORE, "restored from checkpoint " + from);
    }

    /** Made fresh, {@code reason} saying why (a failed restore of {@code from}, or no checkpoint). */
    public static Restored fresh(Optional<String> from, String reason) {
        return new Restored(from, Path.FRESH, reason);
    }

    /** The warning the create prints on stderr for a fallback: {@code restore of NAME/C failed (…); created fresh}. */
    public String warning() {
        return from.map(f -> "restore of " + f + " failed (" + reason + "); created fresh")
                .orElse(reason + "; created fresh");
    }
}
