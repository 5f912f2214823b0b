package dev.quilt.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * A container as its state file records it. Changes go through the methods
 * below, which ask {@link Status} whether the change is legal.
 */
public record Container(ContainerId id, Optional<ContainerName> name, ContainerSpec spec, Status status,
                        Optional<ProcessRef> init, Instant createdAt, Optional<Instant> startedAt,
                        Optional<ExitStatus> exit, Optional<Instant> exitedAt) {

    public static Container creating(ContainerId id, Optional<ContainerName> name, ContainerSpec spec, Instant now) {
        return new Container(id, name, spec, Status.CREATING, Optional.empty(), now, Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    /** The init was cloned and waits for start. */
    public Container created(ProcessRef init) {
        return new Container(id, name, spec, status.become(Status.CREATED, id), Optional.of(init), createdAt,
                startedAt, exit, exitedAt);
    }

    /** The user's process runs (from CREATING when create and start are one step). */
    public Container running(ProcessRef init, Instant now) {
        return new Container(id, name, spec, status.become(Status.RUNNING, id), Optional.of(init), createdAt,
                Optional.of(now), exit, exitedAt);
    }

    public Container stopped(ExitStatus how, Instant now) {
        return new Container(id, name, spec, status.become(Status.STOPPED, id), init, createdAt, startedAt,
                Optional.of(how), Optional.of(now));
    }

    /** The name people use for it: its name, else its short ID. */
    public String displayName() {
        return name.map(ContainerName::value).orElse(id.shortForm());
    }
}
