package dev.quilt.domain;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The persist policy (issue 16, item 7): a persisted container outlives its removal as a checkpoint, and the next
 * create under its name comes back from that checkpoint. The rule is the one of the runc wrapper Quilt learns from:
 * checkpoint on delete, restore on the next create of the same name, validate first, and fall back to a fresh
 * create on <em>any</em> failure, saying why.
 *
 * <p>It is asked for by {@code --persist} on {@code quilt run/create}, by the label {@value #LABEL} (the API's
 * {@code Labels}) and by the OCI annotation {@value #ANNOTATION} ({@code quilt-runc}'s bundles); each takes
 * {@code true} or {@code false} (any case), anything else is refused at create naming the key.
 */
public final class PersistPolicy {
    /** The label that asks for it: {@code quilt.persist=true}. */
    public static final String LABEL = "quilt.persist";
    /** The OCI annotation that asks for it in a bundle's {@code config.json}: {@code dev.quilt.persist=true}. */
    public static final String ANNOTATION = "dev.quilt.persist";

    private PersistPolicy() {
    }

    /**
     * Whether {@code labels} ask for it: {@code false} without the key.
     *
     * @throws QuiltException INVALID naming the label when its value is neither {@code true} nor {@code false}
     */
    public static boolean asked(Map<String, String> labels) {
        return flag("label " + LABEL, labels.get(LABEL));
    }

    /**
     * Whether a bundle's {@code annotations} ask for it: {@code false} without the key.
     *
     * @throws QuiltException INVALID naming the annotation when its value is neither {@code true} nor {@code false}
     */
    public static boolean annotated(Map<String, String> annotations) {
        return flag("annotation " + ANNOTATION, annotations.get(ANNOTATION));
    }

    /** Whether a spec asks for it: its label, or its bundle's annotation. */
    public static boolean asked(ContainerSpec spec) {
        return asked(spec.labels()) || spec.bundle().map(b -> annotated(b.annotations())).orElse(false);
    }

    private static boolean flag(String what, String value) {
        if (value == null) return false;
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw QuiltException.invalid(what + "='" + Identifiers.printable(value)
                    + "' must be true or false");
        };
    }

    /**
     * Why a container made so could never be persisted, or empty: its checkpoint would always be refused (the same
     * refusals as {@code quilt checkpoint}'s), so the create that asks for both is refused instead, naming the option:
     * {@code --init} (its pid 1 runs from a sealed memfd, which CRIU 4.1.1 does not restore), {@code --network host}
     * (the host's network namespace), a bind mount from the host ({@code -v}: not checkpointed yet), a user namespace
     * ({@code --userns}/{@code --uidmap}: not checkpointed yet).
     */
    public static Optional<String> cannotPersist(boolean init, NetworkMode network, Security security) {
        String persist = "--persist (label " + LABEL + "=true)";
        if (init) {
            return Optional.of(persist + " cannot go with --init (or no command: Quilt's init is then pid 1): its pid 1"
                    + " cannot be checkpointed (CRIU does not restore a sealed memfd); drop one of them, or give a"
                    + " command of its own");
        }
        if (network == NetworkMode.HOST) {
            return Optional.of(persist + " cannot go with --network host: a container on the host's network cannot be"
                    + " checkpointed; drop one of them");
        }
        for (MountSpec m : security.mounts()) {
            if (m.type().equals("bind")) {
                return Optional.of(persist + " cannot go with the bind mount -v " + Identifiers.printable(String.valueOf(m.source()))
                        + ":" + Identifiers.printable(m.destination()) + ": a container with bind mounts from the host"
                        + " cannot be checkpointed; drop one of them");
            }
        }
        if (!(security.userns() instanceof UserNamespace.Host)) {
            return Optional.of(persist + " cannot go with a user namespace (--userns, --uidmap): such a container"
                    + " cannot be checkpointed; drop one of them");
        }
        return Optional.empty();
    }

    /** What {@code rm} does with a container before it removes it. */
    public enum OnRemove {
        /** Nothing: it is not persisted, or nothing runs that a checkpoint could keep. */
        REMOVE,
        /** Checkpoint it first (its processes end with the dump); a failed checkpoint is a warning, not a stop. */
        CHECKPOINT_THEN_REMOVE
    }

    /**
     * {@code rm} of {@code c}: a persisted container whose processes run (running or paused) is checkpointed first;
     * one that is created, stopped or broken has nothing a checkpoint could keep. A value other than true/false (a
     * record made before the key was Quilt's) is not persisted: a removal is never refused for it.
     */
    public static OnRemove onRemove(Container c) {
        boolean live = c.status() == Status.RUNNING || c.status() == Status.PAUSED;
        if (!live) return OnRemove.REMOVE;
        try {
            return asked(c.spec()) ? OnRemove.CHECKPOINT_THEN_REMOVE : OnRemove.REMOVE;
        } catch (QuiltException e) {
            return OnRemove.REMOVE; // a record made before the key was Quilt's may hold any value: not persisted
        }
    }

    /**
     * Which checkpoint a create of {@code name} restores: the newest ({@link Candidate#createdAt}) of those taken of
     * a container of that name; empty when there is none. Ties go to the later checkpoint name, so the choice does not
     * depend on the order the store lists them in.
     */
    public static Optional<Candidate> newest(List<Candidate> all, ContainerName name) {
        return all.stream().filter(c -> c.container().equals(name))
                .max(newestLast(Candidate::createdAt, Candidate::checkpoint));
    }

    /**
     * The one order "newest" means for checkpoints, here and for a reference {@code NAME} alone
     * ({@link dev.quilt.domain.checkpoint.CheckpointRef#NEWEST_FIRST}): by the time taken, ties by the checkpoint's
     * name; ascending (the newest last).
     */
    public static <T> Comparator<T> newestLast(java.util.function.Function<T, Instant> created,
                                               java.util.function.Function<T, String> checkpoint) {
        return Comparator.comparing(created).thenComparing(checkpoint);
    }

    /**
     * A checkpoint on disk as the policy sees it: the name of the container it was taken of, its own name
     * ({@code checkpoints/<id>/<checkpoint>}) and when it was committed.
     */
    public record Candidate(ContainerName container, String containerId, String checkpoint, Instant createdAt) {
        /** How {@code inspect} names it: {@code NAME/CHECKPOINT}. */
        public String ref() {
            return container.value() + "/" + checkpoint;
        }
    }

    /**
     * What a create of a persisted container tries first: a restore of {@code newest}, or, with none, a fresh create
     * whose outcome already says why.
     */
    public static Optional<Restored> withoutRestore(ContainerName name, Optional<Candidate> newest) {
        return newest.isPresent() ? Optional.empty()
                : Optional.of(Restored.fresh(Optional.empty(), "no checkpoint of '" + name.value() + "'"));
    }
}
