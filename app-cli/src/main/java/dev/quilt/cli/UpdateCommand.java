package dev.quilt.cli;

import dagger.Lazy;
import dev.quilt.domain.Cpus;
import dev.quilt.domain.MemorySize;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ResourceUpdate;
import dev.quilt.ports.Privileges;
import dev.quilt.usecases.UpdateResources;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import javax.inject.Inject;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code quilt update [limits] CONTAINER...}: docker's {@code update}, the limits
 * spelled as {@code run} spells them (a bare size is MiB), through the same
 * {@link UpdateResources} as {@code quilt-runc update}. Prints each container.
 */
@Command(name = "update", description = "Change the limits of created, running or paused containers (their cgroups).")
final class UpdateCommand implements Callable<Integer> {
    private final Lazy<UpdateResources> update;
    private final Privileges privileges;

    @Spec
    CommandSpec spec;

    @Option(names = "--memory", paramLabel = "SIZE", description = "memory limit (512m, 1g; a bare number is MiB)")
    String memory;

    @Option(names = "--memory-swap", paramLabel = "SIZE", description = "memory plus swap; -1 for unlimited swap")
    String memorySwap;

    @Option(names = "--cpus", paramLabel = "N", description = "CPUs (CFS quota per 100 ms period)")
    String cpus;

    @Option(names = "--cpu-shares", paramLabel = "N", description = "relative CPU weight (2-262144)")
    Long cpuShares;

    @Option(names = "--pids-limit", paramLabel = "N", description = "task limit; -1 for none")
    Long pidsLimit;

    @Parameters(paramLabel = "CONTAINER", arity = "1..*", description = "ID, name or unique ID prefix")
    List<String> refs;

    @Inject
    UpdateCommand(Lazy<UpdateResources> update, Privileges privileges) {
        this.update = update;
        this.privileges = privileges;
    }

    ResourceUpdate change() {
        Optional<Cpus> c = Optional.ofNullable(cpus).map(Cpus::parse);
        Optional<Long> swap = Optional.ofNullable(memorySwap)
                .map(s -> s.strip().equals("-1") ? -1L : MemorySize.parse("--memory-swap", s));
        if (pidsLimit != null && pidsLimit < -1) throw QuiltException.invalid("--pids-limit must be at least 1, or -1 for no limit");
        return new ResourceUpdate(Optional.ofNullable(memory).map(m -> MemorySize.parse("--memory", m)), swap,
                Optional.ofNullable(cpuShares), c.map(Cpus::quotaMicros), c.map(Cpus::periodMicros),
                Optional.ofNullable(pidsLimit).map(p -> p <= 0 ? -1 : p));
    }

    @Override
    public Integer call() {
        Root.require(privileges, "update");
        ResourceUpdate change = change();
        for (String ref : refs) {
            update.get().update(ref, change);
            spec.commandLine().getOut().println(ref);
        }
        return 0;
    }
}
