package dev.quilt.domain;

import java.util.EnumSet;
import java.util.Set;

/**
 * The OCI runtime states. Every lifecycle rule of Quilt is answered here, and
 * only here.
 */
public enum Status {
    /** storage and record being made (or made again, for a restart); the process may not exist yet */
    CREATING,
    /** the init exists and waits for start */
    CREATED,
    /** the user's process runs */
    RUNNING,
    /**
     * the user's processes are frozen by the cgroup freezer ({@code quilt pause},
     * {@code runc pause}); derived from the freezer, never only from the record
     */
    PAUSED,
    /** the init has exited (or never got to run) */
    STOPPED;

    public Set<Status> next() {
        return switch (this) {
            case CREATING -> EnumSet.of(CREATED, RUNNING, STOPPED);
            case CREATED -> EnumSet.of(RUNNING, STOPPED);
            case RUNNING -> EnumSet.of(PAUSED, STOPPED);
            case PAUSED -> EnumSet.of(RUNNING, STOPPED);
            // started again (docker's start/restart of an exited container): the same record, made anew
            case STOPPED -> EnumSet.of(CREATING);
        };
    }

    public boolean canBecome(Status to) {
        return next().contains(to);
    }

    public boolean canStart() {
        return this == CREATED;
    }

    /**
     * An exited container may run again with its ID, name, config and writable layer (dockerd's start and restart
     * of an exited container): its record goes back to {@link #CREATING} and the one create path runs on it.
     */
    public boolean canStartAgain() {
        return this == STOPPED;
    }

    /** A signal makes sense while a process may exist (a paused one's waits until it is resumed, SIGKILL aside). */
    public boolean canKill() {
        return this == CREATED || this == RUNNING || this == PAUSED;
    }

    /** Only a running container is paused (docker's rule: a created one is refused, where runc would freeze it). */
    public boolean canPause() {
        return this == RUNNING;
    }

    public boolean canResume() {
        return this == PAUSED;
    }

    /** Its processes may exist: created, running or paused. */
    public boolean isLive() {
        return this == CREATED || this == RUNNING || this == PAUSED;
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
