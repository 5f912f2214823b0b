package dev.quilt.domain;

import java.util.EnumSet;
import java.util.Set;

/**
 * The OCI runtime states. Every lifecycle rule of Quilt is answered here, and
 * only here.
 */
public enum Status {
    /** storage and record being made; the process may not exist yet */
    CREATING,
    /** the init exists and waits for start */
    CREATED,
    /** the user's process runs */
    RUNNING,
    /** the init has exited (or never got to run) */
    STOPPED;

    public Set<Status> next() {
        return switch (this) {
            case CREATING -> EnumSet.of(CREATED, RUNNING, STOPPED);
            case CREATED -> EnumSet.of(RUNNING, STOPPED);
            case RUNNING -> EnumSet.of(STOPPED);
            case STOPPED -> EnumSet.noneOf(Status.class);
        };
    }

    public boolean canBecome(Status to) {
        return next().contains(to);
    }

    public boolean canStart() {
        return this == CREATED;
    }

    /** A signal makes sense while a process may exist. */
    public boolean canKill() {
        return this == CREATED || this == RUNNING;
    }

    /** rm without --force: only what no longer runs. CREATING is a crashed create. */
    public boolean canDelete() {
        return this == STOPPED || this == CREATING;
    }

    /** Moves to {@code to} or says, in the user's words, why it cannot. */
    public Status become(Status to, ContainerId id) {
        if (!canBecome(to)) {
            throw QuiltException.conflict("container '" + id.shortForm() + "' is " + word()
                    + "; it cannot become " + to.word());
        }
        return to;
    }

    public String word() {
        return name().toLowerCase();
    }
}
