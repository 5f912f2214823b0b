package dev.quilt.cli;

import dagger.Lazy;
import dev.quilt.domain.Container;
import dev.quilt.ports.Privileges;
import dev.quilt.usecases.CreateContainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import javax.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "create", description = "Create a container whose command waits for 'quilt start'; print its ID.",
        customSynopsis = "quilt create [OPTIONS] [IMAGE] [-- COMMAND [ARG...]]")
final class CreateCommand implements Callable<Integer> {
    private final Lazy<CreateContainer> createContainer;
    private final Privileges privileges;

    @Spec
    CommandSpec spec;

    @Mixin
    ContainerOptions options;

    @Mixin
    MountOptions mounts;

    @Option(names = "--verbose", description = "print the spawned and network phases' times on stderr")
    boolean verbose;

    @Parameters(paramLabel = "ARGS", description = "[IMAGE] [--] COMMAND [ARG...]")
    List<String> positional = new ArrayList<>();

    @Inject
    CreateCommand(Lazy<CreateContainer> createContainer, Privileges privileges) {
        this.createContainer = createContainer;
        this.privileges = privileges;
    }

    @Override
    public Integer call() {
        RunArguments args = RunArguments.forRun(spec.commandLine().getParseResult().originalArgs(), positional);
        var req = mounts.apply(options.request(args, false, true));
        Root.require(privileges, "create");
        Container c = createContainer.get().create(req);
        if (verbose) PhaseReport.print(spec.commandLine().getErr(), c, c.createdAt());
        spec.commandLine().getOut().println(c.id());
        return 0;
    }
}
