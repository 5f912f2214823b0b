package dev.quilt.cli.serve;

import dagger.Lazy;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ResourceUsage;
import dev.quilt.domain.Status;
import dev.quilt.ports.ContainerLogs;
import dev.quilt.ports.ExitUnknownException;
import dev.quilt.usecases.ContainerEvents;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ContainerStats;
import dev.quilt.usecases.ListProcesses;
import dev.quilt.usecases.WaitContainer;

import javax.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * The Docker Engine API's container streams (API 1.41): {@code GET /containers/{id}/logs}, {@code POST
 * /containers/{id}/attach} (hijacked), {@code POST /containers/{id}/wait}, {@code GET /containers/{id}/top} and
 * {@code GET /containers/{id}/stats}. Each reads through the engine's use cases ({@link ContainerLogs},
 * {@link WaitContainer}, {@link ListProcesses}, {@link ContainerStats}, {@link ContainerEvents}), and each holds
 * its worker thread, never an event loop, for as long as it follows; a client that hangs up ends a log follow at
 * once (its epoll is woken) and a stats stream at its next reading.
 */
public final class StreamRoutes implements Routes {
    private static final Pattern PS_ARG = Pattern.compile("[A-Za-z0-9,=:+_.%-]+");

    private final Lazy<ContainerLookup> lookup;
    private final Lazy<ContainerLogs> logs;
    private final Lazy<WaitContainer> waiter;
    private final Lazy<ListProcesses> processes;
    private final Lazy<ContainerStats> stats;
    private final Lazy<ContainerEvents> events;
    private final EventBus bus;

    @Inject
    StreamRoutes(Lazy<ContainerLookup> lookup, Lazy<ContainerLogs> logs, Lazy<WaitContainer> waiter,
                 Lazy<ListProcesses> processes, Lazy<ContainerStats> stats, Lazy<ContainerEvents> events, EventBus bus) {
        this.lookup = lookup;
        this.logs = logs;
        this.waiter = waiter;
        this.processes = processes;
        this.stats = stats;
        this.events = events;
        this.bus = bus;
    }

    @Override
    public void register(Router r) {
        r.add("GET", "/containers/{id}/logs", this::logs);
        r.add("POST", "/containers/{id}/attach", this::attach);
        r.add("POST", "/containers/{id}/wait", this::await);
        r.add("GET", "/containers/{id}/top", this::top);
        r.add("GET", "/containers/{id}/stats", this::stats);
    }

    // ---- logs ----

    private void logs(ApiCall c) {
        boolean follow = c.flag("follow", false);
        LogFrames.Choice choice = new LogFrames.Choice(c.flag("stdout", false), c.flag("stderr", false),
                c.flag("timestamps", false), LogFrames.unixTime("since", c.query("since")),
                LogFrames.unixTime("until", c.query("until")), LogFrames.tail(c.query("tail")), false);
        if (!choice.stdout() && !choice.stderr()) {
            throw ApiException.badRequest("you must choose at least one stream: stdout=1 or stderr=1");
        }
        Container ctr = lookup.get().get(c.param("id"));
        choice = withRaw(choice, ctr);
        OutputStream out = c.stream(200, Multiplexed.RAW_STREAM, Map.of());
        follow(c, ctr, out, choice, follow && ctr.status().isLive());
        closeQuietly(out);
    }

    private static LogFrames.Choice withRaw(LogFrames.Choice c, Container ctr) {
        return new LogFrames.Choice(c.stdout(), c.stderr(), c.timestamps(), c.since(), c.until(), c.tail(),
                ctr.spec().process().terminal());
    }

    /** Copies the log as {@code choice} says; a container that never ran detached has none: nothing is sent. */
    private void follow(ApiCall c, Container ctr, OutputStream out, LogFrames.Choice choice, boolean follow) {
        CompletableFuture<Void> hangUp = new CompletableFuture<>();
        c.onClose(() -> hangUp.complete(null));
        try {
            logs.get().read(ctr.id(), new LogFrames(out, choice), follow ? ctr.monitor() : Optional.empty(), hangUp);
        } catch (QuiltException e) {
            if (e.kind() != QuiltException.Kind.NOT_FOUND) throw e;
        }
    }

    // ---- attach ----

    /**
     * {@code docker run} without {@code -d} attaches to the created container before it starts: a created container,
     * or {@code logs=1}, gets its log from the beginning; otherwise what comes from now. Then every new record until
     * the container exits ({@code stream=1}). Quilt's detached containers have no stdin channel: {@code stdin=1}
     * is ignored, as dockerd ignores it for a container created without OpenStdin.
     */
    private void attach(ApiCall c) {
        boolean stream = c.flag("stream", false);
        boolean fromStart = c.flag("logs", false);
        Container ctr = lookup.get().get(c.param("id"));
        fromStart |= ctr.status() == Status.CREATED;
        LogFrames.Choice choice = withRaw(new LogFrames.Choice(c.flag("stdout", false), c.flag("stderr", false),
                false, Optional.empty(), Optional.empty(), fromStart ? OptionalLong.empty() : OptionalLong.of(0),
                false), ctr);
        Hijacked h = c.hijack(Multiplexed.RAW_STREAM);
        bus.publish(new ApiEvent("container", "attach", ctr.id().value(), attributes(ctr), now()));
        try (h) {
            if ((choice.stdout() || choice.stderr()) && (stream || fromStart)) {
                follow(c, ctr, h.out(), choice, stream && ctr.status().isLive());
            }
        }
    }

    private static Map<String, String> attributes(Container ctr) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("name", ctr.displayName());
        return a;
    }

    private static long now() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    // ---- wait ----

    /**
     * {@code condition}: {@code not-running} (the default: a created or stopped container answers at once),
     * {@code next-exit} (the exit after now; a stopped container's after its next start), {@code removed} (its
     * exit, answered once its record is gone: the {@code destroy} event, subscribed before the check, so none is
     * missed). The headers go at once, the body at the condition, as dockerd sends them. An exit Quilt cannot know
     * is {@code StatusCode -1} with the reason in {@code Error.Message}.
     */
    private void await(ApiCall c) {
        String condition = c.query("condition").filter(s -> !s.isBlank()).orElse("not-running");
        if (!List.of("not-running", "next-exit", "removed").contains(condition)) {
            throw ApiException.badRequest("invalid value for condition: '" + condition
                    + "'; use not-running, next-exit or removed");
        }
        Container ctr = lookup.get().get(c.param("id"));
        ContainerId id = ctr.id();
        try (EventWait started = new EventWait(bus, "container", id.value(), "start");
             EventWait destroyed = new EventWait(bus, "container", id.value(), "destroy")) {
            c.onClose(() -> {
                // nobody waits any more: the worker goes
                started.cancel();
                destroyed.cancel();
            });
            OutputStream out = c.stream(200, "application/json", Map.of());
            Map<String, Object> body = new LinkedHashMap<>();
            try {
                Integer code = switch (condition) {
                    case "next-exit" -> {
                        if (ctr.status() == Status.STOPPED && !started.await(() -> lookup.get().observe(id)
                                .map(x -> x.status() != Status.STOPPED).orElse(true))) {
                            yield null;
                        }
                        Container now = lookup.get().observe(id).orElseThrow(() -> gone(id));
                        yield exitOf(now, true);
                    }
                    case "removed" -> {
                        int exit = exitOf(ctr, true);
                        yield destroyed.await(() -> lookup.get().record(id).isEmpty()) ? exit : null;
                    }
                    default -> exitOf(ctr, false);
                };
                if (code == null) { // the client hung up: nobody to answer
                    closeQuietly(out);
                    return;
                }
                body.put("StatusCode", code);
                body.put("Error", null);
            } catch (QuiltException e) {
                body.put("StatusCode", -1);
                body.put("Error", Map.of("Message", e.getMessage()));
            }
            out.write(ApiJson.MAPPER.writeValueAsBytes(body));
            out.write('\n');
            closeQuietly(out);
        } catch (IOException e) {
            // the client went away before the answer: nobody to tell
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static QuiltException gone(ContainerId id) {
        return QuiltException.notFound("container '" + id.shortForm() + "' was removed while we waited");
    }

    /** The exit code once it has exited; a created container counts as not running unless {@code created}. */
    private int exitOf(Container ctr, boolean waitForCreated) {
        if (ctr.status() == Status.STOPPED) {
            return ctr.exit().map(ExitStatus::code).orElseThrow(() -> new ExitUnknownException("container '"
                    + ctr.displayName() + "' has exited, but its exit code is unknown"));
        }
        if (ctr.status() == Status.CREATED && !waitForCreated) return 0;
        return waiter.get().await(ctr.id().value()).code();
    }

    // ---- top ----

    /**
     * As dockerd: runs {@code ps} with {@code ps_args} (default {@code -ef}: UID PID PPID C STIME TTY TIME CMD) and
     * keeps the rows whose PID is one of the container's cgroup's ({@link ListProcesses}); the last column takes the
     * rest of a row. Arguments other than ps options, or ones ps refuses or whose output has no PID column, are a
     * 400. A container that is not running is a 409, as dockerd's.
     */
    private void top(ApiCall c) throws IOException, InterruptedException {
        String psArgs = c.query("ps_args").orElse("").strip();
        List<String> args = psArgs.isEmpty() ? List.of("-ef") : Arrays.asList(psArgs.split("\\s+"));
        for (String a : args) {
            if (!PS_ARG.matcher(a).matches()) {
                throw ApiException.badRequest("invalid value for ps_args: '" + a + "' is not a ps option");
            }
        }
        ListProcesses.Listing l = processes.get().of(c.param("id"));
        if (l.container().status() != Status.RUNNING && l.container().status() != Status.PAUSED) {
            throw ApiException.conflict("container " + l.container().displayName() + " is not running");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add("ps");
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        p.getOutputStream().close();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            String first = text.lines().findFirst().orElse("").strip();
            throw ApiException.badRequest("invalid value for ps_args: ps refused '" + psArgs + "': " + first);
        }
        c.reply(200, PsTable.parse(text, l.pids()));
    }

    // ---- stats ----

    /**
     * {@code stream=1} (the default): an object at once and one a second, on the deadline of the wait for the
     * container's exit ({@link ContainerEvents#follow}), until it stops or the client hangs up. {@code stream=0}:
     * one object, its {@code precpu_stats} a reading taken a second before (a deadline, not a sleep) unless
     * {@code one-shot=1}. A container that is not running gets zeros, once.
     */
    private void stats(ApiCall c) throws IOException {
        boolean stream = c.flag("stream", true);
        boolean oneShot = c.flag("one-shot", false);
        if (oneShot && stream) throw ApiException.badRequest("one-shot=1 needs stream=0");
        Container ctr = lookup.get().get(c.param("id"));
        long hostMemory = hostMemory();
        if (ctr.status() != Status.RUNNING && ctr.status() != Status.PAUSED) {
            StatsJson.Sample none = new StatsJson.Sample(Instant.now(), Optional.empty(), StatsJson.HostCpu.NONE,
                    Optional.empty());
            c.reply(200, StatsJson.of(ctr, none, Optional.empty(), hostMemory));
            return;
        }
        StatsJson.Sample first = sample(ctr, usage(ctr));
        if (!stream && oneShot) {
            c.reply(200, StatsJson.of(ctr, first, Optional.empty(), hostMemory));
            return;
        }
        if (!stream) {
            Optional<StatsJson.Sample> next = nextReading(ctr);
            c.reply(200, next.isPresent() ? StatsJson.of(ctr, next.get(), Optional.of(first), hostMemory)
                    : StatsJson.of(ctr, first, Optional.empty(), hostMemory));
            return;
        }
        OutputStream out = c.stream(200, "application/json", Map.of());
        StatsJson.Sample[] last = {first};
        writeLine(out, StatsJson.of(ctr, first, Optional.empty(), hostMemory));
        try {
            events.get().follow(ctr.id().value(), Duration.ofSeconds(1), e -> {
                if (!(e instanceof ContainerEvents.Stats s)) return;
                StatsJson.Sample now = sample(ctr, s.usage());
                writeLine(out, StatsJson.of(ctr, now, Optional.of(last[0]), hostMemory));
                last[0] = now;
            });
        } catch (UncheckedIOException e) {
            // the client hung up: the stream ends here
        } catch (QuiltException e) {
            // it stopped (or went) between the first reading and the follow: the stream ends
        }
        closeQuietly(out);
    }

    /** The reading a second from now, or empty when the container stopped first. */
    private Optional<StatsJson.Sample> nextReading(Container ctr) {
        final class Taken extends RuntimeException {
            final transient StatsJson.Sample sample;

            Taken(StatsJson.Sample sample) {
                super(null, null, false, false);
                this.sample = sample;
            }
        }
        try {
            events.get().follow(ctr.id().value(), Duration.ofSeconds(1), e -> {
                if (e instanceof ContainerEvents.Stats s) throw new Taken(sample(ctr, s.usage()));
            });
        } catch (Taken t) {
            return Optional.of(t.sample);
        } catch (QuiltException e) {
            // stopped meanwhile
        }
        return Optional.empty();
    }

    private ResourceUsage usage(Container ctr) {
        return stats.get().of(List.of(ctr.id().value())).get(0).usage();
    }

    private static StatsJson.Sample sample(Container ctr, ResourceUsage u) {
        return new StatsJson.Sample(Instant.now(), Optional.of(u), StatsJson.HostCpu.now(),
                ctr.endpoint().flatMap(e -> StatsJson.Network.ofHostLink(e.hostLink())));
    }

    private static void writeLine(OutputStream out, Map<String, Object> json) {
        try {
            // one write, one chunk: docker-py's stream decoder takes a chunk holding only the newline for a
            // JSON value of its own and fails (StreamParseError)
            byte[] b = ApiJson.MAPPER.writeValueAsBytes(json);
            byte[] line = java.util.Arrays.copyOf(b, b.length + 1);
            line[b.length] = '\n';
            out.write(line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long hostMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | NumberFormatException e) {
            // unknown: 0, as dockerd gives when it cannot read it
        }
        return 0;
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException e) {
            // the client went away: nothing more to send
        }
    }
}
