package dev.quilt.cli.runc;

import dev.quilt.cli.Failures;
import dev.quilt.cli.GlobalOptions;
import dev.quilt.cli.Invocation;
import picocli.CommandLine;

import javax.inject.Provider;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Map;

/**
 * {@code quilt-runc}: parses, runs one verb, exits with its code: 0, or 1 for any failure, as runc
 * (a foreground {@code run} exits with the container's code). A failure is one line on stderr, and a
 * record in {@code --log} (see {@link RuncLog}); {@code --debug} adds the stack trace.
 */
public final class RuncMain {
    static final int EXIT_FAILURE = 1;

    private RuncMain() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String[] args) {
        Invocation process = Invocation.process();
        GlobalOptions options = new GlobalOptions();
        RuncLog log = new RuncLog();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> fail(e, options, log, process.err()));
        return run(args, process, options, log);
    }

    /** {@link #run(String[])} with the given stdout and stderr (tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, Invocation.process(out, err));
    }

    /** {@link #run(String[])} for one caller, touching nothing process-wide (the fast CLI's server). */
    public static int run(String[] args, Invocation invocation) {
        return run(args, invocation, new GlobalOptions(), new RuncLog());
    }

    private static int run(String[] args, Invocation invocation, GlobalOptions options, RuncLog log) {
        PrintWriter out = invocation.out();
        PrintWriter err = invocation.err();
        try {
            RuncComponent component = DaggerRuncComponent.builder().options(options).log(log).invocation(invocation)
                    .build();
            Factory factory = new Factory(component.commands());
            CommandLine cli = new CommandLine(RuncCommand.class, factory);
            for (Class<?> verb : RuncCommand.verbsFor(args)) cli.addSubcommand(new CommandLine(verb, factory));
            cli.setOut(out);
            cli.setErr(err);
            cli.setExpandAtFiles(false);
            if (cli.getSubcommands().containsKey("exec")) RuncExecCommand.configure(cli.getSubcommands().get("exec"));
            if (cli.getSubcommands().containsKey("ps")) RuncPs.configure(cli.getSubcommands().get("ps"));
            // podman passes --leave-running twice; runc's flag parser takes a repeated flag (the last one wins)
            for (String verb : java.util.List.of("checkpoint", "restore")) {
                if (cli.getSubcommands().containsKey(verb)) cli.getSubcommands().get(verb).setOverwrittenOptionsAllowed(true);
            }
            for (CommandLine verb : cli.getSubcommands().values()) {
                var spec = verb.getCommandSpec();
                if (!spec.optionsMap().containsKey("--help")) {
                    spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                            .description("Show this help message and exit.").build());
                }
            }
            cli.setParameterExceptionHandler((e, a) -> {
                String m = e.getMessage();
                return say(m.isEmpty() ? m : Character.toLowerCase(m.charAt(0)) + m.substring(1), log, err);
            });
            // runc exits 255 when an exec fails (exec.go: fatalWithCode(..., 255)), 1 for everything else
            cli.setExecutionExceptionHandler((e, line, parsed) -> {
                int code = fail(e, options, log, err);
                return line.getCommand() instanceof RuncExecCommand ? RuncExecCommand.EXIT_EXEC_FAILED : code;
            });
            // the global flags take effect (or are refused) after parsing, before the verb runs
            cli.setExecutionStrategy(parsed -> {
                try {
                    ((RuncCommand) parsed.commandSpec().userObject()).apply();
                } catch (RuntimeException e) {
                    return fail(e, options, log, err);
                }
                return new CommandLine.RunLast().execute(parsed);
            });
            return cli.execute(args);
        } catch (RuntimeException | Error e) {
            return fail(e, options, log, err);
        }
    }

    private static int fail(Throwable e, GlobalOptions options, RuncLog log, PrintWriter err) {
        if (e instanceof CommandLine.ParameterException p) return say(p.getMessage(), log, err);
        if (options.debug()) e.printStackTrace(err);
        return say(Failures.describe(e), log, err);
    }

    private static int say(String line, RuncLog log, PrintWriter err) {
        log.error(line, Instant.now());
        err.println("quilt-runc: " + line);
        err.flush();
        return EXIT_FAILURE;
    }

    /** Lets picocli build each verb through Dagger, so it gets its use cases. */
    private record Factory(Map<Class<?>, Provider<Object>> commands) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            Provider<Object> p = commands.get(cls);
            return p != null ? cls.cast(p.get()) : CommandLine.defaultFactory().create(cls);
        }
    }
}
