package dev.quilt.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * A container as its state file records it. Changes go through the methods
 * below, which ask {@link Status} whether the change is legal. What is true
 * now (has it exited meanwhile?) is {@link Observed}'s business.
 * {@code readiness} holds the phases that have held so far; {@code health}
 * what its health checks found, for a container that has one. {@code restartCount} how many times it was
 * started again after it had exited (docker's {@code RestartCount}), 0 for one that ran once.
 */
public record Container(ContainerId id, Optional<ContainerName> name, ContainerSpec spec, Status status,
                        Optional<ProcessRef> init, Optional<ProcessRef> monitor, Instant createdAt,
                        Optional<Instant> startedAt, Optional<ExitStatus> exit, Optional<Instant> exitedAt,
                        boolean autoRemove, Optional<Endpoint> endpoint, Readiness readiness,
                        Optional<Health> health, int restartCount) {

    public Container {
        if (restartCount < 0) throw new IllegalArgumentException("restartCount " + restartCount + " is negative");
    }

    /** A container that was never started again. */
    public Container(ContainerId id, Optional<ContainerName> name, ContainerSpec spec, Status status,
                     Optional<ProcessRef> init, Optional<ProcessRef> monitor, Instant createdAt,
                     Optional<Instant> startedAt, Optional<ExitStatus> exit, Optional<Instant> exitedAt,
                     boolean autoRemove, Optional<Endpoint> endpoint, Readiness readiness, Optional<Health> health) {
        this(id, name, spec, status, init, monitor, createdAt, startedAt, exit, exitedAt, autoRemove, endpoint,
                readiness, health, 0);
    }

    public static Container creating(ContainerId id, Optional<ContainerName> name, ContainerSpec spec, Instant now,
                                     boolean autoRemove) {
        return new Container(id, name, spec, Status.CREATING, Optional.empty(), Optional.empty(), now,
                Optional.empty(), Optional.empty(), Optional.empty(), autoRemove, Optional.empty(), Readiness.NONE,
                spec.health().map(h -> Health.STARTING));
    }

    /** This container with {@code spec} instead of its own (its limits updated). */
    public Container withSpec(ContainerSpec spec) {
        return new Container(id, name, spec, status, init, monitor, createdAt, startedAt, exit, exitedAt, autoRemove,
                endpoint, readiness, health, restartCount);
    }

    /** This container under {@code name} (renamed). */
    public Container named(Optional<ContainerName> name) {
        return new Container(id, name, spec, status, init, monitor, createdAt, startedAt, exit, exitedAt, autoRemove,
                endpoint, readiness, health, restartCount);
    }

    /** Its place on the network, once an address is leased for it. */
    public Container attached(Endpoint e) {
        return new Container(id, name, spec, status, init, monitor, createdAt, startedAt, exit, exitedAt, autoRemove,
                Optional.of(e), readiness, health, restartCount);
    }

    /** The init was cloned and waits for start; {@code r} says when its first phases held. */
    public Container created(ProcessRef init, ProcessRef monitor, Readiness r) {
        return new Container(id, name, spec, status.become(Status.CREATED, id), Optional.of(init), Optional.of(monitor),
                createdAt, startedAt, exit, exitedAt, autoRemove, endpoint, r, health, restartCount);
    }

    /** The user's process runs (from CREATING when create and start are one step). */
    public Container running(ProcessRef init, ProcessRef monitor, Instant now, Readiness r) {
        return new Container(id, name, spec, status.become(Status.RUNNING, id), Optional.of(init), Optional.of(monitor),
                createdAt, Optional.of(now), exit, exitedAt, autoRemove, endpoint, r, health, restartCount);
    }

    public Container created(ProcessRef init, ProcessRef monitor) {
        return created(init, monitor, readiness);
    }

    public Container running(ProcessRef init, ProcessRef monitor, Instant now) {
        return running(init, monitor, now, readiness);
    }

    /** One more phase has held. */
    public Container reached(PhaseMark mark) {
        return new Container(id, name, spec, status, init, monitor, createdAt, startedAt, exit, exitedAt, autoRemove,
                endpoint, readiness.then(mark), health, restartCount);
    }

    /** One more run of its health check. */
    public Container checked(HealthResult r) {
        HealthCheck check = spec.health().orElseThrow(() -> new IllegalStateException("no health check"));
        Health now = health.orElse(Health.STARTING).after(r, check.retries());
        return new Container(id, name, spec, status, init, monitor, createdAt, startedAt, exit, exitedAt, autoRemove,
                endpoint, readiness, Optional.of(now), restartCount);
    }

    /** Its processes were frozen (the freezer says so; see {@link Observed}). */
    public Container paused() {
        return new Container(id, name, spec, status.become(Status.PAUSED, id), init, monitor, createdAt, startedAt,
                exit, exitedAt, autoRemove, endpoint, readiness, health, restartCount);
    }

    /** Thawed again: running as before the pause. */
    public Container resumed() {
        return new Container(id, name, spec, status.become(Status.RUNNING, id), init, monitor, createdAt, startedAt,
                exit, exitedAt, autoRemove, endpoint, readiness, health, restartCount);
    }

    /** Exited, with its code, or with none when its monitor died before it could say. */
    public Container stopped(Optional<ExitStatus> how, Instant at) {
        return new Container(id, name, spec, status.become(Status.STOPPED, id), init, monitor, createdAt, startedAt,
                how, Optional.of(at), autoRemove, endpoint, readiness, health, restartCount);
    }

    public Container stopped(ExitStatus how, Instant at) {
        return stopped(Optional.of(how), at);
    }

    /**
     * A container recorded stopped with no code, whose monitor's record of the exit turned up after all: that code
     * and time. Only a stopped container without a code can learn one; a code once recorded is never replaced.
     */
    public Container exitLearned(ExitStatus how, Instant at) {
        if (status != Status.STOPPED || exit.isPresent()) {
            throw new IllegalStateException("container " + id + " is " + status.word() + exit.map(e -> " with a code")
                    .orElse("") + "; only a stopped one without a code learns its exit");
        }
        return new Container(id, name, spec, status, init, monitor, createdAt, startedAt, Optional.of(how),
                Optional.of(at), autoRemove, endpoint, readiness, health, restartCount);
    }

    /**
     * Started again after it exited (dockerd's start or restart of an exited container): the same ID, name, spec,
     * creation time and writable layer, back to {@link Status#CREATING} with no processes, address, exit or
     * readiness of the last run, and one more restart counted. Only a stopped container can.
     */
    public Container restarting() {
        return new Container(id, name, spec, status.become(Status.CREATING, id), Optional.empty(), Optional.empty(),
                createdAt, Optional.empty(), Optional.empty(), Optional.empty(), autoRemove, Optional.empty(),
                Readiness.NONE, spec.health().map(h -> Health.STARTING), restartCount + 1);
    }

    /** The name people use for it: its name, else its short ID. */
    public String displayName() {
        return name.map(ContainerName::value).orElse(id.shortForm());
    }
}
