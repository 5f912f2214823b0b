package dev.quilt.cli;

import dev.quilt.cli.runc.RuncExecCommand;
import dev.quilt.ports.SpawnFailedException;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code quilt-runc [--root DIR] exec ...} for the ITs of part M3 until the face (part R1) registers
 * {@link RuncExecCommand} in its own command tree: the same command, built by Dagger as {@code quilt}'s are,
 * options ending at the container's id. A failure is one line and runc's exec code, 255.
 */
public final class RuncExecHarness {
    private RuncExecHarness() {}

    public static void main(String[] args) {
        GlobalOptions options = new GlobalOptions();
        int i = 0;
        if (args.length > 1 && args[0].equals("--root")) {
            options.root(Path.of(args[1]));
            i = 2;
        }
        if (i >= args.length || !args[i].equals("exec")) {
            System.err.println("usage: RuncExecHarness [--root DIR] exec ...");
            System.exit(2);
        }
        QuiltComponent component = DaggerQuiltComponent.builder().options(options).build();
        CommandLine cli = RuncExecCommand.configure(new CommandLine(RuncExecCommand.class, new DaggerFactory(component)));
        cli.setExpandAtFiles(false);
        cli.setParameterExceptionHandler((e, a) -> {
            System.err.println("quilt-runc: " + e.getMessage());
            return 1;
        });
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            System.err.println("quilt-runc: " + (e instanceof SpawnFailedException ? e.getMessage() : Failures.describe(e)));
            return RuncExecCommand.EXIT_EXEC_FAILED;
        });
        System.exit(cli.execute(Arrays.copyOfRange(args, i + 1, args.length)));
    }
}
