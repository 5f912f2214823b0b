package dev.quilt.domain;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The phases that have held so far, in order and with none left out: a phase is
 * marked only after every phase before it, so the first one missing is the one
 * that failed.
 */
public record Readiness(List<PhaseMark> marks) {
    public static final Readiness NONE = new Readiness(List.of());

    public Readiness {
        marks = List.copyOf(marks);
        for (int i = 0; i < marks.size(); i++) {
            if (marks.get(i).phase().ordinal() != i) {
                throw new IllegalArgumentException("phase " + marks.get(i).phase().word() + " marked in place "
                        + i + "; the phases hold in order");
            }
        }
    }

    /** This chain with {@code mark} added; it must be the next phase of the chain. */
    public Readiness then(PhaseMark mark) {
        Phase next = next().orElseThrow(() -> new IllegalStateException("every phase has already held"));
        if (mark.phase() != next) {
            throw new IllegalStateException("phase " + mark.phase().word() + " cannot hold before " + next.word());
        }
        List<PhaseMark> more = new ArrayList<>(marks);
        more.add(mark);
        return new Readiness(more);
    }

    /** The phase that has yet to hold, or empty when all have. */
    public Optional<Phase> next() {
        int n = marks.size();
        return n == Phase.values().length ? Optional.empty() : Optional.of(Phase.values()[n]);
    }

    public boolean holds(Phase phase) {
        return marks.size() > phase.ordinal();
    }

    public Optional<PhaseMark> of(Phase phase) {
        return holds(phase) ? Optional.of(marks.get(phase.ordinal())) : Optional.empty();
    }

    /** How long the bridge network took to plumb, when there was one. */
    public Optional<Duration> networkSetup() {
        return of(Phase.NETWORK).filter(m -> !m.skipped()).map(PhaseMark::took);
    }
}
