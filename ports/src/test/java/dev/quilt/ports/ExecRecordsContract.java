package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ProcessRef;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every {@link ExecRecords} must do; each adapter's test extends this. */
public abstract class ExecRecordsContract {
    protected abstract ExecRecords records();

    /** The container exists (its state is there), so its execs can be recorded. */
    protected abstract void container(ContainerId id);

    /** The container is removed, with its state. */
    protected abstract void removed(ContainerId id);

    /** A pid that runs while the test does. */
    protected abstract int livePid();

    static String id(char c) {
        return String.valueOf(c).repeat(64);
    }

    static ExecRecords.Exec exec(String id, ContainerId c) {
        return new ExecRecords.Exec(id, c, List.of("sh", "-c", "sleep 2; exit 5"), true, false, "1000:1000", true,
                true, false, Optional.of(Duration.ofSeconds(90)), Optional.empty());
    }

    @Test
    void anExecIsReadBackAsSavedAndItsStartReplacesIt() {
        ContainerId c = ContainerId.of("c".repeat(64));
        container(c);
        ExecRecords.Exec e = exec(id('a'), c);
        records().save(e);
        assertEquals(List.of(e), records().all());
        ExecRecords.Exec started = e.started(new ProcessRef(4321, 98765));
        records().save(started);
        assertEquals(List.of(started), records().all());
        assertEquals(Optional.empty(), records().exit(c, e.id()));
    }

    @Test
    void theExitRecordIsReadBackWithItsDockerCode() {
        ContainerId c = ContainerId.of("d".repeat(64));
        container(c);
        records().save(exec(id('b'), c));
        records().exited(c, id('b'), new ExecRecords.Exit(0, 9, true));
        ExecRecords.Exit exit = records().exit(c, id('b')).orElseThrow();
        assertEquals(new ExecRecords.Exit(0, 9, true), exit);
        assertEquals(137, exit.exitCode());
        assertEquals(5, new ExecRecords.Exit(5, 0, false).exitCode());
        assertTrue(records().exitRecord(c, id('b')).isAbsolute());
    }

    @Test
    void aRemovedContainersExecsGoWithIt() {
        ContainerId kept = ContainerId.of("e".repeat(64));
        ContainerId gone = ContainerId.of("f".repeat(64));
        container(kept);
        container(gone);
        records().save(exec(id('1'), kept));
        records().save(exec(id('2'), gone));
        records().exited(gone, id('2'), new ExecRecords.Exit(3, 0, false));
        assertTrue(records().containerKept(gone));
        removed(gone);
        assertTrue(records().containerKept(kept));
        assertFalse(records().containerKept(gone));
        assertEquals(List.of(exec(id('1'), kept)), records().all());
        assertEquals(Optional.empty(), records().exit(gone, id('2')));
    }

    @Test
    void aForgottenExecLeavesNoRecordAndForgettingTwiceOrAGoneOneIsNothing() {
        ContainerId c = ContainerId.of("9".repeat(64));
        container(c);
        records().save(exec(id('4'), c));
        records().save(exec(id('5'), c));
        records().exited(c, id('4'), new ExecRecords.Exit(0, 0, false));
        records().forget(c, id('4'));
        assertEquals(List.of(exec(id('5'), c)), records().all());
        assertEquals(Optional.empty(), records().exit(c, id('4')));
        records().forget(c, id('4'));
        records().forget(c, id('6')); // never recorded
        removed(c);
        records().forget(c, id('5')); // its container went with it
        assertEquals(List.of(), records().all());
    }

    @Test
    void nothingIsKeptForAContainerRemovedBeforeItsRecordsCame() {
        ContainerId gone = ContainerId.of("d".repeat(64));
        container(gone);
        records().prepare(gone);
        records().prepare(gone); // idempotent
        removed(gone);
        // a server writing behind its replies may come with an exec's records after the container went
        records().prepare(gone);
        records().save(exec(id('3'), gone));
        records().exited(gone, id('3'), new ExecRecords.Exit(1, 0, false));
        assertEquals(List.of(), records().all());
        assertEquals(Optional.empty(), records().exit(gone, id('3')));
    }

    @Test
    void aProcessIsKnownByPidAndStartTime() {
        ProcessRef p = records().identify(livePid()).orElseThrow();
        assertEquals(livePid(), p.pid());
        assertTrue(records().alive(p));
        assertFalse(records().alive(new ProcessRef(p.pid(), p.startTime() + 1)), "a reused pid is not the process");
    }
}
