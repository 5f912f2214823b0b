package dev.quilt.cli.runc;

import dagger.Binds;
import dagger.Module;
import dagger.multibindings.ClassKey;
import dagger.multibindings.IntoMap;
import dev.quilt.cli.GlobalOptions;
import dev.quilt.domain.QuiltException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import javax.inject.Inject;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code quilt-runc}: runc 1.1's command line over Quilt's engine, for podman (conmon), containerd's
 * runc shim and anything else that drives an OCI runtime. The global flags come before the verb, as
 * runc's do, as {@code --flag value} or {@code --flag=value}.
 *
 * <p>Adding a verb: its class in {@code subcommands} below and one {@code @Binds} line in {@link Verbs}.
 */
@Command(name = "quilt-runc", versionProvider = RuncCommand.Version.class,
        description = "An OCI runtime with runc's command line, on Quilt's engine.",
        subcommands = {RuncVerbs.Create.class, RuncVerbs.Start.class, RuncVerbs.Run.class, RuncVerbs.State.class,
                RuncVerbs.Kill.class, RuncVerbs.Delete.class, RuncVerbs.List.class, SpecVerb.class,
                FeaturesVerb.class, RuncVerbs.Checkpoint.class, RuncVerbs.Restore.class, RuncExecCommand.class,
                RuncPause.class, RuncResume.class, RuncPs.class, RuncEvents.class, RuncUpdate.class})
public final class RuncCommand implements Runnable {
    /** runc's default {@code --root}; containerd passes {@code /run/containerd/runc/NAMESPACE}, podman none. */
    static final Path DEFAULT_ROOT = Path.of("/run/quilt-runc");

    private final GlobalOptions options;
    private final RuncLog log;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Inject
    RuncCommand(GlobalOptions options, RuncLog log) {
        this.options = options;
        this.log = log;
    }

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = {"-v", "--version"}, versionHelp = true, description = "Print the version and exit (runc's -v).")
    boolean version;

    @Option(names = "--root", paramLabel = "DIR", description = "keep the containers' state under DIR"
            + " (default /run/quilt-runc)")
    Path root = DEFAULT_ROOT;

    @Option(names = "--log", paramLabel = "FILE", description = "append errors to FILE as well as stderr")
    Path logFile;

    @Option(names = "--log-format", paramLabel = "FORMAT", description = "text (default) or json: logrus's shapes")
    String logFormat = "text";

    @Option(names = "--debug", arity = "0..1", description = "print stack traces with errors")
    boolean debug;

    @Option(names = "--systemd-cgroup", arity = "0..1", description = "not supported: quilt-runc writes cgroupfs"
            + " itself (podman: cgroup_manager = \"cgroupfs\")")
    boolean systemdCgroup;

    @Option(names = "--criu", paramLabel = "PATH", description = "accepted; checkpoint/restore are not supported yet")
    String criu;

    @Option(names = "--rootless", paramLabel = "true|false|auto", description = "accepted as false or auto;"
            + " rootless mode is not supported")
    String rootless = "auto";

    /**
     * Applies the global flags once they are parsed, before the verb runs: the log first, so that a refusal
     * of another flag is logged too.
     */
    void apply() {
        if (logFile != null) log.file(logFile.toAbsolutePath());
        switch (logFormat) {
            case "text" -> log.format(RuncLog.Format.TEXT);
            case "json" -> log.format(RuncLog.Format.JSON);
            default -> throw QuiltException.invalid("--log-format '" + logFormat + "' is not a format: use text or json");
        }
        options.debug(debug);
        options.root(root.toAbsolutePath().normalize()); // runc: filepath.Abs
        if (systemdCgroup) {
            throw QuiltException.invalid("--systemd-cgroup is not supported: quilt-runc manages cgroups through"
                    + " cgroupfs; use the cgroupfs manager (podman: cgroup_manager = \"cgroupfs\" in containers.conf)");
        }
        switch (rootless.toLowerCase(Locale.ROOT)) {
            case "false", "auto" -> { }
            case "true" -> throw QuiltException.invalid("--rootless=true is not supported: quilt-runc runs as root");
            default -> throw QuiltException.invalid("--rootless '" + rootless + "' is not true, false or auto");
        }
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Every verb's class, so Dagger builds it with what it needs. */
    @Module
    interface Verbs {
        @Binds @IntoMap @ClassKey(RuncCommand.class)
        Object runc(RuncCommand c);

        @Binds @IntoMap @ClassKey(RuncVerbs.Create.class)
        Object create(RuncVerbs.Create c);

        @Binds @IntoMap @ClassKey(RuncVerbs.Start.class)
        Object start(RuncVerbs.Start c);

        @Binds @IntoMap @ClassKey(RuncVerbs.Run.class)
        Object run(RuncVerbs.Run c);

        @Binds @IntoMap @ClassKey(RuncVerbs.State.class)
        Object state(RuncVerbs.State c);

        @Binds @IntoMap @ClassKey(RuncVerbs.Kill.class)
        Object kill(RuncVerbs.Kill c);

        @Binds @IntoMap @ClassKey(RuncVerbs.Delete.class)
        Object delete(RuncVerbs.Delete c);

        @Binds @IntoMap @ClassKey(RuncVerbs.List.class)
        Object list(RuncVerbs.List c);

        @Binds @IntoMap @ClassKey(RuncExecCommand.class)
        Object exec(RuncExecCommand c);

        @Binds @IntoMap @ClassKey(RuncPause.class)
        Object pause(RuncPause c);

        @Binds @IntoMap @ClassKey(RuncResume.class)
        Object resume(RuncResume c);

        @Binds @IntoMap @ClassKey(RuncPs.class)
        Object ps(RuncPs c);

        @Binds @IntoMap @ClassKey(RuncEvents.class)
        Object events(RuncEvents c);

        @Binds @IntoMap @ClassKey(RuncUpdate.class)
        Object update(RuncUpdate c);
    }

    /** runc's {@code --version}: the runtime, the spec it follows. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = RuncCommand.class.getPackage().getImplementationVersion();
            return new String[] {"quilt-runc version " + (v == null ? "dev" : v), "spec: " + OciState.OCI_VERSION};
        }
    }
}
