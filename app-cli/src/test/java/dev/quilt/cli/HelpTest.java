package dev.quilt.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every command and subcommand shows its usage for -h/--help and exits 0; so do 'quilt help' and 'quilt help CMD'. */
class HelpTest {
    private record Run(int code, String out, String err) {}

    private static Run main(List<String> args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            return new Run(Main.run(args.toArray(String[]::new)), o.toString(StandardCharsets.UTF_8),
                    e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private static void commands(CommandLine c, List<String> path, List<List<String>> into) {
        into.add(path);
        for (Map.Entry<String, CommandLine> sub : c.getSubcommands().entrySet()) {
            List<String> p = new ArrayList<>(path);
            p.add(sub.getKey());
            commands(sub.getValue(), p, into);
        }
    }

    @Test
    void everyCommandAnswersHelp() {
        CommandLine tree = Main.configure(new CommandLine(QuiltCommand.class,
                new DaggerFactory(DaggerQuiltComponent.builder().options(new GlobalOptions()).invocation(Invocation.process()).build())));
        List<List<String>> paths = new ArrayList<>();
        commands(tree, List.of(), paths);
        assertTrue(paths.size() > 20, paths.toString());
        for (List<String> path : paths) {
            for (String flag : List.of("--help", "-h")) {
                List<String> args = new ArrayList<>(path);
                args.add(flag);
                Run r = main(args);
                assertEquals(0, r.code(), args + ": " + r.err());
                String name = String.join(" ", path);
                // picocli's own help command puts a header above its usage
                assertTrue(r.out().startsWith("Usage: quilt" + (name.isEmpty() ? "" : " " + name))
                        || name.equals("help") && r.out().contains("Usage: quilt help"), args + ": " + r.out());
                assertEquals("", r.err(), args.toString());
            }
            if (path.size() == 1) {
                Run r = main(List.of("help", path.get(0)));
                assertEquals(0, r.code(), path + ": " + r.err());
                assertTrue(r.out().contains("Usage: quilt " + path.get(0)), r.out());
            }
        }
        Run help = main(List.of("help"));
        assertEquals(0, help.code());
        assertTrue(help.out().contains("Commands:") && help.out().contains("exec"), help.out());
    }

    @Test
    void aWrongOptionStillSaysWhereHelpIs() {
        Run r = main(List.of("run", "--bogus", "--", "true"));
        assertEquals(2, r.code());
        assertEquals("quilt: unknown option: '--bogus' (see 'quilt run --help')\n", r.err());
        assertFalse(r.err().contains("Exception"));
    }
}
