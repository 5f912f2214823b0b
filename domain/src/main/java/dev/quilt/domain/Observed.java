package dev.quilt.domain;

import java.time.Instant;
import java.util.Optional;

/**
 * Status the way OCI {@code state} derives it: the record, plus what is true on
 * the machine now. The record says what Quilt last wrote; the processes and the
 * monitor's exit file say what happened since, also when no Quilt was there to
 * see it (a killed CLI, a container that exited on its own).
 */
public final class Observed {
    private Observed() {}

    /**
     * What the machine says about one container. {@code frozen}: its cgroup's
     * freezer holds it (OCI state {@code paused}, as runc derives it from the freezer).
     */
    public record Facts(Optional<ExitStatus> recordedExit, Optional<Instant> exitedAt, Optional<ProcessRef> init,
                        Optional<ProcessRef> monitor, boolean initAlive, boolean monitorAlive, boolean startPending,
                        boolean frozen) {
        /** Facts of a container whose freezer does not hold it. */
        public Facts(Optional<ExitStatus> recordedExit, Optional<Instant> exitedAt, Optional<ProcessRef> init,
                     Optional<ProcessRef> monitor, boolean initAlive, boolean monitorAlive, boolean startPending) {
            this(recordedExit, exitedAt, init, monitor, initAlive, monitorAlive, startPending, false);
        }
    }

    /**
     * The record, then what happened since; a running container whose cgroup is
     * frozen is {@link Status#PAUSED}, and a record that says paused (a record is
     * written from what was observed) is running again once it is thawed.
     */
    public static Container derive(Container record, Facts facts, Instant now) {
        Container c = lifecycle(record, facts, now);
        if (c.status() == Status.RUNNING && facts.frozen()) return c.paused();
        if (c.status() == Status.PAUSED && !facts.frozen()) return c.resumed();
        return c;
    }

    private static Container lifecycle(Container record, Facts facts, Instant now) {
        if (record.status() == Status.STOPPED) {
            // a record saved stopped with no code while the monitor was still writing it (before the lookup asked
            // again for it) takes the code the monitor wrote; one with a code keeps it
            return record.exit().isEmpty() && facts.recordedExit().isPresent()
                    ? record.exitLearned(facts.recordedExit().get(), facts.exitedAt().orElse(record.exitedAt().orElse(now)))
                    : record;
        }
        Container known = record;
        // a restore's record says creating until its maker has plugged it and written it running, with its
        // endpoint and readiness (as a fresh create's first record does): a CLI killed half-way leaves it creating,
        // which rm and gc clear, whatever its monitor did since
        if (restoring(known)) return known;
        // a CLI that died after the monitor started has not written the pids: take the monitor's
        if (known.init().isEmpty() && facts.init().isPresent() && facts.monitor().isPresent()) {
            known = facts.startPending()
                    ? known.created(facts.init().get(), facts.monitor().get())
                    : known.running(facts.init().get(), facts.monitor().get(), known.createdAt());
        }
        if (facts.recordedExit().isPresent()) {
            return known.stopped(facts.recordedExit(), facts.exitedAt().orElse(now));
        }
        if (facts.initAlive()) {
            if (known.status() == Status.CREATED && !facts.startPending()) {
                // started by someone who died before writing it down
                return known.running(known.init().orElseThrow(), known.monitor().orElseThrow(), now);
            }
            return known;
        }
        if (facts.monitorAlive()) return known; // it is writing exit.json right now
        if (known.status() == Status.CREATING && known.init().isEmpty() && facts.init().isEmpty()) {
            return known; // a create that died before it spawned anything: rm or gc clears it
        }
        // init and monitor gone, no exit recorded: the monitor was killed; the code is lost
        return known.stopped(Optional.empty(), now);
    }

    /** The label every restore's record carries from its creation on (RestoreContainer's {@code RESTORED_FROM}). */
    public static final String RESTORED_FROM = "quilt.restored-from";

    /**
     * A restore not yet written down by its maker: a {@link Status#CREATING} record of a restore
     * ({@link #RESTORED_FROM}) without its init. The maker saves the init, endpoint and readiness in one write once
     * CRIU and the monitor are done.
     */
    public static boolean restoring(Container record) {
        return record.status() == Status.CREATING && record.init().isEmpty()
                && record.spec().labels().containsKey(RESTORED_FROM);
    }

    /**
     * A created or running container whose init lives on after its monitor
     * died (killed: it leaves only once the init has exited). It is still
     * what its status says, but nothing will record its exit, copy its output
     * or answer its pid 1's SIGKILLs any more; its init was handed to the host's
     * nearest subreaper, which reaps it. conmon-less podman reports such a
     * container the same way.
     */
    public static boolean monitorGone(Status derived, boolean initAlive, boolean monitorAlive) {
        return derived.isLive() && initAlive && !monitorAlive;
    }
}
