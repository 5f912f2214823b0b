package dev.quilt.cli;

import dagger.Lazy;
import dev.quilt.domain.Container;
import dev.quilt.domain.ExitStatus;
import dev.quilt.ports.Privileges;
import dev.quilt.usecases.ContainerRequest;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.RunContainer;
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
import java.util.function.IntConsumer;

@Command(name = "run", description = "Run a command in a new container: in the foreground (exit with its code), or with -d in the background.",
        customSynopsis = "quilt run [OPTIONS] [IMAGE] [-- COMMAND [ARG...]]")
final class RunCommand implements Callable<Integer> {
    /** Signals a person or a supervisor sends to a foreground run: passed on to the container. */
    private static final String[] FORWARDED = {"INT", "TERM", "HUP", "QUIT", "USR1", "USR2"};

    private final Lazy<RunContainer> runContainer;
    private final Lazy<CreateContainer> createContainer;
    private final Privileges privileges;
    private final Invocation invocation;

    @Spec
    CommandSpec spec;

    @Mixin
    ContainerOptions options;

    @Mixin
    MountOptions mounts;

    @Option(names = {"-d", "--detach"}, description = "run in the background, print the ID; with no command, pid 1 is Quilt's init")
    boolean detach;

    @Option(names = {"-i", "--interactive"}, description = "keep stdin open (default: /dev/null)")
    boolean interactive;

    @Option(names = "--verbose", description = "with -d: print each readiness phase's time on stderr")
    boolean verbose;

    @Parameters(paramLabel = "ARGS", description = "[IMAGE] [--] COMMAND [ARG...]")
    List<String> positional = new ArrayList<>();

    @Inject
    RunCommand(Lazy<RunContainer> runContainer, Lazy<CreateContainer> createContainer, Privileges privileges,
               Invocation invocation) {
        this.runContainer = runContainer;
        this.createContainer = createContainer;
        this.privileges = privileges;
        this.invocation = invocation;
    }

    @Override
    public Integer call() {
        RunArguments args = RunArguments.forRun(spec.commandLine().getParseResult().originalArgs(), positional);
        ContainerRequest req = mounts.apply(options.request(args, interactive && !detach, detach, invocation));
        Root.require(privileges, "run");
        if (!detach && dev.quilt.domain.PersistPolicy.asked(req.labels())) {
            throw dev.quilt.domain.QuiltException.invalid("--persist needs -d: a persisted container may come back"
                    + " restored, and a restored one runs detached");
        }
        if (detach) {
            Container c = createContainer.get().runDetached(req);
            if (verbose) PhaseReport.print(spec.commandLine().getErr(), c, c.createdAt());
            spec.commandLine().getOut().println(c.id());
            return 0;
        }
        SignalForwarding forwarding = new SignalForwarding();
        invocation.signals().forward(List.of(FORWARDED), forwarding);
        ExitStatus exit = runContainer.get().run(req, forwarding);
        return exit.code();
    }

    /**
     * The signals we (or the fast CLI's caller) get are the container's: taken from before the launch, so one that
     * comes while the container starts is not lost (nor fatal to us, leaving it behind), and handed to it once it runs.
     */
    private static final class SignalForwarding implements RunContainer.Observer, IntConsumer {
        private final List<Integer> early = new ArrayList<>();
        private IntConsumer signaller;

        @Override
        public void accept(int signal) {
            IntConsumer to;
            synchronized (this) {
                if (signaller == null) {
                    early.add(signal);
                    return;
                }
                to = signaller;
            }
            to.accept(signal);
        }

        @Override
        public void started(Container container, IntConsumer signaller) {
            List<Integer> pending;
            synchronized (this) {
                this.signaller = signaller;
                pending = List.copyOf(early);
                early.clear();
            }
            pending.forEach(signaller::accept);
        }
    }
}
