package dev.quilt.cli;

import dagger.Lazy;
import dev.quilt.ports.Privileges;
import dev.quilt.usecases.PauseContainer;
import dev.quilt.usecases.ResumeContainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import javax.inject.Inject;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/** {@code quilt pause} and {@code quilt unpause}, docker's words for the cgroup freezer. */
final class PauseCommands {
    private PauseCommands() {}

    /** One freezer verb: as root, each container in turn, its reference printed once done (as docker prints). */
    private abstract static class EachContainer implements Callable<Integer> {
        private final Privileges privileges;
        private final String verb;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "CONTAINER", arity = "1..*", description = "ID, name or unique ID prefix")
        List<String> refs;

        EachContainer(Privileges privileges, String verb) {
            this.privileges = privileges;
            this.verb = verb;
        }

        abstract Consumer<String> action();

        @Override
        public Integer call() {
            Root.require(privileges, verb);
            Consumer<String> action = action();
            for (String ref : refs) {
                action.accept(ref);
                spec.commandLine().getOut().println(ref);
            }
            return 0;
        }
    }

    @Command(name = "pause", description = "Freeze every process of running containers (the cgroup freezer); print each.")
    static final class Pause extends EachContainer {
        private final Lazy<PauseContainer> pause;

        @Inject
        Pause(Lazy<PauseContainer> pause, Privileges privileges) {
            super(privileges, "pause");
            this.pause = pause;
        }

        @Override
        Consumer<String> action() {
            return pause.get()::pause;
        }
    }

    @Command(name = "unpause", description = "Thaw paused containers: they run on where they stopped; print each.")
    static final class Unpause extends EachContainer {
        private final Lazy<ResumeContainer> resume;

        @Inject
        Unpause(Lazy<ResumeContainer> resume, Privileges privileges) {
            super(privileges, "unpause");
            this.resume = resume;
        }

        @Override
        Consumer<String> action() {
            return resume.get()::resume;
        }
    }
}
