package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.ExitStatus;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link ProcessSpawner} must do. Subclasses prepare a container's
 * storage and say how to spell three commands in their world.
 */
public abstract class ProcessSpawnerContract {
    /** A readiness deadline no test comes near. */
    protected final java.time.Instant soon = java.time.Instant.now().plusSeconds(60);

    protected abstract ProcessSpawner spawner();

    /** A container id whose storage is prepared, with the spec to run {@code args} in it. */
    protected abstract ContainerSpec prepared(ContainerId id, List<String> args);

    protected abstract List<String> exitWith(int code);

    protected abstract List<String> runUntilSignalled();

    protected abstract List<String> missingBinary();

    protected abstract int liveProcessesOf(ContainerId id);

    @Test
    void anExitCodeComesBack() {
        ContainerId id = ContainerId.of("exit7");
        try (ProcessSpawner.Launched l = spawner().launch(id, prepared(id, exitWith(7)), java.util.Optional.empty(), Cgroups.Placement.NONE, ProcessSpawner.Mode.FOREGROUND, soon)) {
            assertTrue(l.process().pid() > 0);
            // the first two readiness phases: the init existed; no endpoint, so no network to wait for
            assertEquals(java.util.Optional.of(dev.quilt.domain.Phase.EXEC), l.readiness().next());
            assertTrue(l.readiness().of(dev.quilt.domain.Phase.NETWORK).orElseThrow().skipped());
            assertTrue(!l.readiness().of(dev.quilt.domain.Phase.SPAWNED).orElseThrow().at().isAfter(soon));
            assertEquals(ExitStatus.exited(7), l.awaitExit());
        }
        assertEquals(0, liveProcessesOf(id));
    }

    @Test
    void aSignalIsReportedAs128PlusN() {
        ContainerId id = ContainerId.of("killed");
        try (ProcessSpawner.Launched l = spawner().launch(id, prepared(id, runUntilSignalled()), java.util.Optional.empty(), Cgroups.Placement.NONE, ProcessSpawner.Mode.FOREGROUND, soon)) {
            l.signal(9);
            assertEquals(ExitStatus.killedBy(9), l.awaitExit());
            l.signal(9); // already gone: still fine
        }
        assertEquals(0, liveProcessesOf(id));
    }

    @Test
    void aMissingBinaryFailsTheExecStepWithENOENT() {
        ContainerId id = ContainerId.of("nosuch");
        SpawnFailedException e = assertThrows(SpawnFailedException.class,
                () -> spawner().launch(id, prepared(id, missingBinary()), java.util.Optional.empty(), Cgroups.Placement.NONE, ProcessSpawner.Mode.FOREGROUND, soon));
        assertEquals(SpawnFailedException.Step.EXEC, e.step());
        assertEquals("ENOENT", e.errnoName());
        assertEquals(127, e.exitCode());
        assertTrue(e.getMessage().startsWith("exec \"" + missingBinary().get(0) + "\": no such file or directory"),
                e.getMessage());
        assertEquals(0, liveProcessesOf(id));
    }
}
