package dev.quilt.cli;

import dagger.Lazy;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.User;
import dev.quilt.ports.Privileges;
import dev.quilt.ports.SpawnFailedException;
import dev.quilt.usecases.RunContainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import sun.misc.Signal;

import javax.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;

@Command(name = "run", description = "Run a command in a new container, in the foreground, and exit with its code.",
        customSynopsis = "quilt run [OPTIONS] [IMAGE] [-- COMMAND [ARG...]]")
final class RunCommand implements Callable<Integer> {
    /** Signals a person or a supervisor sends to a foreground run: passed on to the container. */
    private static final String[] FORWARDED = {"INT", "TERM", "HUP", "QUIT", "USR1", "USR2"};

    private final Lazy<RunContainer> runContainer;
    private final Privileges privileges;

    @Spec
    CommandSpec spec;

    @Option(names = "--rm", description = "remove the container when it exits")
    boolean remove;

    @Option(names = "--name", paramLabel = "NAME", description = "a unique name for the container")
    String name;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY[=VALUE]", description = "set an environment variable")
    List<String> env = new ArrayList<>();

    @Option(names = "--hostname", paramLabel = "NAME", description = "the container's hostname")
    String hostname;

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "working directory inside the container")
    String workdir = "/";

    @Option(names = {"-u", "--user"}, paramLabel = "UID[:GID]", description = "numeric user to run as")
    String user;

    @Option(names = {"-i", "--interactive"}, description = "keep stdin open (default: /dev/null)")
    boolean interactive;

    @Parameters(paramLabel = "ARGS", description = "[IMAGE] [--] COMMAND [ARG...]")
    List<String> positional = new ArrayList<>();

    @Inject
    RunCommand(Lazy<RunContainer> runContainer, Privileges privileges) {
        this.runContainer = runContainer;
        this.privileges = privileges;
    }

    @Override
    public Integer call() {
        RunArguments args = RunArguments.split(spec.commandLine().getParseResult().originalArgs(), positional);
        Root.require(privileges, "run");
        RunContainer.Command cmd = new RunContainer.Command(args.image(),
                Optional.ofNullable(name).map(ContainerName::of), args.command(), env,
                k -> Optional.ofNullable(System.getenv(k)), Optional.ofNullable(hostname).map(Hostname::new),
                workdir, user == null ? User.ROOT : User.parse(user), remove, interactive);
        try {
            ExitStatus exit = runContainer.get().run(cmd, new SignalForwarding());
            return exit.code();
        } catch (SpawnFailedException e) {
            spec.commandLine().getErr().println("quilt: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return e.exitCode();
        }
    }

    /** While the container runs, the signals we get are its signals. */
    private static final class SignalForwarding implements RunContainer.Observer {
        @Override
        public void started(Container container, IntConsumer signaller) {
            for (String name : FORWARDED) {
                Signal s = new Signal(name);
                try {
                    Signal.handle(s, sig -> signaller.accept(sig.getNumber()));
                } catch (IllegalArgumentException e) {
                    // the JVM keeps some signals (QUIT with -Xrs off): leave those to it
                }
            }
        }
    }

    /** How {@code [IMAGE] [--] COMMAND...} splits, given what picocli saw. */
    record RunArguments(Optional<String> image, List<String> command) {
        static RunArguments split(List<String> original, List<String> positional) {
            int run = original.indexOf("run");
            List<String> afterRun = run < 0 ? original : original.subList(run + 1, original.size());
            int dashes = afterRun.indexOf("--");
            List<String> pos = new ArrayList<>(positional);
            // picocli keeps a '--' that comes after the first positional
            int literal = pos.indexOf("--");
            if (literal >= 0) {
                return of(pos.subList(0, literal), pos.subList(literal + 1, pos.size()));
            }
            if (dashes >= 0) {
                int after = afterRun.size() - dashes - 1;
                return of(pos.subList(0, pos.size() - after), pos.subList(pos.size() - after, pos.size()));
            }
            if (pos.isEmpty()) return new RunArguments(Optional.empty(), List.of("/bin/sh"));
            return new RunArguments(Optional.of(pos.get(0)), pos.subList(1, pos.size()).isEmpty()
                    ? List.of("/bin/sh") : List.copyOf(pos.subList(1, pos.size())));
        }

        private static RunArguments of(List<String> before, List<String> after) {
            if (before.size() > 1) {
                throw QuiltException.invalid("only an image may come before '--', got: " + String.join(" ", before));
            }
            return new RunArguments(before.stream().findFirst(), after.isEmpty() ? List.of("/bin/sh") : List.copyOf(after));
        }
    }
}
