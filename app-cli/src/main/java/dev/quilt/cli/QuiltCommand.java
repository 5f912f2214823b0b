package dev.quilt.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.inject.Inject;
import java.nio.file.Path;

@Command(name = "quilt", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "A container runtime for AI-agent workloads.",
        subcommands = {RunCommand.class, CreateCommand.class, LifecycleCommands.Start.class, InfoCommands.Ps.class,
                InfoCommands.Inspect.class, InfoCommands.Logs.class, LifecycleCommands.Kill.class, LifecycleCommands.Stop.class,
                LifecycleCommands.Restart.class,
                LifecycleCommands.Wait.class, LifecycleCommands.Rm.class, LifecycleCommands.Gc.class, ImageCommand.class,
                NetworkCommand.class, StatsCommand.class, ExecCommand.class, HealthCommand.class,
                PauseCommands.Pause.class, PauseCommands.Unpause.class, UpdateCommand.class, ServeCommand.class,
                CheckpointCommands.Checkpoint.class, CheckpointCommands.Restore.class,
                picocli.CommandLine.HelpCommand.class})
final class QuiltCommand implements Runnable {
    private final GlobalOptions options;

    @Inject
    QuiltCommand(GlobalOptions options) {
        this.options = options;
    }

    @Option(names = "--root", paramLabel = "DIR", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "keep all state under DIR (DIR/run, DIR/data) instead of /run/quilt and /var/lib/quilt")
    void root(Path dir) {
        options.root(dir);
    }

    @Option(names = "--debug", scope = picocli.CommandLine.ScopeType.INHERIT,
            description = "print stack traces with errors")
    void debug(boolean debug) {
        options.debug(debug);
    }

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "a command is needed");
    }
}
