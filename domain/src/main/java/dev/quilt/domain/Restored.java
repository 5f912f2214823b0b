package dev.quilt.domain;

import java.util.Optional;

/**
 * Which path a create of a persisted container took, and why (issue 16, item 7), as {@code inspect} shows it:
 * {@code "restored": {"from": "NAME/CHECKPOINT", "path": "restore"|"fresh", "reason": "…"}}. {@code from} is the
 * checkpoint tried (none when there was none to try); {@code reason} one lowercase line: for {@code fresh}, what made
 * the restore fail or why none was tried; for {@code restore}, what was restored.
 *
 * <p>It is kept in the container's record as Quilt's own labels ({@value #PATH}, {@value #FROM}, {@value #REASON};
 * beside {@code quilt.ttl} and the user's), written with the record at create, so a crash leaves either the whole
 * outcome or no container; a label the user gave under these keys is replaced at the next persisted create.
 */
public record Restored(Optional<String> from, Path path, String reason) {
    public static final String PATH = "quilt.restored.path";
    public static final String FROM = "quilt.restored.from";
    public static final String REASON = "quilt.restored.reason";
    /** The label naming the checkpoint a container was restored from: {@code <container id>/<checkpoint name>}. */
    public static final String RESTORED_FROM = Observed.RESTORED_FROM;

    /**
     * The labels a restore or a fork carries over from the checkpointed container: the user's, without Quilt's
     * bookkeeping of that container ({@value #PATH}, {@value #FROM}, {@value #REASON}, {@value #RESTORED_FROM},
     * {@value ForkPlan#CLONE_LABEL}, and {@value PersistPolicy#LABEL}), which the restore sets afresh for itself;
     * persist's own restore of the same name sets {@value PersistPolicy#LABEL} again. So a restore under another
     * name is not persisted, and its {@code inspect} says nothing of the original's path.
     */
    public static java.util.Map<String, String> carried(java.util.Map<String, String> labels) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>(labels);
        for (String k : java.util.List.of(PATH, FROM, REASON, RESTORED_FROM, ForkPlan.CLONE_LABEL, PersistPolicy.LABEL)) {
            out.remove(k);
        }
        return out;
    }

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

    /** {@code labels} with this outcome's keys in place of any earlier ones. */
    public java.util.Map<String, String> into(java.util.Map<String, String> labels) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>(labels);
        out.remove(FROM);
        out.put(PATH, path.word());
        from.ifPresent(f -> out.put(FROM, f));
        out.put(REASON, reason);
        return out;
    }

    /** The outcome {@code labels} hold; empty when they hold none, or a malformed one (never made by Quilt). */
    public static Optional<Restored> of(java.util.Map<String, String> labels) {
        String p = labels.get(PATH);
        String r = labels.get(REASON);
        if (p == null || r == null) return Optional.empty();
        try {
            return Optional.of(new Restored(Optional.ofNullable(labels.get(FROM)), Path.of(p), r));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
