package dev.quilt.cli.serve;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ExitStatus;
import dev.quilt.fake.FakeExecRecords;
import dev.quilt.ports.ContainerExec;
import dev.quilt.ports.ExecRecords;
import dev.quilt.usecases.ExecInContainer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exec records: what one server writes, the next one adopts (issue 15: "exec sessions it can still see"). */
class ExecSessionsTest {
    private final FakeExecRecords records = new FakeExecRecords();
    private final ContainerId box = ContainerId.of("c".repeat(64));
    private final ExecInContainer.Request req = new ExecInContainer.Request(List.of("sh", "-c", "sleep 2; exit 5"),
            List.of(), k -> Optional.empty(), Optional.empty(), Optional.empty(), false, true);

    private ExecSessions.Exec make(ExecSessions s) {
        return s.add(box, "box", "img", req, false, true, true, 24, 80, Optional.of(Duration.ofMinutes(1)), "1000",
                id -> false);
    }

    private static ContainerExec.Session session(int pid) {
        return new ContainerExec.Session() {
            public int pid() {
                return pid;
            }

            public ExitStatus await() {
                throw new IllegalStateException("not awaited here");
            }

            public void resize(int rows, int cols) {}

            public void signal(int signal) {}

            public boolean timedOut() {
                return false;
            }

            public void close() {}
        };
    }

    @Test
    void anExecThatEndedBeforeItsStartTimeWasReadIsAdoptedEndedWithItsPid() {
        ExecSessions first = new ExecSessions(records);
        ExecSessions.Exec e = make(first);
        assertTrue(e.claim());
        records.end(4242); // gone before the server read its start time: identify finds nothing
        first.started(e, session(4242));
        first.ended(e, ExitStatus.exited(3), false);

        ExecSessions.Exec adopted = new ExecSessions(records).get(e.id).orElseThrow();
        assertEquals(4242, adopted.pid(), "the Pid it had, from its record");
        assertEquals(ExecSessions.Phase.ENDED, adopted.phase());
        assertEquals(Optional.of(3), adopted.exitCode());
    }

    /**
     * Past {@link ExecSessions#KEPT_ENDED} ended execs, the oldest ends are forgotten on disk too (their record and
     * exit record), so a container running thousands of execs keeps a bounded number of files; one created and never
     * started is kept. A later server counts the ended ones it adopts against the same bound.
     */
    @Test
    void theOldestEndedExecsPastTheBoundAreForgottenOnDiskToo() {
        ExecSessions s = new ExecSessions(records);
        ExecSessions.Exec waiting = make(s); // never started
        ExecSessions.Exec first = null;
        for (int i = 0; i < ExecSessions.KEPT_ENDED + 20; i++) {
            ExecSessions.Exec e = make(s);
            if (first == null) first = e;
            assertTrue(e.claim());
            s.started(e, session(1000 + i));
            s.ended(e, ExitStatus.exited(0), false);
        }
        make(s); // the make that finds the last one ended
        assertTrue(records.all().size() <= ExecSessions.KEPT_ENDED + 2, "bounded: " + records.all().size());
        String gone = first.id;
        assertTrue(records.all().stream().noneMatch(r -> r.id().equals(gone)), "the oldest end's record went");
        assertEquals(Optional.empty(), records.exit(box, gone), "and its exit record");
        assertTrue(s.get(gone).isEmpty());
        assertTrue(records.all().stream().anyMatch(r -> r.id().equals(waiting.id)), "a created one is kept");

        // a later server adopts what is left and more ended ones recorded meanwhile: the bound holds again
        for (int i = 0; i < 100; i++) {
            String id = String.format("%064x", i + 1);
            records.save(new ExecRecords.Exec(id, box, List.of("true"), false, false, "", false, true, true,
                    Optional.empty(), Optional.of(new dev.quilt.domain.ProcessRef(5000 + i, 1))));
            records.exited(box, id, new ExecRecords.Exit(0, 0, false));
        }
        ExecSessions next = new ExecSessions(records);
        make(next);
        assertTrue(records.all().size() <= ExecSessions.KEPT_ENDED + 3, "bounded: " + records.all().size());
        assertTrue(next.get(waiting.id).isPresent());
    }

    /** The fresh-user finding: one busy container's ends once took a quiet one's just-ended execs with them. */
    @Test
    void aBusyContainerForgetsOnlyItsOwnEndedExecs() {
        ExecSessions s = new ExecSessions(records);
        ContainerId quiet = ContainerId.of("d".repeat(64));
        ExecSessions.Exec its = make(s, quiet);
        endNow(s, its, 1);
        ExecSessions.Exec first = null;
        for (int i = 0; i < ExecSessions.KEPT_ENDED + 20; i++) {
            ExecSessions.Exec e = make(s);
            if (first == null) first = e;
            endNow(s, e, 1000 + i);
        }
        make(s);
        assertTrue(s.get(first.id).isEmpty(), "the busy one's oldest end is forgotten");
        assertTrue(s.get(its.id).isPresent(), "the quiet one's is not");
        assertTrue(records.all().stream().anyMatch(r -> r.id().equals(its.id)), "nor its record");
    }

    /** Past {@link ExecSessions#KEPT_ENDED_IN_ALL} ended execs in all, the oldest end goes, whoever's it is. */
    @Test
    void allContainersTogetherKeepABoundedNumber() {
        ExecSessions s = new ExecSessions(records);
        List<ContainerId> boxes = new java.util.ArrayList<>();
        for (int c = 0; c < 32; c++) boxes.add(ContainerId.of(String.format("%064x", c + 1)));
        ExecSessions.Exec first = null;
        for (int i = 0; i < ExecSessions.KEPT_ENDED_IN_ALL + 10; i++) {
            ExecSessions.Exec e = make(s, boxes.get(i % boxes.size()));
            if (first == null) first = e;
            endNow(s, e, 1000 + i);
        }
        make(s, boxes.get(0));
        assertTrue(s.get(first.id).isEmpty(), "the oldest end of all is forgotten");
        assertTrue(s.size() <= ExecSessions.KEPT_ENDED_IN_ALL + 1, "bounded: " + s.size());
    }

    private ExecSessions.Exec make(ExecSessions s, ContainerId container) {
        return s.add(container, "box", "img", req, false, true, true, 24, 80, Optional.of(Duration.ofMinutes(1)),
                "1000", id -> false);
    }

    private static void endNow(ExecSessions s, ExecSessions.Exec e, int pid) {
        assertTrue(e.claim());
        s.started(e, session(pid));
        s.ended(e, ExitStatus.exited(0), false);
    }

    @Test
    void theExecsOfARemovedContainerAreNoLongerFound() {
        ExecSessions s = new ExecSessions(records);
        ExecSessions.Exec e = make(s);
        ExecSessions.Exec other = make(s);
        assertTrue(s.get(e.id).isPresent());
        records.remove(box); // rm -f: its state, with the exec records, is gone
        assertTrue(s.get(e.id).isEmpty());
        assertTrue(s.get(other.id).isEmpty());
        assertEquals(List.of(), s.of(box));
    }

    @Test
    void aRunningExecIsAdoptedRunningWithItsPidAndEndsWithItsRecordedCode() {
        ExecSessions first = new ExecSessions(records);
        ExecSessions.Exec e = make(first);
        assertTrue(e.claim());
        first.started(e, session(77));
        assertEquals(e.id + ".exit.json", first.exitRecord(e).getFileName().toString());

        ExecSessions second = new ExecSessions(records);
        ExecSessions.Exec adopted = second.get(e.id).orElseThrow();
        assertTrue(adopted.adopted());
        assertEquals(ExecSessions.Phase.RUNNING, adopted.phase());
        assertEquals(77, adopted.pid());
        assertEquals(List.of("sh", "-c", "sleep 2; exit 5"), adopted.request.args());
        assertTrue(adopted.request.tty());
        assertEquals(Optional.of(Duration.ofMinutes(1)), adopted.timeout);
        assertEquals("1000", adopted.user);
        assertFalse(adopted.claim(), "an adopted exec is never started again");
        assertEquals(List.of(e.id), second.of(box));

        records.exited(box, e.id, new ExecRecords.Exit(5, 0, false)); // quilt-exec, at the command's end
        records.end(77);
        ExecSessions.Exec ended = second.get(e.id).orElseThrow();
        assertEquals(ExecSessions.Phase.ENDED, ended.phase());
        assertEquals(Optional.of(5), ended.exitCode());
        assertFalse(ended.exitUnknown());
    }

    @Test
    void aCommandGoneWithoutARecordHasNoExitCodeUntilOneAppears() {
        ExecSessions first = new ExecSessions(records);
        ExecSessions.Exec e = make(first);
        e.claim();
        first.started(e, session(78));
        records.end(78);
        ExecSessions second = new ExecSessions(records);
        ExecSessions.Exec gone = second.get(e.id).orElseThrow();
        assertEquals(ExecSessions.Phase.ENDED, gone.phase());
        assertEquals(Optional.empty(), gone.exitCode());
        assertTrue(gone.exitUnknown());
        records.exited(box, e.id, new ExecRecords.Exit(0, 9, true));
        ExecSessions.Exec late = second.get(e.id).orElseThrow();
        assertEquals(Optional.of(137), late.exitCode());
        assertTrue(late.timedOut());
        assertFalse(late.exitUnknown());
    }

    @Test
    void endsAndFailuresOfThisServerAreRecordedForTheNext() {
        ExecSessions first = new ExecSessions(records);
        ExecSessions.Exec ran = make(first);
        ran.claim();
        first.started(ran, session(79));
        first.ended(ran, ExitStatus.exited(5), false);
        ExecSessions.Exec failed = make(first);
        failed.claim();
        first.failed(failed, 126);
        ExecSessions.Exec neverStarted = make(first);
        records.end(79);

        ExecSessions second = new ExecSessions(records);
        assertEquals(Optional.of(5), second.get(ran.id).orElseThrow().exitCode());
        assertEquals(Optional.of(126), second.get(failed.id).orElseThrow().exitCode());
        ExecSessions.Exec created = second.get(neverStarted.id).orElseThrow();
        assertEquals(ExecSessions.Phase.CREATED, created.phase());
        assertFalse(created.claim());
    }
}
