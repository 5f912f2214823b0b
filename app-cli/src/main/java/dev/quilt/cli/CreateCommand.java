package dev.quilt.cli;

import dagger.Lazy;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.oci.RuntimeSpec;
import dev.quilt.linux.oci.OciSpecCodec;
import dev.quilt.usecases.BundleRequest;
import dev.quilt.ports.Privileges;
import dev.quilt.usecases.CreateContainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import javax.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(name = "create", description = "Create a container whose command waits for 'quilt start'; print its ID.",
        customSynopsis = {"quilt create [OPTIONS] [IMAGE] [-- COMMAND [ARG...]]",
                "quilt create --bundle DIR [--name NAME] [-- COMMAND [ARG...]]"})
final class CreateCommand implements Callable<Integer> {
    private final Lazy<CreateContainer> createContainer;
    private final Privileges privileges;
    private final Invocation invocation;

    @Spec
    CommandSpec spec;

    @Mixin
    ContainerOptions options;

    @Mixin
    MountOptions mounts;

    @Option(names = {"-b", "--bundle"}, paramLabel = "DIR", description = "an OCI bundle: its config.json says how"
            + " the container is made, over its root.path; a COMMAND replaces process.args (as ctr run fills them)")
    String bundle;

    @Option(names = "--verbose", description = "print the spawned and network phases' times on stderr")
    boolean verbose;

    @Parameters(paramLabel = "ARGS", description = "[IMAGE] [--] COMMAND [ARG...]")
    List<String> positional = new ArrayList<>();

    @Inject
    CreateCommand(Lazy<CreateContainer> createContainer, Privileges privileges, Invocation invocation) {
        this.createContainer = createContainer;
        this.privileges = privileges;
        this.invocation = invocation;
    }

    @Override
    public Integer call() {
        RunArguments args = RunArguments.forRun(spec.commandLine().getParseResult().originalArgs(), positional);
        if (bundle != null) return createFromBundle(args);
        var req = mounts.apply(options.request(args, false, true, invocation));
        Root.require(privileges, "create");
        Container c = createContainer.get().create(req);
        if (verbose) PhaseReport.print(spec.commandLine().getErr(), c, c.createdAt());
        spec.commandLine().getOut().println(c.id());
        return 0;
    }

    /** The options that may go with --bundle: the rest is config.json's to say. */
    private static final Set<String> WITH_BUNDLE = Set.of("--bundle", "--name", "--verbose");

    private int createFromBundle(RunArguments args) {
        args.target().ifPresent(image -> {
            throw QuiltException.invalid("--bundle takes no image ('" + image + "'): the bundle's root.path is the"
                    + " root; put a command after '--'");
        });
        for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
            if (!WITH_BUNDLE.contains(o.longestName())) {
                throw QuiltException.invalid(o.longestName() + " does not go with --bundle: config.json says how the"
                        + " container is made; change it there");
            }
        }
        Path dir = invocation.resolve(bundle);
        RuntimeSpec runtimeSpec = OciSpecCodec.read(dir.resolve("config.json"));
        Root.require(privileges, "create");
        Container c = createContainer.get().create(new BundleRequest(runtimeSpec, dir.toString(),
                Optional.ofNullable(options.name).map(ContainerName::of), args.command()));
        if (verbose) PhaseReport.print(spec.commandLine().getErr(), c, c.createdAt());
        spec.commandLine().getOut().println(c.id());
        return 0;
    }
}
