package dev.quilt.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The words after the options, as picocli really parses them (Main's configuration). */
class RunArgumentsTest {
    private static RunArguments run(String... args) {
        RunCommand cmd = new RunCommand(null, null, null, null);
        CommandLine cli = Main.configure(new CommandLine(cmd));
        cli.parseArgs(args);
        return RunArguments.forRun(List.of(args), cmd.positional);
    }

    private static RunArguments exec(String... args) {
        ExecCommand cmd = new ExecCommand(null, null, null, null, null, null);
        CommandLine cli = Main.configure(new CommandLine(cmd));
        cli.parseArgs(args);
        return RunArguments.forExec(List.of(args), cmd.positional);
    }

    private static void is(RunArguments a, Optional<String> target, String... command) {
        assertEquals(target, a.target());
        assertEquals(List.of(command), a.command());
    }

    @Test
    void dashesAloneMeanTheDefaultImage() {
        is(run("--rm", "--", "echo", "hi"), Optional.empty(), "echo", "hi");
    }

    @Test
    void everythingAfterTheFirstDashesIsTheCommandVerbatim() {
        is(run("--", "echo", "--"), Optional.empty(), "echo", "--");
        is(run("--", "echo", "a", "--", "b"), Optional.empty(), "echo", "a", "--", "b");
        is(run("-e", "A=1", "--", "--"), Optional.empty(), "--");
        is(run("--", "--rm", "-e", "x"), Optional.empty(), "--rm", "-e", "x");
        is(run("alpine", "--", "echo", "a", "--", "b"), Optional.of("alpine"), "echo", "a", "--", "b");
    }

    @Test
    void anImageBeforeTheDashes() {
        is(run("alpine", "--", "sh", "-c", "x"), Optional.of("alpine"), "sh", "-c", "x");
    }

    @Test
    void dockerStyleWithoutDashesKeepsALaterDashesInTheCommand() {
        is(run("alpine", "ls", "-l"), Optional.of("alpine"), "ls", "-l");
        is(run("alpine", "echo", "--", "x"), Optional.of("alpine"), "echo", "--", "x");
        is(run("alpine", "echo", "--rm"), Optional.of("alpine"), "echo", "--rm");
    }

    @Test
    void noCommandIsEmpty() {
        // run fills in /bin/sh, run -d and create Quilt's init
        is(run("alpine"), Optional.of("alpine"));
        is(run(), Optional.empty());
        is(run("-d", "--"), Optional.empty());
    }

    @Test
    void anAtSignIsNotAnArgumentFile() {
        is(run("--", "cat", "@/etc/hostname"), Optional.empty(), "cat", "@/etc/hostname");
    }

    @Test
    void execKeepsALiteralDashes() {
        is(exec("box", "echo", "a", "--", "b"), Optional.of("box"), "echo", "a", "--", "b");
        is(exec("box", "--", "echo", "a", "--", "b"), Optional.of("box"), "echo", "a", "--", "b");
        is(exec("-e", "X=1", "box", "--", "--"), Optional.of("box"), "--");
        is(exec("-t", "--", "box", "echo", "--"), Optional.of("box"), "echo", "--");
        is(exec("box"), Optional.of("box"));
        is(exec(), Optional.empty());
    }
}
