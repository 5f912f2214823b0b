package dev.quilt.cli.serve;

import dev.quilt.ports.ContainerLogs;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LogFramesTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static ContainerLogs.Entry out(long second, String text) {
        return new ContainerLogs.Entry(T0.plusSeconds(second), ContainerLogs.Stream.STDOUT,
                text.getBytes(StandardCharsets.UTF_8), true);
    }

    private static ContainerLogs.Entry err(long second, String text) {
        return new ContainerLogs.Entry(T0.plusSeconds(second), ContainerLogs.Stream.STDERR,
                text.getBytes(StandardCharsets.UTF_8), true);
    }

    private static LogFrames.Choice all() {
        return new LogFrames.Choice(true, true, false, Optional.empty(), Optional.empty(), OptionalLong.empty(), false);
    }

    /** The frames a client reads: stream number and text. */
    private static List<String> frames(byte[] b) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < b.length) {
            int len = ((b[i + 4] & 0xff) << 24) | ((b[i + 5] & 0xff) << 16) | ((b[i + 6] & 0xff) << 8) | (b[i + 7] & 0xff);
            out.add(b[i] + ":" + new String(b, i + 8, len, StandardCharsets.UTF_8));
            i += 8 + len;
        }
        return out;
    }

    private static List<String> run(LogFrames.Choice c, ContainerLogs.Entry... entries) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        LogFrames f = new LogFrames(b, c);
        for (ContainerLogs.Entry e : entries) f.entry(e);
        f.caughtUp();
        return frames(b.toByteArray());
    }

    @Test
    void oneFramePerRecordInOrderOnItsStream() throws Exception {
        assertEquals(List.of("1:a\n", "2:b\n", "1:c\n"), run(all(), out(0, "a"), err(1, "b"), out(2, "c")));
    }

    @Test
    void aPartialLineIsAFrameWithoutANewline() throws Exception {
        ContainerLogs.Entry half = new ContainerLogs.Entry(T0, ContainerLogs.Stream.STDOUT,
                "no newline yet".getBytes(StandardCharsets.UTF_8), false);
        assertEquals(List.of("1:no newline yet", "1: then one\n"), run(all(), half, out(1, " then one")));
    }

    @Test
    void timestampsAreDockersFixedNanoRfc3339() throws Exception {
        LogFrames.Choice c = new LogFrames.Choice(true, true, true, Optional.empty(), Optional.empty(),
                OptionalLong.empty(), false);
        ContainerLogs.Entry e = new ContainerLogs.Entry(Instant.parse("2026-01-02T03:04:05.000000007Z"),
                ContainerLogs.Stream.STDOUT, "x".getBytes(StandardCharsets.UTF_8), true);
        ContainerLogs.Entry round = new ContainerLogs.Entry(Instant.parse("2026-01-02T03:04:05Z"),
                ContainerLogs.Stream.STDOUT, "y".getBytes(StandardCharsets.UTF_8), true);
        assertEquals(List.of("1:2026-01-02T03:04:05.000000007Z x\n", "1:2026-01-02T03:04:05.000000000Z y\n"),
                run(c, e, round));
    }

    @Test
    void onlyTheChosenStreams() throws Exception {
        LogFrames.Choice errOnly = new LogFrames.Choice(false, true, false, Optional.empty(), Optional.empty(),
                OptionalLong.empty(), false);
        assertEquals(List.of("2:b\n"), run(errOnly, out(0, "a"), err(1, "b")));
    }

    @Test
    void tailKeepsTheLastRecordsThereAtTheCatchUpThenPassesNewOnes() throws Exception {
        LogFrames.Choice two = new LogFrames.Choice(true, true, false, Optional.empty(), Optional.empty(),
                OptionalLong.of(2), false);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        LogFrames f = new LogFrames(b, two);
        f.entry(out(0, "1"));
        f.entry(out(1, "2"));
        f.entry(out(2, "3"));
        assertEquals(0, b.size(), "nothing goes before the tail is known");
        f.caughtUp();
        f.entry(out(3, "4"));
        f.caughtUp();
        assertEquals(List.of("1:2\n", "1:3\n", "1:4\n"), frames(b.toByteArray()));
        LogFrames.Choice none = new LogFrames.Choice(true, true, false, Optional.empty(), Optional.empty(),
                OptionalLong.of(0), false);
        assertEquals(List.of(), run(none, out(0, "1"), out(1, "2")));
    }

    @Test
    void sinceAndUntilAreInclusiveAndARecordAfterUntilEndsTheRead() throws Exception {
        LogFrames.Choice window = new LogFrames.Choice(true, true, false, Optional.of(T0.plusSeconds(1)),
                Optional.of(T0.plusSeconds(2)), OptionalLong.empty(), false);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        LogFrames f = new LogFrames(b, window);
        f.entry(out(0, "before"));
        f.entry(out(1, "since"));
        f.entry(out(2, "until"));
        assertThrows(LogFrames.UntilReached.class, () -> f.entry(out(3, "after")));
        assertEquals(List.of("1:since\n", "1:until\n"), frames(b.toByteArray()));
    }

    @Test
    void aTtyContainersLogIsRaw() throws Exception {
        LogFrames.Choice raw = new LogFrames.Choice(true, true, false, Optional.empty(), Optional.empty(),
                OptionalLong.empty(), true);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        LogFrames f = new LogFrames(b, raw);
        f.entry(out(0, "a"));
        f.entry(err(0, "b"));
        assertEquals("a\nb\n", b.toString(StandardCharsets.UTF_8));
    }

    @Test
    void unixTimesTakeAFractionAndRefuseTheRest() {
        assertEquals(Optional.of(Instant.ofEpochSecond(1700000000L, 500_000_000)),
                LogFrames.unixTime("since", Optional.of("1700000000.5")));
        assertEquals(Optional.of(Instant.ofEpochSecond(1700000000L, 123456789)),
                LogFrames.unixTime("since", Optional.of("1700000000.123456789")));
        assertEquals(Optional.empty(), LogFrames.unixTime("since", Optional.of("0")));
        assertEquals(Optional.empty(), LogFrames.unixTime("since", Optional.empty()));
        ApiException bad = assertThrows(ApiException.class, () -> LogFrames.unixTime("until", Optional.of("yesterday")));
        assertEquals(400, bad.status());
        assertTrue(bad.getMessage().contains("until"), bad.getMessage());
        assertThrows(ApiException.class, () -> LogFrames.unixTime("since", Optional.of("-5")));
    }

    @Test
    void tailIsAllOrACount() {
        assertEquals(OptionalLong.empty(), LogFrames.tail(Optional.of("all")));
        assertEquals(OptionalLong.empty(), LogFrames.tail(Optional.empty()));
        assertEquals(OptionalLong.of(3), LogFrames.tail(Optional.of("3")));
        ApiException bad = assertThrows(ApiException.class, () -> LogFrames.tail(Optional.of("-1")));
        assertEquals(400, bad.status());
        assertTrue(bad.getMessage().contains("tail"), bad.getMessage());
        assertThrows(ApiException.class, () -> LogFrames.tail(Optional.of("many")));
    }
}
