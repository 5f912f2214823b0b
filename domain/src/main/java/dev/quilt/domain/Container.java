package dev.quilt.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A container as its state file records it. Changes go through the methods
 * below, which ask {@link Status} whether the change is legal. What is true
 * now (has it exited meanwhile?) is {@link Observed}'s business.
 */
public record Container(ContainerId id, Optional<ContainerName> name, ContainerSpec spec, Status status,
                        Optional<ProcessRef> init, Optional<ProcessRef> monitor, Instant createdAt,
                        Optional<Instant> startedAt, Optional<ExitStatus> exit, Optional<Instant> exitedAt,
                        boolean autoRemove, Optional<Endpoint> endpoint, Optional<Duration> networkSetup) {

    public static Container creating(ContainerId id, Optional<ContainerName> name, ContainerSpec spec, Instant now,
                                     boolean autoRemove) {
        return new Container(id, name, spec, Status.CREATING, Optional.empty(), Optional.empty(), now,
                Optional.empty(), Optional.empty(), Optional.empty(), autoRemove, Optional.empty(), Optional.empty());
    }

    /** Its place on the network, once an address is leased for it. */
    public Container attached(Endpoint e) {
        return new Container(id, name, spec, status, init, monitor, createdAt, startedAt, exit, exitedAt, autoRemove,
                Optional.of(e), networkSetup);
    }

    /** The init was cloned and waits for start; its network (if any) took {@code setup}. */
    public Container created(ProcessRef init, ProcessRef monitor, Optional<Duration> setup) {
        return new Container(id, name, spec, status.become(Status.CREATED, id), Optional.of(init), Optional.of(monitor),
                createdAt, startedAt, exit, exitedAt, autoRemove, endpoint, setup);
    }

    /** The user's process runs (from CREATING when create and start are one step). */
    public Container running(ProcessRef init, ProcessRef monitor, Instant now, Optional<Duration> setup) {
        return new Container(id, name, spec, status.become(Status.RUNNING, id), Optional.of(init), Optional.of(monitor),
                createdAt, Optional.of(now), exit, exitedAt, autoRemove, endpoint, setup);
    }

    public Container created(ProcessRef init, ProcessRef monitor) {
        return created(init, monitor, networkSetup);
    }

    public Container running(ProcessRef init, ProcessRef monitor, Instant now) {
        return running(init, monitor, now, networkSetup);
    }

    /** Exited, with its code, or with none when its monitor died before it could say. */
    public Container stopped(Optional<ExitStatus> how, Instant at) {
        return new Container(id, name, spec, status.become(Status.STOPPED, id), init, monitor, createdAt, startedAt,
                how, Optional.of(at), autoRemove, endpoint, networkSetup);
    }

    public Container stopped(ExitStatus how, Instant at) {
        return stopped(Optional.of(how), at);
    }

    /** The name people use for it: its name, else its short ID. */
    public String displayName() {
        return name.map(ContainerName::value).orElse(id.shortForm());
    }
}
