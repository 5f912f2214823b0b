package dev.quilt.cli.runc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dagger.Lazy;
import dev.quilt.domain.ResourceUsage;
import dev.quilt.usecases.ContainerEvents;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import javax.inject.Inject;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code quilt-runc events [--stats] [--interval 5s] ID}: runc 1.1's event stream,
 * one JSON object a line, {@code {"type":"stats","id":ID,"data":{...}}} with the
 * fields of runc's {@code types.Stats} that a cgroup counts here: {@code cpu.usage}
 * ({@code total}, {@code kernel}, {@code user}, nanoseconds), {@code cpu.throttling}
 * ({@code periods}, {@code throttledPeriods}, {@code throttledTime} ns),
 * {@code memory.usage} ({@code usage}, {@code limit} bytes: 2^64-1 for none, as
 * runc reports an unlimited v2 cgroup), {@code pids} ({@code current}, {@code limit}:
 * 0 for none, as runc). {@code --stats} prints one reading and exits; otherwise a
 * reading every interval until the container stops (then exit 0), and
 * {@code {"type":"oom","id":ID}} when the OOM killer struck in between.
 */
@Command(name = "events", description = "display container events such as OOM notifications, cpu, memory, and IO usage statistics")
public final class RuncEvents implements Callable<Integer> {
    private final RuncContainers containers;
    private static final BigInteger NO_LIMIT = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private final Lazy<ContainerEvents> events;

    @Spec
    CommandSpec spec;

    @Option(names = "--stats", description = "display the container's stats then exit")
    boolean stats;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "5s",
            description = "set the stats collection interval (default: 5s)")
    String interval;

    @Parameters(index = "0", paramLabel = "CONTAINER_ID")
    String id;

    @Inject
    public RuncEvents(Lazy<ContainerEvents> events, RuncContainers containers) {
        this.containers = containers;
        this.events = events;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (stats) {
            print(out, events.get().now(containers.require(id).value()));
            return 0;
        }
        events.get().follow(containers.require(id).value(), RuncUnits.duration("--interval", interval), e -> print(out, e));
        return 0;
    }

    private void print(PrintWriter out, ContainerEvents.Event e) {
        out.println(json(switch (e) {
            case ContainerEvents.Stats s -> event(id, s.usage());
            case ContainerEvents.Oom o -> oom(id);
        }));
        out.flush();
    }

    /** runc's {@code oom} event: no data. */
    static Map<String, Object> oom(String id) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", "oom");
        e.put("id", id);
        return e;
    }

    /** One {@code stats} event as runc writes it. */
    static Map<String, Object> event(String id, ResourceUsage u) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("total", u.cpuNanos());
        usage.put("kernel", u.systemNanos());
        usage.put("user", u.userNanos());
        Map<String, Object> throttling = new LinkedHashMap<>();
        throttling.put("periods", u.periods());
        throttling.put("throttledPeriods", u.throttledPeriods());
        throttling.put("throttledTime", u.throttledNanos());
        Map<String, Object> memUsage = new LinkedHashMap<>();
        memUsage.put("limit", u.memoryLimit().<Object>map(BigInteger::valueOf).orElse(NO_LIMIT));
        memUsage.put("usage", u.memoryBytes());
        memUsage.put("failcnt", 0);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("cpu", Map.of("usage", usage, "throttling", throttling));
        data.put("memory", Map.of("usage", memUsage));
        Map<String, Object> pids = new LinkedHashMap<>();
        pids.put("current", u.pids());
        pids.put("limit", u.pidsLimit().orElse(0L));
        data.put("pids", pids);
        data.put("blkio", Map.of());
        data.put("hugetlb", Map.of());
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", "stats");
        e.put("id", id);
        e.put("data", data);
        return e;
    }

    static String json(Object value) {
        try {
            return new ObjectMapper().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

}
