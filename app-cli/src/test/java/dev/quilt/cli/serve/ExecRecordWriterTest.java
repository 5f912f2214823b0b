package dev.quilt.cli.serve;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ProcessRef;
import dev.quilt.fake.FakeExecRecords;
import dev.quilt.ports.ExecRecords;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The exec records written behind the server's replies: in the order made, each exec's latest version only (a
 * create record never overwrites its started one), everything queued written at a stop, nothing kept for a container
 * removed before its records came, the server's exit record left out when quilt-exec's is there.
 */
class ExecRecordWriterTest {
    private static final ContainerId A = ContainerId.of("a".repeat(64));
    private static final ContainerId B = ContainerId.of("b".repeat(64));

    /** The fake's records, each write noted in order; the first write can be held until the test lets it go. */
    static class Held implements ExecRecords {
        final FakeExecRecords fake = new FakeExecRecords();
        final List<String> writes = new ArrayList<>();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release;

        Held(boolean hold) {
            release = new CountDownLatch(hold ? 1 : 0);
        }

        private void hold() {
            entered.countDown();
            try {
                assertTrue(release.await(60, TimeUnit.SECONDS), "released");
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public void save(Exec exec) {
            hold();
            synchronized (writes) {
                writes.add("save " + exec.id().charAt(0) + exec.process().map(p -> " pid " + p.pid()).orElse(""));
            }
            fake.save(exec);
        }

        @Override
        public void exited(ContainerId container, String execId, Exit exit) {
            hold();
            synchronized (writes) {
                writes.add("exit " + execId.charAt(0) + " " + exit.exitCode());
            }
            fake.exited(container, execId, exit);
        }

        @Override
        public void prepare(ContainerId container) {
            fake.prepare(container);
        }

        @Override
        public void forget(ContainerId container, String execId) {
            synchronized (writes) {
                writes.add("forget " + execId.charAt(0));
            }
            fake.forget(container, execId);
        }

        @Override
        public List<Exec> all() {
            return fake.all();
        }

        @Override
        public Optional<Exit> exit(ContainerId container, String execId) {
            return fake.exit(container, execId);
        }

        @Override
        public Path exitRecord(ContainerId container, String execId) {
            return fake.exitRecord(container, execId);
        }

        @Override
        public Optional<ProcessRef> identify(int pid) {
            return fake.identify(pid);
        }

        @Override
        public boolean alive(ProcessRef process) {
            return fake.alive(process);
        }

        @Override
        public boolean containerKept(dev.quilt.domain.ContainerId container) {
            return fake.containerKept(container);
        }

        List<String> writes() {
            synchronized (writes) {
                return List.copyOf(writes);
            }
        }
    }

    private ExecRecordWriter writer;

    @AfterEach
    void stop() {
        if (writer != null) writer.stop();
    }

    private static ExecRecords.Exec exec(char id, ContainerId c) {
        return new ExecRecords.Exec(String.valueOf(id).repeat(64), c, List.of("true"), false, false, "", false, true,
                true, Optional.empty(), Optional.empty());
    }

    @Test
    void writesAreMadeInTheOrderTheyWereAskedAndAnExecsLatestVersionWins() throws Exception {
        Held disk = new Held(true);
        writer = new ExecRecordWriter(disk);
        writer.start();
        writer.save(exec('1', A)); // taken by the writer at once, and held there
        assertTrue(disk.entered.await(60, TimeUnit.SECONDS));
        writer.save(exec('2', A)); // created
        writer.save(exec('3', B));
        writer.save(exec('2', A).started(new ProcessRef(42, 1))); // started before its create record was written
        writer.exited(A, "2".repeat(64), new ExecRecords.Exit(5, 0, false));
        writer.save(exec('1', A).started(new ProcessRef(41, 1))); // the held one's newer version: a write of its own
        disk.release.countDown();
        writer.flush();
        assertEquals(List.of("save 1", "save 2 pid 42", "save 3", "exit 2 5", "save 1 pid 41"), disk.writes());
        assertEquals(Optional.of(new ProcessRef(42, 1)), disk.fake.all().stream()
                .filter(e -> e.id().startsWith("2")).findFirst().orElseThrow().process(), "the started record stays");
    }

    @Test
    void aStopWritesEverythingQueuedThenWritesAreTheCallersAgain() throws Exception {
        Held disk = new Held(true);
        writer = new ExecRecordWriter(disk);
        writer.start();
        writer.save(exec('1', A));
        assertTrue(disk.entered.await(60, TimeUnit.SECONDS));
        for (char c = '2'; c <= '9'; c++) writer.save(exec(c, A));
        Thread stopper = Thread.ofPlatform().start(writer::stop);
        disk.release.countDown();
        stopper.join();
        assertEquals(9, disk.writes().size(), disk.writes().toString());
        assertEquals(9, disk.fake.all().size());
        writer.save(exec('a', B)); // stopped: made in this thread, before save returns
        assertEquals(10, disk.fake.all().size());
    }

    /** A forgotten exec's writes still queued are not made: nothing of it is written after its forgetting. */
    @Test
    void aForgottenExecsQueuedWritesAreNotMade() throws Exception {
        Held disk = new Held(true);
        writer = new ExecRecordWriter(disk);
        writer.start();
        writer.save(exec('1', A));
        assertTrue(disk.entered.await(60, TimeUnit.SECONDS));
        writer.save(exec('2', A));
        writer.exited(A, "2".repeat(64), new ExecRecords.Exit(0, 0, false));
        writer.forget(A, "2".repeat(64));
        disk.release.countDown();
        writer.flush();
        assertEquals(List.of("save 1", "forget 2"), disk.writes());
        assertEquals(List.of("1".repeat(64)), disk.fake.all().stream().map(ExecRecords.Exec::id).toList());
        assertEquals(Optional.empty(), disk.fake.exit(A, "2".repeat(64)));
    }

    @Test
    void beforeItStartsEachWriteIsMadeBeforeSaveReturns() {
        Held disk = new Held(false);
        writer = new ExecRecordWriter(disk);
        writer.save(exec('1', A));
        writer.exited(A, "1".repeat(64), new ExecRecords.Exit(0, 9, false));
        assertEquals(List.of("save 1", "exit 1 137"), disk.writes());
    }

    @Test
    void aContainerRemovedBeforeItsRecordsAreWrittenKeepsNone() throws Exception {
        Held disk = new Held(true);
        writer = new ExecRecordWriter(disk);
        writer.start();
        writer.save(exec('1', B));
        assertTrue(disk.entered.await(60, TimeUnit.SECONDS));
        writer.save(exec('2', A));
        writer.exited(A, "2".repeat(64), new ExecRecords.Exit(1, 0, false));
        disk.fake.remove(A); // rm -f while the writes were queued: its directory is gone
        disk.release.countDown();
        writer.flush();
        assertEquals(List.of("1".repeat(64)), disk.fake.all().stream().map(ExecRecords.Exec::id).toList());
        assertEquals(Optional.empty(), disk.fake.exit(A, "2".repeat(64)));
    }

    @Test
    void quiltExecsExitRecordIsNotWrittenAgain() throws Exception {
        Held disk = new Held(false);
        disk.fake.exited(A, "1".repeat(64), new ExecRecords.Exit(3, 0, false)); // quilt-exec's, before RESULT
        writer = new ExecRecordWriter(disk);
        writer.start();
        writer.exited(A, "1".repeat(64), new ExecRecords.Exit(3, 0, false));
        writer.exited(A, "2".repeat(64), new ExecRecords.Exit(4, 0, false)); // none there: the server's is written
        writer.flush();
        assertEquals(List.of("exit 2 4"), disk.writes());
    }

    @Test
    void aWriteThatFailsIsSaidAndTheOthersGoOn() throws Exception {
        Held disk = new Held(false) {
            @Override
            public void save(Exec exec) {
                if (exec.id().startsWith("1")) throw new dev.quilt.domain.QuiltException(
                        dev.quilt.domain.QuiltException.Kind.SYSTEM, "cannot record exec 1: no space left on device");
                super.save(exec);
            }
        };
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        writer = new ExecRecordWriter(disk, new PrintStream(said, true, StandardCharsets.UTF_8));
        writer.start();
        writer.save(exec('1', A));
        writer.save(exec('2', A));
        writer.flush();
        assertEquals(List.of("save 2"), disk.writes());
        assertEquals("quilt serve: cannot record exec 1: no space left on device\n",
                said.toString(StandardCharsets.UTF_8));
    }

    @Test
    void prepareMakesThePlaceAtOnce() {
        Held disk = new Held(true); // a held queue does not hold the directory quilt-exec needs
        writer = new ExecRecordWriter(disk);
        writer.start();
        writer.prepare(A);
        assertTrue(disk.fake.prepared(A));
    }
}
