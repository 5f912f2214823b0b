package dev.quilt.cli;

import dev.quilt.domain.QuiltException;
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

    public static int run(String[] args) {
        GlobalOptions options = new GlobalOptions();
        QuiltComponent component = DaggerQuiltComponent.builder().options(options).build();
        CommandLine cli = configure(new CommandLine(QuiltCommand.class, new DaggerFactory(component)));
        cli.setExecutionExceptionHandler((e, line, parsed) -> failure(e, line, options));
        return cli.execute(args);
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
        if (e instanceof dev.quilt.ports.SpawnFailedException s) {
            err.println("quilt: " + s.getMessage());
            err.flush();
            return s.exitCode();
        }
        if (e instanceof QuiltException q) {
            err.println("quilt: " + q.getMessage());
        } else {
            // a bug or an unexpected failure: still one line; --debug has the rest
            err.println("quilt: internal error: " + e + " (run with --debug for details)");
        }
        err.flush();
        return verb.equals("quilt run") || verb.equals("quilt create") ? EXIT_RUNTIME_ERROR : EXIT_FAILURE;
    }
}
