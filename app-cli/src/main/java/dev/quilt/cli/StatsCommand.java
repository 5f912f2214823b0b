package dev.quilt.cli;

import dagger.Lazy;
import dev.quilt.domain.ResourceUsage;
import dev.quilt.usecases.ContainerStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import javax.inject.Inject;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code quilt stats}: one reading of each container's cgroup (like {@code docker stats --no-stream}). */
@Command(name = "stats", description = "Show memory, CPU time and tasks from each container's cgroup (running ones, or those named).")
final class StatsCommand implements Callable<Integer> {
    private final Lazy<ContainerStats> stats;

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "print JSON: the same fields on cgroup v1 and v2")
    boolean json;

    @Parameters(paramLabel = "CONTAINER", arity = "0..*")
    List<String> refs = new ArrayList<>();

    @Inject
    StatsCommand(Lazy<ContainerStats> stats) {
        this.stats = stats;
    }

    record Memory(long usageBytes, Long limitBytes) {}

    record Cpu(long usageNanos, long userNanos, long systemNanos, long periods, long throttledPeriods,
               long throttledNanos) {}

    record Pids(long current, Long limit) {}

    record View(String id, String name, Memory memory, Cpu cpu, Pids pids) {
        static View of(ContainerStats.Entry e) {
            ResourceUsage u = e.usage();
            return new View(e.container().id().value(), e.container().name().map(Object::toString).orElse(null),
                    new Memory(u.memoryBytes(), u.memoryLimit().orElse(null)),
                    new Cpu(u.cpuNanos(), u.userNanos(), u.systemNanos(), u.periods(), u.throttledPeriods(),
                            u.throttledNanos()),
                    new Pids(u.pids(), u.pidsLimit().orElse(null)));
        }
    }

    @Override
    public Integer call() {
        List<ContainerStats.Entry> entries = stats.get().of(refs);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(JsonOutput.of(entries.stream().map(View::of).toList()));
            return 0;
        }
        String row = "%-12s  %-20s  %10s  %-24s  %6s  %s%n";
        out.printf(row, "CONTAINER ID", "NAME", "CPU TIME", "MEM USAGE / LIMIT", "MEM %", "PIDS");
        for (ContainerStats.Entry e : entries) {
            ResourceUsage u = e.usage();
            String limit = u.memoryLimit().map(Sizes::human).orElse("-");
            String percent = u.memoryLimit().map(l -> String.format(Locale.ROOT, "%.1f%%", 100.0 * u.memoryBytes() / l))
                    .orElse("-");
            out.printf(row, e.container().id().shortForm(), e.container().name().map(Object::toString).orElse(""),
                    String.format(Locale.ROOT, "%.3fs", u.cpuNanos() / 1e9), Sizes.human(u.memoryBytes()) + " / " + limit,
                    percent, u.pids() + " / " + u.pidsLimit().map(String::valueOf).orElse("-"));
        }
        return 0;
    }

}
