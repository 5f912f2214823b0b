package dev.quilt.cli.runc;

import dagger.Lazy;
import dev.quilt.domain.QuiltException;
import dev.quilt.usecases.ListProcesses;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import javax.inject.Inject;

/**
 * {@code quilt-runc ps [--format table|json] ID [ps options]}, as runc 1.1 does it:
 * {@code json} prints the host pids of the container's cgroup as one JSON array
 * ({@code ctr task ps} and containerd's shim call {@code ps --format json ID});
 * {@code table} runs the host's {@code ps} with the options given (default
 * {@code -ef}) and keeps its header and the lines whose PID column is one of
 * those pids. Options after the ID are {@code ps}'s, so parsing stops at the ID
 * ({@link #configure}).
 */
@Command(name = "ps", description = "ps displays the processes running inside a container")
public final class RuncPs implements Callable<Integer> {
    private final RuncContainers containers;
    private final Lazy<ListProcesses> list;

    @Spec
    CommandSpec spec;

    @Option(names = {"-f", "--format"}, paramLabel = "table|json", defaultValue = "table",
            description = "select one of: table or json (default: \"table\")")
    String format;

    @Parameters(index = "0", paramLabel = "CONTAINER_ID")
    String id;

    @Parameters(index = "1..*", paramLabel = "PS_OPTIONS", description = "options of ps(1); default -ef")
    List<String> psOptions = new ArrayList<>();

    @Inject
    public RuncPs(Lazy<ListProcesses> list, RuncContainers containers) {
        this.containers = containers;
        this.list = list;
    }

    /** Options end at the container ID: what follows is {@code ps}'s ({@code ps ID -eo pid,comm}). */
    public static CommandLine configure(CommandLine ps) {
        return ps.setStopAtPositional(true);
    }

    @Override
    public Integer call() {
        if (!format.equals("table") && !format.equals("json")) {
            throw QuiltException.invalid("invalid format option '" + format + "': give table or json");
        }
        List<Integer> pids = list.get().of(containers.require(id).value()).pids();
        PrintWriter out = spec.commandLine().getOut();
        if (format.equals("json")) {
            out.println(pids.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]")));
            out.flush();
            return 0;
        }
        List<String> lines = hostPs(psOptions.isEmpty() ? List.of("-ef") : psOptions);
        for (String line : table(lines, new HashSet<>(pids))) out.println(line);
        out.flush();
        return 0;
    }

    /** The header and the lines of {@code pids}, found by the header's PID column (runc's rule). */
    static List<String> table(List<String> lines, Set<Integer> pids) {
        if (lines.isEmpty()) throw QuiltException.invalid("ps printed nothing; give ps options that print a header");
        List<String> header = List.of(lines.get(0).strip().split("\\s+"));
        int column = header.indexOf("PID");
        if (column < 0) {
            throw QuiltException.invalid("ps's header has no PID column; give options that print one (e.g. -ef or -eo pid,comm)");
        }
        List<String> out = new ArrayList<>();
        out.add(lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.strip().split("\\s+");
            if (fields.length <= column) continue;
            try {
                if (pids.contains(Integer.parseInt(fields[column]))) out.add(line);
            } catch (NumberFormatException e) {
                // not a process line
            }
        }
        return out;
    }

    private static List<String> hostPs(List<String> options) {
        List<String> argv = new ArrayList<>();
        argv.add("ps");
        argv.addAll(options);
        try {
            Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            p.getOutputStream().close();
            String text;
            try (InputStream in = p.getInputStream()) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            int code = p.waitFor();
            if (code != 0) throw QuiltException.invalid("ps " + String.join(" ", options) + " failed (exit " + code + ")");
            return text.lines().toList();
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot run ps: " + String.valueOf(e.getMessage()).toLowerCase());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QuiltException(QuiltException.Kind.SYSTEM, "interrupted while ps ran");
        }
    }
}
