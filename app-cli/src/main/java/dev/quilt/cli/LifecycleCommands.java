package dev.quilt.cli;

import dagger.Lazy;
import dev.quilt.domain.Container;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.QuiltException;
import dev.quilt.ports.Privileges;
import dev.quilt.usecases.CollectGarbage;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.KillContainer;
import dev.quilt.usecases.RemoveContainer;
import dev.quilt.usecases.RestartContainer;
import dev.quilt.usecases.StartContainer;
import dev.quilt.usecases.StopContainer;
import dev.quilt.usecases.WaitContainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import javax.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** The verbs that act on existing containers, one class each. */
final class LifecycleCommands {
    private LifecycleCommands() {}

    @Command(name = "start", description = "Start a created container, or an exited one again (its ID, name, "
            + "config and files kept); return once it is ready (exec works, its health check passes).")
    static final class Start implements Callable<Integer> {
        private final Lazy<StartContainer> start;
        private final Lazy<RestartContainer> again;
        private final Lazy<ContainerLookup> lookup;
        private final Privileges privileges;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "CONTAINER", arity = "1..*", description = "ID, name or unique ID prefix")
        List<String> refs;

        @Option(names = "--verbose", description = "print each readiness phase's time on stderr")
        boolean verbose;

        @Inject
        Start(Lazy<StartContainer> start, Lazy<RestartContainer> again, Lazy<ContainerLookup> lookup,
              Privileges privileges) {
            this.start = start;
            this.again = again;
            this.lookup = lookup;
            this.privileges = privileges;
        }

        @Override
        public Integer call() {
            Root.require(privileges, "start");
            for (String ref : refs) {
                Container c = lookup.get().get(ref).status().canStartAgain()
                        ? again.get().startAgain(ref) : start.get().start(ref);
                if (verbose) PhaseReport.print(spec.commandLine().getErr(), c, c.startedAt().orElse(c.createdAt()));
            }
            return 0;
        }
    }

    @Command(name = "restart", description = "Stop a container (SIGTERM, then SIGKILL at the deadline) and run it"
            + " again with its ID, name, config and files; an exited one is run again, a created one started. Return"
            + " once it is ready.")
    static final class Restart implements Callable<Integer> {
        private final Lazy<RestartContainer> restart;
        private final Privileges privileges;

        @Spec
        CommandSpec spec;

        @Option(names = {"-t", "--time"}, paramLabel = "SECONDS", description = "seconds to wait before SIGKILL (default 10)")
        long seconds = 10;

        @Option(names = "--verbose", description = "print each readiness phase's time on stderr")
        boolean verbose;

        @Parameters(paramLabel = "CONTAINER", arity = "1..*", description = "ID, name or unique ID prefix")
        List<String> refs;

        @Inject
        Restart(Lazy<RestartContainer> restart, Privileges privileges) {
            this.restart = restart;
            this.privileges = privileges;
        }

        @Override
        public Integer call() {
            if (seconds < 0) {
                throw QuiltException.invalid("restart -t " + seconds + ": give the seconds to wait before SIGKILL"
                        + " (0 or more)");
            }
            Root.require(privileges, "restart");
            for (String ref : refs) {
                Container c = restart.get().restart(ref, Duration.ofSeconds(seconds));
                if (verbose) PhaseReport.print(spec.commandLine().getErr(), c, c.startedAt().orElse(c.createdAt()));
            }
            return 0;
        }
    }

    @Command(name = "kill", description = "Send a signal (default TERM) to a container's pid 1; one that has exited is not an error.",
            customSynopsis = {"quilt kill CONTAINER [SIGNAL]         (runc's order)",
                    "quilt kill [-s SIGNAL] CONTAINER...   (docker's)"})
    static final class Kill implements Callable<Integer> {
        private final Lazy<KillContainer> kill;
        private final Privileges privileges;

        @Option(names = {"-s", "--signal"}, paramLabel = "SIGNAL", description = "name (TERM, SIGKILL) or number; "
                + "then every argument is a container")
        String signalOption;

        @Parameters(paramLabel = "CONTAINER", arity = "1..*", description = "ID, name or unique ID prefix; "
                + "without -s, a second argument is the SIGNAL")
        List<String> args;

        @Inject
        Kill(Lazy<KillContainer> kill, Privileges privileges) {
            this.kill = kill;
            this.privileges = privileges;
        }

        @Override
        public Integer call() {
            List<String> refs = args;
            String signal = signalOption;
            if (signal == null) {
                if (args.size() > 2) {
                    throw QuiltException.invalid("kill takes CONTAINER [SIGNAL]; to signal several containers, "
                            + "give the signal with -s: quilt kill -s SIGNAL CONTAINER...");
                }
                refs = args.subList(0, 1);
                signal = args.size() == 2 ? args.get(1) : "TERM";
            }
            Root.require(privileges, "kill");
            for (String ref : refs) kill.get().kill(ref, signal);
            return 0;
        }
    }

    @Command(name = "stop", description = "SIGTERM, then SIGKILL at the deadline; print nothing.")
    static final class Stop implements Callable<Integer> {
        private final Lazy<StopContainer> stop;
        private final Privileges privileges;

        @Option(names = {"-t", "--time"}, paramLabel = "SECONDS", description = "seconds to wait before SIGKILL (default 10)")
        long seconds = 10;

        @Parameters(paramLabel = "CONTAINER", arity = "1..*")
        List<String> refs;

        @Inject
        Stop(Lazy<StopContainer> stop, Privileges privileges) {
            this.stop = stop;
            this.privileges = privileges;
        }

        @Override
        public Integer call() {
            Root.require(privileges, "stop");
            for (String ref : refs) stop.get().stop(ref, Duration.ofSeconds(seconds));
            return 0;
        }
    }

    @Command(name = "wait", description = "Block until the container exits; print its exit code.")
    static final class Wait implements Callable<Integer> {
        private final Lazy<WaitContainer> waiter;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "CONTAINER", arity = "1..*")
        List<String> refs;

        @Inject
        Wait(Lazy<WaitContainer> waiter) {
            this.waiter = waiter;
        }

        @Override
        public Integer call() {
            for (String ref : refs) {
                ExitStatus exit = waiter.get().await(ref);
                spec.commandLine().getOut().println(exit.code());
                spec.commandLine().getOut().flush();
            }
            return 0;
        }
    }

    @Command(name = "rm", description = "Remove containers; a running one only with --force (killed first); with "
            + "--force a container that is not there is not an error.")
    static final class Rm implements Callable<Integer> {
        private final Lazy<RemoveContainer> remove;
        private final Privileges privileges;

        @Spec
        CommandSpec spec;

        @Option(names = {"-f", "--force"}, description = "kill it if it runs; no error when it does not exist")
        boolean force;

        @Parameters(paramLabel = "CONTAINER", arity = "1..*")
        List<String> refs;

        @Inject
        Rm(Lazy<RemoveContainer> remove, Privileges privileges) {
            this.remove = remove;
            this.privileges = privileges;
        }

        @Override
        public Integer call() {
            Root.require(privileges, "rm");
            for (String ref : refs) {
                dev.quilt.domain.ContainerId id;
                try {
                    id = remove.get().remove(ref, force);
                } catch (QuiltException e) {
                    // docker's rm -f: a container that is not there is what was asked for
                    if (force && e.kind() == QuiltException.Kind.NOT_FOUND) continue;
                    throw e;
                }
                spec.commandLine().getOut().println(id);
            }
            return 0;
        }
    }

    @Command(name = "gc", description = "Remove what dead containers and crashed commands left behind.")
    static final class Gc implements Callable<Integer> {
        private final Lazy<CollectGarbage> gc;
        private final Lazy<dev.quilt.usecases.ListCheckpoints> checkpoints;
        private final Lazy<dev.quilt.usecases.ThawAbandonedFreezes> freezes;
        private final Privileges privileges;

        @Spec
        CommandSpec spec;

        @Inject
        Gc(Lazy<CollectGarbage> gc, Lazy<dev.quilt.usecases.ListCheckpoints> checkpoints,
           Lazy<dev.quilt.usecases.ThawAbandonedFreezes> freezes, Privileges privileges) {
            this.gc = gc;
            this.checkpoints = checkpoints;
            this.freezes = freezes;
            this.privileges = privileges;
        }

        @Override
        public Integer call() {
            Root.require(privileges, "gc");
            // first: a checkpoint killed while it held a container frozen (its draft says so) is undone
            freezes.get().thawAll().forEach(id -> spec.commandLine().getOut().println("thawed container " + id
                    + ": a checkpoint that froze it was killed"));
            CollectGarbage.Report r = gc.get().collect();
            r.containers().forEach(id -> spec.commandLine().getOut().println("removed container " + id));
            r.broken().forEach(b -> spec.commandLine().getOut().println("removed container " + b.id()
                    + " (its record was broken: " + b.reason() + ")"));
            r.layers().forEach(id -> spec.commandLine().getOut().println("removed layer " + id));
            if (r.halfMade() > 0) spec.commandLine().getOut().println("removed " + r.halfMade() + " half-made records or imports");
            if (r.leases() > 0) spec.commandLine().getOut().println("released " + r.leases() + " addresses of removed containers");
            if (r.cgroups() > 0) spec.commandLine().getOut().println("removed " + r.cgroups() + " cgroups of stopped or removed containers");
            r.strays().forEach(s -> spec.commandLine().getOut().println("left " + s + " alone: quilt did not make it"));
            int drafts = checkpoints.get().sweepDrafts();
            if (drafts > 0) spec.commandLine().getOut().println("removed " + drafts + " checkpoint drafts left by a crash");
            return 0;
        }
    }
}
