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
 * <p>Adding a verb: its class in {@link #VERBS} and one {@code @Binds} line in {@link Verbs}.
 */
@Command(name = "quilt-runc", versionProvider = RuncCommand.Version.class,
        description = "An OCI runtime with runc's command line, on Quilt's engine.")
public final class RuncCommand implements Runnable {
    /** The verbs by name (and runc's alias {@code ls}), in the order usage lists them. */
    static final java.util.Map<String, Class<?>> VERBS = verbs();

    private static java.util.Map<String, Class<?>> verbs() {
        java.util.Map<String, Class<?>> m = new java.util.LinkedHashMap<>();
        m.put("create", RuncVerbs.Create.class);
        m.put("start", RuncVerbs.Start.class);
        m.put("run", RuncVerbs.Run.class);
        m.put("state", RuncVerbs.State.class);
        m.put("kill", RuncVerbs.Kill.class);
        m.put("delete", RuncVerbs.Delete.class);
        m.put("list", RuncVerbs.List.class);
        m.put("exec", RuncExecCommand.class);
        m.put("pause", RuncPause.class);
        m.put("resume", RuncResume.class);
        m.put("ps", RuncPs.class);
        m.put("events", RuncEvents.class);
        m.put("update", RuncUpdate.class);
        m.put("spec", SpecVerb.class);
        m.put("features", FeaturesVerb.class);
        m.put("checkpoint", RuncCheckpoint.Checkpoint.class);
        m.put("restore", RuncCheckpoint.Restore.class);
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Global flags that take a value as the next word ({@code --root DIR}). */
    private static final java.util.Set<String> VALUED = java.util.Set.of("--root", "--log", "--log-format", "--criu",
            "--rootless");

    /**
     * The verbs {@code args} needs: the one it names, or every verb (for usage, or to say a word is no verb).
     * picocli reflects over each verb it is given, and a client pays one quilt-runc start per verb, so a call
     * builds only its own: about half of the start's time.
     */
    static java.util.Collection<Class<?>> verbsFor(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (VALUED.contains(a)) {
                i++;
            } else if ((a.equals("--debug") || a.equals("--systemd-cgroup")) && i + 1 < args.length
                    && (args[i + 1].equals("true") || args[i + 1].equals("false"))) {
                i++;
            } else if (!a.startsWith("-")) {
                Class<?> verb = a.equals("ls") ? RuncVerbs.List.class : VERBS.get(a);
                return verb == null ? VERBS.values() : java.util.List.of(verb);
            }
        }
        return VERBS.values();
    }
    /** runc's default {@code --root}; containerd passes {@code /run/containerd/runc/NAMESPACE}, podman none. */
    static final Path DEFAULT_ROOT = Path.of("/run/quilt-runc");

    private final GlobalOptions options;
    private final RuncLog log;
    private final dev.quilt.cli.Invocation invocation;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Inject
    RuncCommand(GlobalOptions options, RuncLog log, dev.quilt.cli.Invocation invocation) {
        this.options = options;
        this.log = log;
        this.invocation = invocation;
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

    @Option(names = "--criu", paramLabel = "PATH", description = "accepted, not used: checkpoint runs the criu"
            + " QUILT_CRIU names (the set-up's, which passes 'criu check'), else criu on PATH")
    String criu;

    @Option(names = "--rootless", paramLabel = "true|false|auto", description = "accepted as false or auto;"
            + " rootless mode is not supported")
    String rootless = "auto";

    /**
     * Applies the global flags once they are parsed, before the verb runs: the log first, so that a refusal
     * of another flag is logged too.
     */
    void apply() {
        if (logFile != null) log.file(invocation.resolve(logFile));
        switch (logFormat) {
            case "text" -> log.format(RuncLog.Format.TEXT);
            case "json" -> log.format(RuncLog.Format.JSON);
            default -> throw QuiltException.invalid("--log-format '" + logFormat + "' is not a format: use text or json");
        }
        options.debug(debug);
        options.root(invocation.resolve(root)); // runc: filepath.Abs, against the caller's working directory
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

        @Binds @IntoMap @ClassKey(RuncCheckpoint.Checkpoint.class)
        Object checkpoint(RuncCheckpoint.Checkpoint c);

        @Binds @IntoMap @ClassKey(RuncCheckpoint.Restore.class)
        Object restore(RuncCheckpoint.Restore c);
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
