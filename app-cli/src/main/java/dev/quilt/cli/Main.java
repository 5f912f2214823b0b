package dev.quilt.cli;

import picocli.CommandLine;

import java.io.PrintWriter;

/** {@code quilt}: parses, runs one command, exits with its code. */
public final class Main {
    /** Quilt's own failure in {@code run}, as podman and docker use it (the command's codes pass through). */
    static final int EXIT_RUNTIME_ERROR = 125;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Parses and runs one command; returns its exit code. Whatever fails, the
     * user gets one line on stderr: a Quilt error's own message, or for anything
     * unexpected (a bug, an Error, a failure in a background thread) a line that
     * names no Java exception; {@code --debug} adds the stack trace.
     */
    public static int run(String[] args) {
        Invocation process = Invocation.process();
        PrintWriter stderr = process.err();
        GlobalOptions options = new GlobalOptions();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (options.debug()) e.printStackTrace(stderr);
            stderr.println("quilt: " + Failures.describe(e));
            stderr.flush();
        });
        return run(args, process, options);
    }

    /**
     * {@link #run(String[])} for one caller ({@link Invocation}: its stdout and stderr, environment, working
     * directory, fds and signals), touching nothing process-wide: the fast CLI's server runs many at once.
     */
    public static int run(String[] args, Invocation invocation) {
        return run(args, invocation, new GlobalOptions());
    }

    private static int run(String[] args, Invocation invocation, GlobalOptions options) {
        PrintWriter stderr = invocation.err();
        try {
            QuiltComponent component = DaggerQuiltComponent.builder().options(options).invocation(invocation).build();
            CommandLine cli = configure(new CommandLine(QuiltCommand.class, new DaggerFactory(component)));
            cli.setOut(invocation.out());
            cli.setErr(invocation.err());
            cli.setExecutionExceptionHandler((e, line, parsed) -> failure(e, line, options));
            return cli.execute(args);
        } catch (RuntimeException | Error e) {
            // what picocli passes on: an Error thrown by a command, or a fault outside any command
            if (options.debug()) e.printStackTrace(stderr);
            stderr.println("quilt: " + Failures.describe(e));
            stderr.flush();
            String verb = verb(args);
            return verb.equals("run") || verb.equals("create") ? EXIT_RUNTIME_ERROR : EXIT_FAILURE;
        }
    }

    /** The command word of {@code args}: the first that is neither a global option nor its value. */
    private static String verb(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--root")) i++;
            else if (!args[i].startsWith("-")) return args[i];
        }
        return "";
    }

    /**
     * How Quilt parses, for the whole tree under {@code cli}: words are taken as
     * typed (no picocli {@code @file} expansion, which would read a file named by
     * a command's argument); run, create and exec stop taking options at their
     * first positional, so the command's own options and any later {@code --} stay
     * the command's ({@link RunArguments}); every command and subcommand answers
     * {@code -h}/{@code --help} with its usage and exit code 0.
     */
    static CommandLine configure(CommandLine cli) {
        cli.setExpandAtFiles(false);
        cli.setParameterExceptionHandler(Main::usageError);
        configureTree(cli);
        return cli;
    }

    private static void configureTree(CommandLine c) {
        Object cmd = c.getCommand();
        if (cmd instanceof RunCommand || cmd instanceof CreateCommand || cmd instanceof ExecCommand) {
            c.setStopAtPositional(true);
        }
        CommandLine.Model.CommandSpec spec = c.getCommandSpec();
        if (!spec.optionsMap().containsKey("--help") && !spec.optionsMap().containsKey("-h")) {
            spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                    .description("Show this help message and exit.").build());
        }
        for (CommandLine sub : c.getSubcommands().values()) configureTree(sub);
    }

    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        String message = e.getMessage();
        message = message.isEmpty() ? message : Character.toLowerCase(message.charAt(0)) + message.substring(1);
        err.println("quilt: " + message + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return EXIT_USAGE;
    }

    private static int failure(Exception e, CommandLine line, GlobalOptions options) {
        PrintWriter err = line.getErr();
        if (options.debug()) e.printStackTrace(err);
        // "quilt run" and "quilt create", not "quilt network create"
        String verb = line.getCommandSpec().qualifiedName(" ");
        if (e instanceof dev.quilt.ports.NotReadyException n) {
            err.println("quilt: " + n.getMessage());
            err.flush();
            return n.exitCode();
        }
        if (e instanceof dev.quilt.ports.ExitUnknownException u) {
            err.println("quilt: " + u.getMessage());
            err.flush();
            return dev.quilt.ports.ExitUnknownException.EXIT_CODE;
        }
        if (e instanceof dev.quilt.domain.ExecveLimits.Refused r && r.part() == dev.quilt.domain.ExecveLimits.Part.PROGRAM) {
            // an empty program name is never found: the shell's and docker's 127, as for a missing binary
            err.println("quilt: " + r.getMessage());
            err.flush();
            return dev.quilt.domain.ExecveLimits.NOT_FOUND_EXIT;
        }
        if (e instanceof dev.quilt.ports.SpawnFailedException s) {
            err.println("quilt: " + s.getMessage());
            err.flush();
            return s.exitCode();
        }
        // a bug or an unexpected failure is still one line, and no Java text; --debug has the rest
        err.println("quilt: " + Failures.describe(e));
        err.flush();
        return verb.equals("quilt run") || verb.equals("quilt create") ? EXIT_RUNTIME_ERROR : EXIT_FAILURE;
    }
}
