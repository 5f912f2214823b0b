package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.QuiltException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What every {@link ContainerLogs} must do; each adapter's test extends this. */
public abstract class ContainerLogsContract {
    protected static final ContainerId ID = ContainerId.of("d".repeat(64));

    protected abstract ContainerLogs logs();

    /** Appends a record to {@link #ID}'s log as its writer (the monitor) does. */
    protected abstract void write(ContainerId id, ContainerLogs.Entry e) throws Exception;

    /** A writer that stays alive through the test. */
    protected abstract ProcessRef liveWriter() throws Exception;

    /** A writer that has gone. */
    protected abstract ProcessRef goneWriter() throws Exception;

    protected static ContainerLogs.Entry entry(long nanos, ContainerLogs.Stream s, String text, boolean newline) {
        return new ContainerLogs.Entry(Instant.parse("2026-01-01T00:00:00Z").plusNanos(nanos), s,
                text.getBytes(StandardCharsets.UTF_8), newline);
    }

    private static String show(ContainerLogs.Entry e) {
        return e.time().getNano() + " " + e.stream() + " " + new String(e.text(), StandardCharsets.UTF_8)
                + (e.newline() ? "\\n" : "");
    }

    /** Collects what it is handed, marking each catch-up; runs {@code atCatchUp} at each. */
    private static final class Collect implements ContainerLogs.Reader {
        final List<String> seen = new ArrayList<>();
        final Runnable atCatchUp;

        Collect(Runnable atCatchUp) {
            this.atCatchUp = atCatchUp;
        }

        @Override
        public void entry(ContainerLogs.Entry e) {
            seen.add(show(e));
        }

        @Override
        public void caughtUp() {
            seen.add("caught up");
            atCatchUp.run();
        }
    }

    @Test
    void recordsComeBackInOrderWithTheirTimeStreamAndWhetherTheyEndedALine() throws Exception {
        write(ID, entry(1, ContainerLogs.Stream.STDOUT, "one", true));
        write(ID, entry(2, ContainerLogs.Stream.STDERR, "half", false));
        write(ID, entry(3, ContainerLogs.Stream.STDERR, " done", true));
        Collect c = new Collect(() -> {});
        logs().read(ID, c, Optional.empty(), new CompletableFuture<>());
        assertEquals(List.of("1 STDOUT one\\n", "2 STDERR half", "3 STDERR  done\\n", "caught up"), c.seen);
    }

    @Test
    void copyPutsEachStreamBack() throws Exception {
        write(ID, entry(1, ContainerLogs.Stream.STDOUT, "out", true));
        write(ID, entry(2, ContainerLogs.Stream.STDERR, "err", false));
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        logs().copy(ID, out, err, Optional.empty());
        assertEquals("out\n", out.toString(StandardCharsets.UTF_8));
        assertEquals("err", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aContainerWithoutALogIsNotFound() {
        QuiltException e = assertThrows(QuiltException.class, () -> logs().read(ContainerId.of("e".repeat(64)),
                new Collect(() -> {}), Optional.empty(), new CompletableFuture<>()));
        assertEquals(QuiltException.Kind.NOT_FOUND, e.kind());
    }

    @Test
    void aFollowOfAWriterThatHasGoneReadsWhatIsThereAndEnds() throws Exception {
        write(ID, entry(1, ContainerLogs.Stream.STDOUT, "last words", true));
        Collect c = new Collect(() -> {});
        logs().read(ID, c, Optional.of(goneWriter()), new CompletableFuture<>());
        assertEquals("1 STDOUT last words\\n", c.seen.get(0));
        assertEquals("caught up", c.seen.get(c.seen.size() - 1));
    }

    @Test
    void aFollowGetsWhatIsWrittenAfterItCaughtUpAndAHangUpEndsIt() throws Exception {
        write(ID, entry(1, ContainerLogs.Stream.STDOUT, "before", true));
        CompletableFuture<Void> hangUp = new CompletableFuture<>();
        List<Integer> catchUps = new ArrayList<>();
        Collect[] c = new Collect[1];
        c[0] = new Collect(() -> {
            catchUps.add(c[0].seen.size());
            try {
                // the first catch-up: one more record comes; once it has been handed over, the client hangs up
                if (catchUps.size() == 1) write(ID, entry(2, ContainerLogs.Stream.STDERR, "after", true));
                else if (c[0].seen.stream().anyMatch(s -> s.contains("after"))) hangUp.complete(null);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        logs().read(ID, c[0], Optional.of(liveWriter()), hangUp);
        assertEquals("1 STDOUT before\\n", c[0].seen.get(0));
        assertEquals("caught up", c[0].seen.get(1));
        assertEquals("2 STDERR after\\n", c[0].seen.get(2));
        assertEquals("caught up", c[0].seen.get(c[0].seen.size() - 1), "it ended at the hang-up: " + c[0].seen);
    }
}
