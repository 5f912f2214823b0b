package dev.quilt.cli.runc;

import dagger.Lazy;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RuncTerms;
import dev.quilt.domain.Status;
import dev.quilt.domain.oci.RuntimeSpec;
import dev.quilt.linux.oci.OciSpecCodec;
import dev.quilt.ports.ContainerProcesses;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.usecases.BundleRequest;
import dev.quilt.usecases.CreateContainer;
import dev.quilt.usecases.KillContainer;
import dev.quilt.usecases.ListContainers;
import dev.quilt.usecases.RemoveContainer;
import dev.quilt.usecases.RunContainer;
import dev.quilt.usecases.StartContainer;
import dev.quilt.domain.ContainerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import dev.quilt.cli.Invocation;

import javax.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Optional;
import java.util.concurrent.Callable;

/** runc 1.1's verbs on containers ({@code runc VERB --help}), one class each, on the engine's use cases. */
final class RuncVerbs {
    private RuncVerbs() {}

    /** runc's {@code create}/{@code run} flags. */
    static final class CreateFlags {
        @Option(names = {"-b", "--bundle"}, paramLabel = "DIR", description = "the bundle: DIR/config.json and its"
                + " root (default: the current directory)")
        String bundle = ".";

        @Option(names = "--pid-file", paramLabel = "FILE", description = "write the init's pid to FILE")
        String pidFile;

        @Option(names = "--console-socket", paramLabel = "SOCKET", description = "the AF_UNIX socket that gets the"
                + " pty master of a process.terminal container")
        String consoleSocket;

        @Option(names = "--no-pivot", description = "enter the root with MS_MOVE and chroot, not pivot_root(2)")
        boolean noPivot;

        @Option(names = "--no-new-keyring", description = "keep the caller's session keyring")
        boolean noNewKeyring;

        @Option(names = "--preserve-fds", paramLabel = "N", description = "pass the caller's fds 3..3+N-1 on")
        int preserveFds;

        /** The bundle's directory, absolute (the caller's working directory's when relative). */
        Path bundleDir(Invocation inv) {
            return inv.resolve(bundle);
        }

        /** The parsed {@code config.json}, or one line saying it is missing or what is wrong in it. */
        RuntimeSpec config(Invocation inv) {
            Path file = bundleDir(inv).resolve("config.json");
            if (!Files.isRegularFile(file)) {
                throw QuiltException.invalid("JSON specification file config.json not found in bundle " + bundleDir(inv)
                        + " (quilt-runc spec writes one)");
            }
            return OciSpecCodec.read(file);
        }

        RuncTerms terms(Invocation inv) {
            RuncExecCommand.requirePassed(preserveFds, inv.getenv(RuncExecCommand.PASSED_FDS_ENV));
            return new RuncTerms(true, Optional.ofNullable(consoleSocket).map(s -> inv.resolve(s).toString()),
                    preserveFds, noPivot, !noNewKeyring);
        }

        BundleRequest request(String id, Invocation inv) {
            ContainerName name = RuncContainers.name(id);
            RuntimeSpec spec = config(inv);
            return new BundleRequest(spec, bundleDir(inv).toString(), Optional.of(name), java.util.List.of(),
                    terms(inv));
        }
    }

    /** Refuses an ID that is taken with runc's words, before anything is made (the engine's claim still decides). */
    private static void requireFree(RuncContainers containers, String id) {
        if (containers.find(id).isPresent()) {
            throw QuiltException.conflict("container with id exists: " + id);
        }
    }

    @Command(name = "create", description = "Create a container from a bundle; its process waits for 'start'.")
    static final class Create implements Callable<Integer> {
        private final Lazy<CreateContainer> create;
        private final Lazy<RemoveContainer> remove;
        private final RuncContainers containers;

        @Mixin
        CreateFlags flags;

        @Parameters(index = "0", paramLabel = "ID", description = "the container's ID")
        String id;

        @Inject
        Create(Lazy<CreateContainer> create, Lazy<RemoveContainer> remove, RuncContainers containers) {
            this.create = create;
            this.remove = remove;
            this.containers = containers;
        }

        @Override
        public Integer call() {
            BundleRequest req = flags.request(id, containers.invocation());
            containers.requireRoot("create");
            requireFree(containers, id);
            Container c = create.get().create(req, ProcessSpawner.Mode.HANDED_OFF);
            pidFileOrUndo(flags, c, remove, containers.invocation());
            return 0;
        }
    }

    /**
     * Writes {@code --pid-file}, if asked; a pid file that cannot be written undoes the container (runc destroys
     * it too), so a failed create leaves nothing.
     */
    private static void pidFileOrUndo(CreateFlags flags, Container c, Lazy<RemoveContainer> remove, Invocation inv) {
        if (flags.pidFile == null) return;
        try {
            PidFile.write(inv.resolve(flags.pidFile), c.init().orElseThrow().pid());
        } catch (RuntimeException e) {
            try {
                remove.get().remove(c.id().value(), true);
            } catch (RuntimeException undo) {
                e.addSuppressed(undo);
            }
            throw e;
        }
    }

    @Command(name = "start", description = "Let a created container's process run; return once it is exec'd.")
    static final class Start implements Callable<Integer> {
        private final Lazy<StartContainer> start;
        private final RuncContainers containers;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Inject
        Start(Lazy<StartContainer> start, RuncContainers containers) {
            this.start = start;
            this.containers = containers;
        }

        @Override
        public Integer call() {
            Container c = containers.observe(id);
            containers.requireRoot("start");
            switch (c.status()) {
                case CREATED -> start.get().startExeced(c.id().value());
                case RUNNING -> throw QuiltException.conflict("cannot start an already running container");
                case STOPPED -> throw QuiltException.conflict("cannot start a container that has stopped");
                case CREATING -> throw QuiltException.conflict("cannot start a container that is still being created");
            }
            return 0;
        }
    }

    @Command(name = "run", description = "Create and start a container: in the foreground (exit with its code),"
            + " or with -d in the background.")
    static final class Run implements Callable<Integer> {
        /** Signals a supervisor sends to a foreground run: passed on to the container (runc forwards them all). */
        private static final String[] FORWARDED = {"INT", "TERM", "HUP", "QUIT", "USR1", "USR2", "WINCH"};

        private final Lazy<RunContainer> run;
        private final Lazy<CreateContainer> create;
        private final Lazy<StartContainer> start;
        private final Lazy<RemoveContainer> remove;
        private final RuncContainers containers;

        @Mixin
        CreateFlags flags;

        @Option(names = {"-d", "--detach"}, description = "start it in the background and return")
        boolean detach;

        @Option(names = "--keep", description = "keep the container once it exits (runc's run deletes it)")
        boolean keep;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Inject
        Run(Lazy<RunContainer> run, Lazy<CreateContainer> create, Lazy<StartContainer> start,
            Lazy<RemoveContainer> remove, RuncContainers containers) {
            this.run = run;
            this.create = create;
            this.start = start;
            this.remove = remove;
            this.containers = containers;
        }

        @Override
        public Integer call() {
            BundleRequest req = flags.request(id, containers.invocation());
            containers.requireRoot("run");
            requireFree(containers, id);
            if (detach) {
                Container c = create.get().create(req, ProcessSpawner.Mode.HANDED_OFF);
                pidFileOrUndo(flags, c, remove, containers.invocation());
                start.get().startExeced(c.id().value());
                return 0;
            }
            java.util.concurrent.atomic.AtomicReference<Container> made = new java.util.concurrent.atomic.AtomicReference<>();
            ExitStatus exit = run.get().run(req, new RunContainer.Observer() {
                @Override
                public void started(Container c, java.util.function.IntConsumer signaller) {
                    made.set(c);
                    Invocation inv = containers.invocation();
                    if (flags.pidFile != null) PidFile.write(inv.resolve(flags.pidFile), c.init().orElseThrow().pid());
                    inv.signals().forward(java.util.List.of(FORWARDED), signaller);
                }
            });
            // runc's run destroys the container once it has exited, unless --keep
            if (!keep && made.get() != null) remove.get().remove(made.get().id().value(), true);
            return exit.code();
        }
    }

    @Command(name = "state", description = "Print a container's OCI state as JSON.")
    static final class State implements Callable<Integer> {
        private final RuncContainers containers;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Inject
        State(RuncContainers containers) {
            this.containers = containers;
        }

        @Override
        public Integer call() {
            Container c = containers.observe(id);
            spec.commandLine().getOut().println(RuncJson.indented(OciState.of(id, c).fields()));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "kill", description = "Send a signal (default TERM; a name, with or without SIG, or a number)"
            + " to a container's init; one that has stopped is not an error.")
    static final class Kill implements Callable<Integer> {
        private final Lazy<KillContainer> kill;
        private final Lazy<ContainerProcesses> processes;
        private final RuncContainers containers;

        @Option(names = {"-a", "--all"}, description = "signal every process in the container's cgroup")
        boolean all;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Parameters(index = "1", arity = "0..1", paramLabel = "SIGNAL")
        String signal = "TERM";

        @Inject
        Kill(Lazy<KillContainer> kill, Lazy<ContainerProcesses> processes, RuncContainers containers) {
            this.kill = kill;
            this.processes = processes;
            this.containers = containers;
        }

        @Override
        public Integer call() {
            RuncContainers.name(id);
            processes.get().signalNumber(signal); // a bad signal is refused whatever the container
            ContainerId cid = containers.require(id);
            containers.requireRoot("kill");
            if (all) {
                kill.get().killAll(cid.value(), signal);
            } else {
                kill.get().kill(cid.value(), signal);
            }
            return 0;
        }
    }

    @Command(name = "delete", description = "Remove a created or stopped container; a running one only with"
            + " --force (SIGKILL first).")
    static final class Delete implements Callable<Integer> {
        private final Lazy<RemoveContainer> remove;
        private final RuncContainers containers;

        @Option(names = {"-f", "--force"}, description = "kill it if it runs; no error when it does not exist")
        boolean force;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Inject
        Delete(Lazy<RemoveContainer> remove, RuncContainers containers) {
            this.remove = remove;
            this.containers = containers;
        }

        @Override
        public Integer call() {
            Optional<ContainerId> cid = containers.find(id);
            if (cid.isEmpty()) {
                if (force) return 0; // runc: what was asked for is so
                throw RuncContainers.notFound(id);
            }
            containers.requireRoot("delete");
            Status status;
            try {
                status = containers.observe(id).status();
            } catch (QuiltException e) {
                if (e.kind() == QuiltException.Kind.NOT_FOUND && force) return 0;
                if (!force) throw e;
                status = Status.RUNNING; // a broken record: --force removes what can be found of it
            }
            if (status == Status.RUNNING && !force) {
                throw QuiltException.conflict("cannot delete container " + id + " that is not stopped: running;"
                        + " stop it first or use --force");
            }
            try {
                // a created container's init waits at its gate: runc's delete kills it, as --force does
                remove.get().remove(cid.get().value(), force || status == Status.CREATED);
            } catch (QuiltException e) {
                if (!(force && e.kind() == QuiltException.Kind.NOT_FOUND)) throw e;
            }
            return 0;
        }
    }

    @Command(name = "list", aliases = "ls", description = "List the containers of --root.")
    static final class List implements Callable<Integer> {
        private final Lazy<ListContainers> list;

        @Spec
        CommandSpec spec;

        @Option(names = {"-f", "--format"}, paramLabel = "FORMAT", description = "table (default) or json")
        String format = "table";

        @Option(names = {"-q", "--quiet"}, description = "only the IDs")
        boolean quiet;

        @Inject
        List(Lazy<ListContainers> list) {
            this.list = list;
        }

        @Override
        public Integer call() {
            if (!format.equals("table") && !format.equals("json")) {
                throw QuiltException.invalid("invalid format option '" + format + "': use table or json");
            }
            java.util.List<OciState> states = new ArrayList<>();
            for (ContainerRecord r : list.get().list(true)) {
                // a broken record is quilt's to clear (quilt-runc delete --force ID); unnamed ones are quilt's own
                if (r instanceof ContainerRecord.Readable ok && ok.container().name().isPresent()) {
                    Container c = ok.container();
                    OciState s = OciState.of(c.name().get().value(), c);
                    states.add(new OciState(s.id(), s.pid(), s.status(), s.bundle(), s.rootfs(), s.created(),
                            s.annotations(), "root"));
                }
            }
            states.sort(java.util.Comparator.comparing(OciState::id)); // runc reads its root's entries in name order
            var out = spec.commandLine().getOut();
            if (quiet) {
                states.forEach(s -> out.println(s.id()));
            } else if (format.equals("json")) {
                out.println(states.isEmpty() ? "null" : RuncJson.line(states.stream().map(OciState::fields).toList()));
            } else {
                out.print(table(states));
            }
            out.flush();
            return 0;
        }

        /** runc's table: Go's tabwriter (minwidth 12, padding 3), the last column as it is. */
        static String table(java.util.List<OciState> states) {
            java.util.List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"});
            for (OciState s : states) {
                rows.add(new String[] {s.id(), Integer.toString(s.pid()), s.status(), s.bundle(), s.created(), s.owner()});
            }
            int[] width = new int[5];
            for (String[] r : rows) {
                for (int i = 0; i < 5; i++) width[i] = Math.max(width[i], Math.max(12, r[i].length() + 3));
            }
            StringBuilder b = new StringBuilder();
            for (String[] r : rows) {
                for (int i = 0; i < 5; i++) b.append(r[i]).append(" ".repeat(width[i] - r[i].length()));
                b.append(r[5]).append('\n');
            }
            return b.toString();
        }
    }
}
