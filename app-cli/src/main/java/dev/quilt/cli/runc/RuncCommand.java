package dev.quilt.cli.runc;

import dev.quilt.cli.GlobalOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.inject.Inject;
import java.nio.file.Path;

/**
 * {@code quilt-runc}, the runc-compatible face: here only the control verbs of
 * part R2 (pause, resume, ps, events, update) and {@code --root}; the face's own
 * part (R1) brings the launcher, the other verbs and the global flags, and this
 * class is to be merged into its {@code RuncCommand}: the subcommands below, and
 * {@link RuncPs#configure} on {@code ps}.
 */
@Command(name = "quilt-runc", description = "an OCI runtime command line, runc-compatible, on Quilt's engine",
        subcommands = {RuncPause.class, RuncResume.class, RuncPs.class, RuncEvents.class, RuncUpdate.class})
public final class RuncCommand implements Runnable {
    private final GlobalOptions options;

    @Inject
    public RuncCommand(GlobalOptions options) {
        this.options = options;
    }

    @Option(names = "--root", paramLabel = "DIR", scope = CommandLine.ScopeType.INHERIT,
            description = "root directory for storage of container state")
    void root(Path dir) {
        options.root(dir);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a command is needed");
    }

    /** The parse rules this face needs beyond Quilt's: {@code ps}'s options after the ID are ps(1)'s. */
    public static CommandLine configure(CommandLine runc) {
        CommandLine ps = runc.getSubcommands().get("ps");
        if (ps != null) RuncPs.configure(ps);
        return runc;
    }
}
