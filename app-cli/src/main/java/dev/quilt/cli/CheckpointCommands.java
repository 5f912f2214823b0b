package dev.quilt.cli;

import dagger.Lazy;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ReadyPolicy;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.linux.checkpoint.ManifestJson;
import dev.quilt.ports.CheckpointStore;
import dev.quilt.ports.Privileges;
import dev.quilt.usecases.CheckpointContainer;
import dev.quilt.usecases.ListCheckpoints;
import dev.quilt.usecases.RestoreContainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import javax.inject.Inject;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code quilt checkpoint [ls|inspect|rm]} and {@code quilt restore} (issue 16): CRIU through the engine's use cases. */
final class CheckpointCommands {
    private CheckpointCommands() {}

    @Command(name = "checkpoint", description = "Checkpoint a running container (CRIU): its processes, its writable"
            + " layer and its record, into checkpoints/<id>/<name>; print a CONTAINER/NAME that names it (the"
            + " container's ID instead of its name when earlier containers of that name have a checkpoint so named).",
            subcommands = {Ls.class, Inspect.class, Rm.class})
    static final class Checkpoint implements Callable<Integer> {
        private final Lazy<CheckpointContainer> checkpoint;
        private final Lazy<ListCheckpoints> list;
        private final Privileges privileges;

        @Spec
        CommandSpec spec;

        @Option(names = "--leave-running", description = "keep the container running (frozen for the dump, then thawed)")
        boolean leaveRunning;

        @Option(names = "--tcp-established", description = "dump established TCP connections too (CRIU's option)")
        boolean tcpEstablished;

        @Option(names = "--name", paramLabel = "NAME", description = "the checkpoint's name (default: the time, UTC)")
        String name;

        @Parameters(paramLabel = "CONTAINER", arity = "0..1", description = "ID, name or unique ID prefix")
        String container;

        @Inject
        Checkpoint(Lazy<CheckpointContainer> checkpoint, Lazy<ListCheckpoints> list, Privileges privileges) {
            this.checkpoint = checkpoint;
            this.list = list;
            this.privileges = privileges;
        }

        @Override
        public Integer call() {
            if (container == null) {
                throw dev.quilt.domain.QuiltException.invalid("checkpoint needs a container: quilt checkpoint"
                        + " [--leave-running] [--name NAME] CONTAINER, or one of ls, inspect, rm");
            }
            Root.require(privileges, "checkpoint");
            CheckpointStore.Stored s = checkpoint.get().checkpoint(new CheckpointContainer.Command(container,
                    Optional.ofNullable(name).map(CheckpointName::new), leaveRunning, tcpEstablished));
            spec.commandLine().getOut().println(list.get().refOf(s));
            return 0;
        }
    }

    @Command(name = "ls", description = {"List checkpoints (of the containers CONTAINER names when given), newest"
            + " first. STATUS compares the files' names and sizes with the manifest and does not hash them: 'damaged:"
            + " PROBLEM' names the first difference; 'checkpoint inspect --verify' (and every restore) also checks each"
            + " file's sha256.", "CONTAINER naming neither a container nor checkpoints is refused."})
    static final class Ls implements Callable<Integer> {
        private final Lazy<ListCheckpoints> list;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "CONTAINER", arity = "0..1", description = "ID, ID prefix, or name at the dump (every"
                + " container that had it)")
        String container;

        @Inject
        Ls(Lazy<ListCheckpoints> list) {
            this.list = list;
        }

        @Override
        public Integer call() {
            // every refusal before the header: a failed ls prints nothing on stdout
            List<CheckpointStore.Stored> found = list.get().list(Optional.ofNullable(container));
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-40s %-12s %-24s %s%n", "CHECKPOINT", "CONTAINER", "CREATED", "STATUS (NOT HASHED)");
            for (CheckpointStore.Stored s : found) {
                out.printf("%-40s %-12s %-24s %s%n", list.get().refOf(s), s.id().shortForm(),
                        s.manifest().map(m -> m.created().toString()).orElse("-"),
                        s.problem().map(p -> "damaged: " + p).orElse(s.manifest().map(CheckpointManifest::leftRunning)
                                .orElse(false) ? "ok (left running)" : "ok"));
            }
            return 0;
        }
    }

    @Command(name = "inspect", description = "Print a checkpoint's manifest as JSON.")
    static final class Inspect implements Callable<Integer> {
        private final Lazy<ListCheckpoints> list;

        @Spec
        CommandSpec spec;

        @Option(names = "--verify", description = "check it first as a restore does (every file's size and sha256,"
                + " CRIU's images, the digests, the image in the store); a damaged one is refused with its problem")
        boolean verify;

        @Parameters(paramLabel = "CHECKPOINT", description = "CONTAINER/NAME, or CONTAINER for its newest")
        String ref;

        @Inject
        Inspect(Lazy<ListCheckpoints> list) {
            this.list = list;
        }

        @Override
        public Integer call() {
            CheckpointStore.Stored s = verify ? list.get().verify(ref).stored() : list.get().inspect(ref);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("ref", list.get().refOf(s));
            out.put("containerId", s.id().value());
            out.put("name", s.name().value());
            if (verify) out.put("verified", true);
            s.problem().ifPresent(p -> out.put("problem", p));
            s.manifest().ifPresent(m -> out.put("manifest", ManifestJson.toMap(m)));
            spec.commandLine().getOut().println(JsonOutput.of(out));
            return 0;
        }
    }

    @Command(name = "rm", description = "Remove checkpoints; print each. Each is tried: a failure is said on stderr,"
            + " the others are still removed, and the exit is 1.")
    static final class Rm implements Callable<Integer> {
        private final Lazy<ListCheckpoints> list;
        private final Privileges privileges;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "CHECKPOINT", arity = "1..*", description = "CONTAINER/NAME, or CONTAINER for its newest")
        List<String> refs;

        @Inject
        Rm(Lazy<ListCheckpoints> list, Privileges privileges) {
            this.list = list;
            this.privileges = privileges;
        }

        @Override
        public Integer call() {
            Root.require(privileges, "checkpoint rm");
            int failed = 0;
            for (String ref : refs) {
                try {
                    CheckpointStore.Stored s = list.get().inspect(ref);
                    String shown = list.get().refOf(s);
                    list.get().remove(s.id().value() + "/" + s.name().value());
                    spec.commandLine().getOut().println(shown);
                } catch (QuiltException e) {
                    failed++;
                    spec.commandLine().getErr().println("quilt: " + Failures.describe(e));
                }
            }
            spec.commandLine().getOut().flush();
            spec.commandLine().getErr().flush();
            return failed == 0 ? 0 : 1;
        }
    }

    @Command(name = "restore", description = "Restore a checkpoint into a new container (CRIU), ready when this returns;"
            + " print its ID.")
    static final class Restore implements Callable<Integer> {
        private final Lazy<RestoreContainer> restore;
        private final Privileges privileges;

        @Spec
        CommandSpec spec;

        @Option(names = "--name", paramLabel = "NAME", description = "the new container's name; with --copies, the"
                + " copies' prefix (NAME-1..NAME-N; default: the checkpointed container's name)")
        String name;

        @Option(names = "--copies", paramLabel = "N", description = "fork: N independent containers from the checkpoint"
                + " (hostnames HOST-1..N, /run/quilt/clone and QUILT_CLONE=1..N), all ready when this returns; print"
                + " their IDs")
        Integer copies;

        @Option(names = "--parallel", paramLabel = "N", description = "with --copies: restores at once (default: the"
                + " host's CPUs)")
        Integer parallel;

        @Option(names = "--ready-timeout", paramLabel = "DURATION",
                description = "deadline for the restore and every readiness phase (default: the checkpointed container's)")
        String readyTimeout;

        @Option(names = "--keep-on-failure", description = "keep a container that did not become ready, for 'quilt inspect'")
        boolean keepOnFailure;

        @Parameters(paramLabel = "CHECKPOINT", description = "CONTAINER/NAME, or CONTAINER for its newest")
        String ref;

        private final Lazy<dev.quilt.usecases.ForkContainer> fork;

        @Inject
        Restore(Lazy<RestoreContainer> restore, Lazy<dev.quilt.usecases.ForkContainer> fork, Privileges privileges) {
            this.restore = restore;
            this.fork = fork;
            this.privileges = privileges;
        }

        @Override
        public Integer call() {
            Root.require(privileges, "restore");
            Optional<java.time.Duration> timeout = Optional.ofNullable(readyTimeout)
                    .map(t -> ReadyPolicy.fromFlags(t, false).timeout());
            if (parallel != null && copies == null) throw QuiltException.invalid("--parallel needs --copies N");
            if (parallel != null && parallel < 1) throw QuiltException.invalid("--parallel " + parallel + ": give 1 or more");
            if (copies != null) {
                if (keepOnFailure) throw QuiltException.invalid("--keep-on-failure and --copies cannot be combined");
                var made = fork.get().fork(new dev.quilt.usecases.ForkContainer.Command(ref, copies,
                        Optional.ofNullable(name), timeout, parallel != null ? parallel
                        : Runtime.getRuntime().availableProcessors()));
                for (var c : made) spec.commandLine().getOut().println(c.id().value());
                return 0;
            }
            var c = restore.get().restore(new RestoreContainer.Command(ref,
                    Optional.ofNullable(name).map(ContainerName::of), timeout, keepOnFailure));
            spec.commandLine().getOut().println(c.id().value());
            return 0;
        }
    }
}
