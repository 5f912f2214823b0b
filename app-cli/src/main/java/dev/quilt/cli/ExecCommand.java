package dev.quilt.cli;

import dagger.Lazy;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.SecurityFlags;
import dev.quilt.domain.User;
import dev.quilt.ports.Privileges;
import dev.quilt.usecases.ExecInContainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import dev.quilt.ports.ContainerExec;
import dev.quilt.ports.Stdio;

import javax.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code quilt exec}: one more command in a running container; exits with its exit code. */
@Command(name = "exec", description = "Run a command in a running container (its namespaces and cgroup); exit with its code.",
        customSynopsis = "quilt exec [OPTIONS] CONTAINER [--] COMMAND [ARG...]")
final class ExecCommand implements Callable<Integer> {
    private final Lazy<ExecInContainer> exec;
    private final Privileges privileges;
    private final Invocation invocation;
    /** What a terminal's user or a supervisor sends a command: its process group gets them. */
    private static final List<String> FORWARDED = List.of("INT", "TERM", "HUP", "QUIT", "USR1", "USR2");

    @Spec
    CommandSpec spec;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY[=VALUE]", description = "set an environment variable (on top of the container's)")
    List<String> env = new ArrayList<>();

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "working directory (default: the container's)")
    String workdir;

    @Option(names = {"-u", "--user"}, paramLabel = "USER[:GROUP]", description = "user and group, by number or by name"
            + " in the container's /etc/passwd and /etc/group (default: the container's)")
    String user;

    @Option(names = {"-i", "--interactive"}, description = "keep stdin open (default: /dev/null)")
    boolean interactive;

    @Option(names = {"-t", "--tty"}, description = "give the command a terminal of the container's (with -i: ours, raw, "
            + "relayed to it)")
    boolean tty;

    @Option(names = "--privileged", description = "every capability for the command (the container's seccomp "
            + "profile and no-new-privileges stay)")
    boolean privileged;

    @Option(names = "--cap-add", paramLabel = "CAP", description = "add a capability to the container's for the "
            + "command (or ALL); repeatable, or a comma list")
    List<String> capAdd = new ArrayList<>();

    @Option(names = "--cap-drop", paramLabel = "CAP", description = "drop a capability (or ALL) for the command")
    List<String> capDrop = new ArrayList<>();

    @Parameters(paramLabel = "ARGS", description = "CONTAINER [--] COMMAND [ARG...]")
    List<String> positional = new ArrayList<>();

    private final Lazy<dev.quilt.usecases.ContainerLookup> lookup;
    private final Lazy<dev.quilt.ports.Activity> activity;
    private final Lazy<dev.quilt.usecases.ResolveUser> users;

    @Inject
    ExecCommand(Lazy<ExecInContainer> exec, Privileges privileges, Invocation invocation,
                Lazy<dev.quilt.usecases.ContainerLookup> lookup, Lazy<dev.quilt.ports.Activity> activity,
                Lazy<dev.quilt.usecases.ResolveUser> users) {
        this.users = users;
        this.exec = exec;
        this.privileges = privileges;
        this.invocation = invocation;
        this.lookup = lookup;
        this.activity = activity;
    }

    /** An exec is activity: it moves the container's {@code quilt.idle-timeout} deadline (the server acts on it). */
    private void markActivity(String container) {
        try {
            activity.get().mark(lookup.get().resolve(container), java.time.Instant.now());
        } catch (QuiltException e) {
            // no such container: the exec says so itself
        }
    }

    @Override
    public Integer call() {
        RunArguments args = RunArguments.forExec(spec.commandLine().getParseResult().originalArgs(), positional);
        String container = args.target().orElseThrow(
                () -> QuiltException.invalid("name the container: quilt exec CONTAINER -- COMMAND"));
        Root.require(privileges, "exec");
        // a terminal's ^C goes to our whole process group, quilt-exec included, which hands it to the
        // command; we stay to report how the command ended
        invocation.signals().ignore("INT");
        markActivity(container);
        ExecInContainer.Request req = new ExecInContainer.Request(args.command(), env, invocation::getenv,
                Optional.ofNullable(workdir), Optional.ofNullable(user).map(u -> user(container, u)), interactive, tty,
                privileged,
                SecurityFlags.split(capAdd), SecurityFlags.split(capDrop));
        // our own fds 0..2 are the command's (quilt-exec inherits them, and the terminal signals it itself)
        try {
            return execute(container, req);
        } finally {
            markActivity(container);
        }
    }

    /** {@code -u}: numbers as they are; a name looked up in the container (the API's exec does the same). */
    private User user(String container, String spec) {
        if (dev.quilt.domain.UserNames.numeric(spec)) return User.parse(spec);
        return users.get().resolve(lookup.get().get(container), spec);
    }

    private int execute(String container, ExecInContainer.Request req) {
        if (invocation.stdio().equals(Stdio.INHERITED)) return exec.get().exec(container, req).code();
        // a fast CLI call's are its caller's: the command is not in the caller's process group, so the signals and
        // the terminal's new sizes the caller gets are handed to it here
        Invocation.Size size = invocation.size();
        ContainerExec.Session session = exec.get().start(container, req, invocation.stdio(),
                new ContainerExec.Options(interactive, tty, size.rows(), size.cols(), Optional.empty()));
        try {
            invocation.signals().forward(FORWARDED, session::signal);
            if (tty) invocation.signals().resized(session::resize);
            return session.await().code();
        } finally {
            session.close();
        }
    }
}
