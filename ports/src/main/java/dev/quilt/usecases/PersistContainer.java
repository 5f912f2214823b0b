package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.PersistPolicy;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Restored;
import dev.quilt.ports.CheckpointStore;
import dev.quilt.ports.Warnings;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The create side of the persist policy (issue 16, item 7; {@link PersistPolicy}): a create of a persisted
 * container ({@code --persist}, the label {@value PersistPolicy#LABEL}) under a name restores that name's newest
 * checkpoint, and falls back to a fresh create on <em>any</em> failure of the restore (the checkpoint's validation,
 * CRIU, the readiness chain), with the specific reason as a warning and in the record ({@link Restored}); the restore
 * removes whatever it half-made before the fresh create begins. A request that is not persisted is created fresh,
 * untouched.
 */
public final class PersistContainer {
    private final CheckpointStore checkpoints;
    private final ContainerLookup lookup;
    private final Warnings warnings;

    /**
     * A restore through {@code restore}, the one restore path: the checkpoint's spec, with the outcome's labels and
     * {@value PersistPolicy#LABEL}{@code =true} (a restore drops Quilt's own labels; this one is persist's own restore
     * of the same name, so it stays persisted).
     */
    public static Restore through(RestoreContainer restore) {
        return (from, name, outcome) -> restore.restore(from, new RestoreContainer.Command(
                from.id().value() + "/" + from.name().value(), Optional.of(name), Optional.empty(), false),
                new RestoreContainer.Copy(s -> {
                    java.util.Map<String, String> labels = new java.util.LinkedHashMap<>(outcome.into(s.labels()));
                    labels.put(PersistPolicy.LABEL, "true");
                    return s.withLabels(labels);
                }, java.util.Map.of()));
    }

    public PersistContainer(CheckpointStore checkpoints, ContainerLookup lookup, Warnings warnings) {
        this.checkpoints = checkpoints;
        this.lookup = lookup;
        this.warnings = warnings;
    }

    /**
     * A restore of {@code from} under {@code name}, to ready, its record labelled with {@code outcome}
     * ({@link Restored#into}). A failure is thrown after the restore removed everything it made.
     */
    @FunctionalInterface
    public interface Restore {
        Container restore(CheckpointStore.Stored from, ContainerName name, Restored outcome);
    }

    /**
     * {@code req} made by {@code restore} or {@code fresh}, as the policy says.
     *
     * @throws QuiltException CONFLICT when the name is in use (before anything is tried); what {@code fresh} throws
     */
    public Container create(ContainerRequest req, Restore restore, Function<ContainerRequest, Container> fresh) {
        if (!PersistPolicy.asked(req.labels()) || req.name().isEmpty()) return fresh.apply(req);
        ContainerName name = req.name().get();
        if (lookup.named(name).isPresent()) {
            throw QuiltException.conflict("name '" + name.value() + "' is in use; remove that container first");
        }
        Optional<CheckpointStore.Stored> newest = newest(name);
        if (newest.isEmpty()) {
            Restored none = PersistPolicy.withoutRestore(name, Optional.empty()).orElseThrow();
            return fresh.apply(req.withLabels(none.into(req.labels())));
        }
        String ref = checkpoints.refOf(newest.get());
        try {
            return restore.restore(newest.get(), name, Restored.restore(ref));
        } catch (RuntimeException e) {
            Restored fell = Restored.fresh(Optional.of(ref), reason(e));
            warnings.warn(fell.warning());
            return fresh.apply(req.withLabels(fell.into(req.labels())));
        }
    }

    /**
     * The newest checkpoint taken of a container named {@code name} ({@link PersistPolicy#newest}); damaged ones count
     * (their restore says why), one that lost its manifest at the time its record was saved
     * ({@link CheckpointStore.Stored#created}). Only that one is tried: restoring an older one instead would roll the
     * container back silently; the warning names the newest's problem, and removing it makes the next create take
     * the one before.
     */
    Optional<CheckpointStore.Stored> newest(ContainerName name) {
        List<PersistPolicy.Candidate> all = new ArrayList<>();
        java.util.Map<PersistPolicy.Candidate, CheckpointStore.Stored> by = new java.util.HashMap<>();
        for (CheckpointStore.Stored s : checkpoints.list()) {
            if (s.containerName().isEmpty()) continue;
            java.time.Instant at = s.created();
            PersistPolicy.Candidate c = new PersistPolicy.Candidate(s.containerName().get(), s.id().value(),
                    s.name().value(), at);
            all.add(c);
            by.put(c, s);
        }
        return PersistPolicy.newest(all, name).map(by::get);
    }

    /** One line saying why a restore failed: Quilt's own message, or what the unexpected failure was. */
    static String reason(RuntimeException e) {
        String m = e instanceof QuiltException ? e.getMessage()
                : "internal error (" + e.getClass().getSimpleName() + ")";
        if (m == null || m.isBlank()) m = "restore failed";
        m = m.strip().replace('\n', ' ');
        return m;
    }
}
