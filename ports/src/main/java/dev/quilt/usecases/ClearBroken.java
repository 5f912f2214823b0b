package dev.quilt.usecases;

import dev.quilt.domain.BrokenRecordException;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.RecordedPids;
import dev.quilt.ports.ContainerProcesses;
import dev.quilt.ports.StateStore;

import java.util.Optional;

/**
 * Removes a container whose record cannot be read ({@code rm -f}, {@code gc}),
 * with what can still be known of it: the processes its monitor wrote into
 * {@code pids.json} (pid and start time, never a bare pid), then, by its ID,
 * whatever runs in its cgroup, its link, address, layer and directory. The
 * caller holds its lock.
 */
final class ClearBroken {
    private final StateStore state;
    private final ContainerProcesses processes;
    private final Forget forget;

    ClearBroken(StateStore state, ContainerProcesses processes, Forget forget) {
        this.state = state;
        this.processes = processes;
        this.forget = forget;
    }

    void clear(ContainerId id) {
        Optional<RecordedPids> pids;
        try {
            pids = state.recordedPids(id);
        } catch (BrokenRecordException e) {
            pids = Optional.empty(); // the cgroup still names whatever runs
        }
        pids.ifPresent(p -> processes.signal(p.init(), processes.sigkill()));
        Optional<RecordedPids> known = pids;
        // its monitor writes exit.json and leaves; only then are the files ours to remove
        known.map(RecordedPids::monitor).filter(processes::isAlive).ifPresent(m -> {
            try {
                processes.awaitExit(id, m, known.map(RecordedPids::init), Optional.of(Forget.KILL_DEADLINE));
            } catch (BrokenRecordException e) {
                // an exit.json is there already, even if it cannot be read: the monitor is done
            }
        });
        forget.everything(id);
    }
}
