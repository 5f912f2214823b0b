package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.Durations;
import dev.quilt.domain.HealthCheck;
import dev.quilt.domain.HealthResult;
import dev.quilt.domain.Phase;
import dev.quilt.domain.PhaseMark;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.Clock;
import dev.quilt.ports.ContainerExec;
import dev.quilt.ports.ContainerProcesses;
import dev.quilt.ports.NotReadyException;
import dev.quilt.ports.SpawnFailedException;
import dev.quilt.ports.StateStore;
import dev.quilt.ports.Ticker;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The rest of the readiness chain once the command runs: {@code exec} (a real
 * exec into the container exits 0) then {@code healthy} (its health check
 * passes, or it has none). Each is an event, the exec's or the check's exit;
 * the check runs again on its start-interval schedule until it passes, and one
 * deadline bounds it all. A container that does not make it is removed with all
 * that was made for it, unless its policy says to keep it.
 */
public final class BecomeReady {
    private final StateStore state;
    private final ContainerExec exec;
    private final ContainerProcesses processes;
    private final CheckHealth health;
    private final Ticker ticker;
    private final Forget forget;
    private final Clock clock;

    public BecomeReady(StateStore state, ContainerExec exec, ContainerProcesses processes,
                       CheckHealth health, Ticker ticker, Forget forget, Clock clock) {
        this.state = state;
        this.exec = exec;
        this.processes = processes;
        this.health = health;
        this.ticker = ticker;
        this.forget = forget;
        this.clock = clock;
    }

    /**
     * Returns the container once every phase holds (or, for one with no
     * health check whose command exited first, once there is nothing left to
     * be ready). Otherwise throws {@link NotReadyException}, after removing it
     * unless {@code --keep-on-failure}.
     */
    public Container await(Container c, Instant deadline) {
        try {
            return chain(c, deadline);
        } catch (NotReadyException e) {
            String what = "container '" + c.displayName() + "' is not ready: " + e.getMessage();
            if (c.spec().ready().keepOnFailure()) {
                throw new NotReadyException(e.phase(), what + "; kept it (--keep-on-failure): 'quilt inspect "
                        + c.displayName() + "' shows how far it got", e.exitCode());
            }
            forget.everything(c.id());
            throw new NotReadyException(e.phase(), what + "; removed it (--keep-on-failure keeps it)", e.exitCode());
        }
    }

    /**
     * A created container, whose chain runs at its start: what its {@code exec} phase needs may be made now, behind
     * the caller ({@link ContainerExec#expect}), so that start only opens the gate and waits.
     */
    public void expect(Container created) {
        if (created.init().isPresent()) exec.expect(health.target(created));
    }

    private Container chain(Container c, Instant deadline) {
        // each phase's time runs from the event before it: durations add up to the whole
        Instant since = c.readiness().marks().stream().map(PhaseMark::at).max(Instant::compareTo).orElse(c.createdAt());
        if (c.startedAt().isPresent() && c.startedAt().get().isAfter(since)) since = c.startedAt().get();
        ContainerExec.Target target = health.target(c); // once: the cgroup's placement is looked up on disk
        try {
            ContainerExec.Captured probe = exec.probe(target, c.spec().process(), left(deadline, Phase.EXEC, c));
            if (probe.timedOut()) throw late(Phase.EXEC, c, "");
            if (probe.exit().code() != 0) {
                // an init that exits kills every process in its pid namespace, the probe too (a SIGKILL, 137):
                // a command done before its probe was, as `sh -c 'exit 3'` often is, is no failed probe
                if (!processes.isAlive(c.init().orElseThrow())) return exitedEarly(c);
                throw new NotReadyException(Phase.EXEC, "phase exec failed: the probe exited " + probe.exit().code()
                        + (probe.output().isBlank() ? "" : ": " + firstLine(probe.output())));
            }
        } catch (QuiltException e) {
            if (e instanceof NotReadyException) throw e;
            if (ended(c, e)) return exitedEarly(c);
            throw new NotReadyException(Phase.EXEC, "phase exec failed: " + e.getMessage());
        }
        Instant execAt = clock.now();
        PhaseMark held = PhaseMark.held(Phase.EXEC, execAt, Duration.between(since, execAt));
        Optional<HealthCheck> check = c.spec().health();
        // with no check to run, the last phase is settled now too: one record for both
        if (check.isEmpty()) return mark(c, held, PhaseMark.skipped(Phase.HEALTHY, clock.now()));
        c = mark(c, held);

        HealthResult last = null;
        try (Ticker.Ticks ticks = ticker.every(check.get().startInterval())) {
            do {
                Duration left = left(deadline, Phase.HEALTHY, c, last);
                boolean cut = left.compareTo(check.get().timeout()) < 0;
                Duration budget = min(check.get().timeout(), left);
                CheckHealth.Outcome o;
                try {
                    o = health.once(c, target, budget, cut && last != null);
                } catch (NotReadyException e) {
                    throw e;
                } catch (QuiltException e) { // it could not run: no /bin/sh in the image, the container gone
                    if (ended(c, e)) throw exitedBeforeHealthy(last);
                    throw new NotReadyException(Phase.HEALTHY, "phase healthy failed: the check could not run: "
                            + e.getMessage());
                }
                // killed by the readiness deadline, not its own timeout: no verdict; an earlier one stands
                if (cut && last != null && o.result().timedOut()) throw late(Phase.HEALTHY, c, lastCheck(last));
                last = o.result();
                if (last.healthy()) {
                    return mark(o.container(), PhaseMark.held(Phase.HEALTHY, last.end(), Duration.between(execAt, last.end())));
                }
                if (!processes.isAlive(c.init().orElseThrow())) throw exitedBeforeHealthy(last);
            } while (ticks.await(deadline));
        }
        throw late(Phase.HEALTHY, c, lastCheck(last));
    }

    /** The exec failed because the container is over: its init is gone, or was found ending. */
    private boolean ended(Container c, QuiltException e) {
        return (e instanceof SpawnFailedException s && s.initGone()) || !processes.isAlive(c.init().orElseThrow());
    }

    private static NotReadyException exitedBeforeHealthy(HealthResult last) {
        return new NotReadyException(Phase.HEALTHY, "phase healthy failed: the container exited before its health "
                + "check passed" + lastCheck(last));
    }

    /** A job that is done before it could be probed: nothing is left to be ready, and that is no failure. */
    private Container exitedEarly(Container c) {
        if (c.spec().health().isPresent()) {
            throw new NotReadyException(Phase.EXEC, "phase exec failed: the container exited before its health "
                    + "check could run");
        }
        return c;
    }

    /**
     * Records that a phase held (or, in one write, phases that held in turn). A container adopted from a CLI that died
     * before it saved the first phases has none to follow; its chain is not
     * recorded, though it is still walked. A record that cannot be written (a
     * full disk) fails the phase, so the container goes like any that did not
     * become ready rather than run on behind a failed command.
     */
    private Container mark(Container c, PhaseMark... marks) {
        try (StateStore.Lock lock = state.lock(c.id())) {
            Optional<Container> stored = state.load(c.id());
            if (stored.isEmpty()) return c; // removed meanwhile: nothing to record it in
            Container now = stored.get();
            boolean changed = false;
            for (PhaseMark m : marks) {
                if (now.readiness().next().filter(m.phase()::equals).isEmpty()) break;
                now = now.reached(m);
                changed = true;
            }
            if (!changed) return now;
            try {
                state.save(now);
            } catch (QuiltException e) {
                throw new NotReadyException(marks[0].phase(), "phase " + marks[0].phase().word() + " held, but it "
                        + "could not be recorded: " + e.getMessage());
            }
            return now;
        }
    }

    private Duration left(Instant deadline, Phase phase, Container c) {
        return left(deadline, phase, c, null);
    }

    private Duration left(Instant deadline, Phase phase, Container c, HealthResult last) {
        Duration d = Duration.between(clock.now(), deadline);
        if (d.isNegative() || d.isZero()) throw late(phase, c, lastCheck(last));
        return d;
    }

    private static NotReadyException late(Phase phase, Container c, String detail) {
        return new NotReadyException(phase, "phase " + phase.word() + " did not hold within "
                + Durations.format(c.spec().ready().timeout()) + detail);
    }

    private static String lastCheck(HealthResult r) {
        if (r == null) return "";
        String out = firstLine(r.output());
        return " (last check: " + r.how() + (out.isEmpty() ? "" : ": " + out) + ")";
    }

    private static String firstLine(String s) {
        String line = s.strip().lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
