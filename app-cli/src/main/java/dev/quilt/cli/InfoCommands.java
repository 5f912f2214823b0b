package dev.quilt.cli;

import dagger.Lazy;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.Status;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.ContainerLogs;
import dev.quilt.ports.StateStore;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ListContainers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import javax.inject.Inject;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** The verbs that only look: ps, inspect, logs. */
final class InfoCommands {
    private InfoCommands() {}

    /**
     * A container whose record cannot be read is listed with the status
     * {@code broken} (and in JSON the reason as {@code error}); its reason goes to
     * stderr, one line each, and the exit is 0: the others were listed.
     */
    @Command(name = "ps", description = "List containers: created and running ones, or with -a all.")
    static final class Ps implements Callable<Integer> {
        private final Lazy<ListContainers> list;
        private final Lazy<ContainerLookup> lookup;
        private final Lazy<StateStore> state;
        private final Lazy<LinuxPaths> paths;

        @Spec
        CommandSpec spec;

        @Option(names = {"-a", "--all"}, description = "stopped ones too")
        boolean all;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Option(names = {"-q", "--quiet"}, description = "IDs only")
        boolean quiet;

        @Inject
        Ps(Lazy<ListContainers> list, Lazy<ContainerLookup> lookup, Lazy<StateStore> state, Lazy<LinuxPaths> paths) {
            this.list = list;
            this.lookup = lookup;
            this.state = state;
            this.paths = paths;
        }

        @Override
        public Integer call() {
            List<ContainerRecord> records = list.get().list(all);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                List<Object> views = new ArrayList<>();
                for (ContainerRecord r : records) views.add(view(r));
                out.println(JsonOutput.of(views));
            } else if (quiet) {
                records.forEach(r -> out.println(r.id()));
            } else {
                out.printf("%-12s  %-20s  %-12s  %-28s  %-16s  %s%n", "CONTAINER ID", "NAME", "IMAGE", "COMMAND", "STATUS", "CREATED");
                Instant now = Instant.now();
                for (ContainerRecord r : records) {
                    if (r instanceof ContainerRecord.Readable ok) {
                        Container c = ok.container();
                        out.printf("%-12s  %-20s  %-12s  %-28s  %-16s  %s%n", c.id().shortForm(),
                                c.name().map(Object::toString).orElse(""), c.spec().root().shortForm(),
                                clip(command(c), 28), status(c, lookup.get().monitorGone(c)), ago(c.createdAt(), now));
                    } else {
                        out.printf("%-12s  %-20s  %-12s  %-28s  %-16s  %s%n", r.id().shortForm(), "", "", "", "broken", "");
                    }
                }
            }
            out.flush();
            PrintWriter err = spec.commandLine().getErr();
            for (ContainerRecord r : records) {
                if (r instanceof ContainerRecord.Broken b) err.println("quilt: " + b.error().getMessage());
            }
            err.flush();
            return 0;
        }

        /** The container's view; for a broken one, its ID, status {@code broken}, the reason and its paths. */
        private Object view(ContainerRecord r) {
            return switch (r) {
                case ContainerRecord.Readable ok -> {
                    try {
                        yield ContainerView.of(ok.container(), state.get().recordedExit(ok.id()),
                                lookup.get().monitorGone(ok.container()), paths.get());
                    } catch (dev.quilt.domain.BrokenRecordException e) {
                        yield BrokenView.of(e.broken(), paths.get()); // its exit.json broke since we looked
                    }
                }
                case ContainerRecord.Broken b -> BrokenView.of(b, paths.get());
            };
        }

        private static String command(Container c) {
            String cmd = String.join(" ", c.spec().process().args());
            return c.spec().init() ? (cmd.isEmpty() ? "(quilt-init)" : "(quilt-init) " + cmd) : cmd;
        }

        /** "running", "running (monitor gone)" when its init runs on after its monitor was killed, "exited (3)". */
        private static String status(Container c, boolean monitorGone) {
            if (c.status() != Status.STOPPED) return c.status().word() + (monitorGone ? " (monitor gone)" : "");
            return "exited (" + c.exit().map(ExitStatus::code).map(String::valueOf).orElse("?") + ")";
        }

        private static String clip(String s, int n) {
            return s.length() <= n ? s : s.substring(0, n - 3) + "...";
        }

        static String ago(Instant then, Instant now) {
            Duration d = Duration.between(then, now);
            if (d.toSeconds() < 60) return Math.max(0, d.toSeconds()) + "s ago";
            if (d.toMinutes() < 60) return d.toMinutes() + "m ago";
            if (d.toHours() < 48) return d.toHours() + "h ago";
            return d.toDays() + "d ago";
        }
    }

    @Command(name = "inspect", description = "Show containers as JSON: status, pids, times, exit, image, command, paths.")
    static final class Inspect implements Callable<Integer> {
        private final Lazy<ContainerLookup> lookup;
        private final Lazy<StateStore> state;
        private final Lazy<LinuxPaths> paths;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "CONTAINER", arity = "1..*")
        List<String> refs;

        @Inject
        Inspect(Lazy<ContainerLookup> lookup, Lazy<StateStore> state, Lazy<LinuxPaths> paths) {
            this.lookup = lookup;
            this.state = state;
            this.paths = paths;
        }

        @Override
        public Integer call() {
            List<ContainerView> views = new ArrayList<>();
            for (String ref : refs) {
                Container c = lookup.get().get(ref);
                views.add(ContainerView.of(c, state.get().recordedExit(c.id()), lookup.get().monitorGone(c), paths.get()));
            }
            spec.commandLine().getOut().println(JsonOutput.of(views.size() == 1 ? views.get(0) : views));
            return 0;
        }
    }

    @Command(name = "logs", description = "Print what a detached container wrote to stdout and stderr.")
    static final class Logs implements Callable<Integer> {
        private final Lazy<ContainerLookup> lookup;
        private final Lazy<ContainerLogs> logs;
        private final Invocation invocation;

        @Option(names = {"-f", "--follow"}, description = "keep printing until the container exits")
        boolean follow;

        @Parameters(paramLabel = "CONTAINER")
        String ref;

        @Inject
        Logs(Lazy<ContainerLookup> lookup, Lazy<ContainerLogs> logs, Invocation invocation) {
            this.lookup = lookup;
            this.logs = logs;
            this.invocation = invocation;
        }

        @Override
        public Integer call() {
            Container c = lookup.get().get(ref);
            boolean live = c.status().isLive();
            logs.get().copy(c.id(), invocation.stdout(), invocation.stderr(),
                    follow && live ? c.monitor() : Optional.empty());
            return 0;
        }
    }
}
