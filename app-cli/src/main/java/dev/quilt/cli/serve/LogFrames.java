package dev.quilt.cli.serve;

import dev.quilt.ports.ContainerLogs;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Docker's log stream made from a container's log records (Engine API 1.41 "Get container logs" and "Attach to a
 * container"): one write per record, in the order written, as a multiplexed frame ({@link Multiplexed}: stream 1
 * stdout, 2 stderr) or raw bytes for a container with a TTY. A record's text ends with its newline when it had one;
 * a partial line (a CRI P record) is a frame of its own without one. {@code timestamps}: each frame starts with the
 * record's time as docker's RFC 3339 with nine fixed fraction digits and a space. {@code since}/{@code until}
 * (inclusive) keep the records written in that window; a record after {@code until} ends the stream. {@code tail}
 * keeps the last N of the records chosen that were there when the read caught up with the log (docker's
 * json-file counts records the same way), then passes every new one; empty is all.
 */
final class LogFrames implements ContainerLogs.Reader {
    /** RFC 3339 with nine fraction digits, as docker's {@code jsonmessage.RFC3339NanoFixed} (UTC: {@code Z}). */
    static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    private static final Pattern UNIX_TIME = Pattern.compile("\\d{1,12}(\\.\\d{1,9})?");

    /** What the client chose. */
    record Choice(boolean stdout, boolean stderr, boolean timestamps, Optional<Instant> since,
                  Optional<Instant> until, OptionalLong tail, boolean raw) {}

    /** Ends the read once a record after {@code until} came: nobody needs more. */
    static final class UntilReached extends IOException {
        UntilReached() {
            super("until reached");
        }
    }

    private final OutputStream out;
    private final Choice choice;
    private ArrayDeque<ContainerLogs.Entry> held; // the tail's window until the first catch-up; null then

    LogFrames(OutputStream out, Choice choice) {
        this.out = out;
        this.choice = choice;
        this.held = choice.tail().isPresent() ? new ArrayDeque<>() : null;
    }

    @Override
    public void entry(ContainerLogs.Entry e) throws IOException {
        if (choice.until().isPresent() && e.time().isAfter(choice.until().get())) throw new UntilReached();
        if (e.stream() == ContainerLogs.Stream.STDOUT ? !choice.stdout() : !choice.stderr()) return;
        if (choice.since().isPresent() && e.time().isBefore(choice.since().get())) return;
        if (held != null) {
            held.addLast(e);
            if (held.size() > choice.tail().getAsLong()) held.removeFirst();
            return;
        }
        write(e);
    }

    @Override
    public void caughtUp() throws IOException {
        if (held == null) return;
        ArrayDeque<ContainerLogs.Entry> last = held;
        held = null;
        for (ContainerLogs.Entry e : last) write(e);
    }

    private void write(ContainerLogs.Entry e) throws IOException {
        byte[] stamp = choice.timestamps()
                ? (TIMESTAMP.format(e.time()) + " ").getBytes(StandardCharsets.US_ASCII) : new byte[0];
        byte[] b = new byte[stamp.length + e.text().length + (e.newline() ? 1 : 0)];
        System.arraycopy(stamp, 0, b, 0, stamp.length);
        System.arraycopy(e.text(), 0, b, stamp.length, e.text().length);
        if (e.newline()) b[b.length - 1] = '\n';
        if (choice.raw()) out.write(b);
        else Multiplexed.frame(out, e.stream() == ContainerLogs.Stream.STDERR ? Multiplexed.STDERR : Multiplexed.STDOUT,
                b, 0, b.length);
    }

    /**
     * A {@code since}/{@code until} parameter: unix seconds, a fraction allowed (the docker CLI sends
     * {@code SECONDS.NANOS}); absent, empty or 0 is no bound; anything else is a 400 naming the parameter.
     */
    static Optional<Instant> unixTime(String name, Optional<String> value) {
        if (value.isEmpty() || value.get().isBlank()) return Optional.empty();
        String v = value.get().strip();
        if (!UNIX_TIME.matcher(v).matches()) {
            throw ApiException.badRequest("invalid value for " + name + ": '" + value.get()
                    + "' is not a unix time in seconds (e.g. 1700000000 or 1700000000.5)");
        }
        BigDecimal s = new BigDecimal(v);
        if (s.signum() == 0) return Optional.empty();
        long secs = s.longValue();
        long nanos = s.subtract(BigDecimal.valueOf(secs)).movePointRight(9).longValue();
        return Optional.of(Instant.ofEpochSecond(secs, nanos));
    }

    /** A {@code tail} parameter: {@code all} (or absent, empty) is every record; else N ≥ 0; else a 400. */
    static OptionalLong tail(Optional<String> value) {
        if (value.isEmpty() || value.get().isBlank() || value.get().strip().equals("all")) return OptionalLong.empty();
        try {
            long n = Long.parseLong(value.get().strip());
            if (n >= 0) return OptionalLong.of(n);
        } catch (NumberFormatException e) {
            // said below
        }
        throw ApiException.badRequest("invalid value for tail: '" + value.get() + "'; give a number of lines or 'all'");
    }
}
