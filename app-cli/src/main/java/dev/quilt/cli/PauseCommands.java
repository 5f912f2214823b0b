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

/** {@code quilt pause} and {@code quilt unpause}, docker's words for the cgroup freezer. */
final class PauseCommands {
    private PauseCommands() {}

    @Command(name = "pause", description = "Freeze every process of running containers (the cgroup freezer); print each.")
    static final class Pause implements Callable<Integer> {
        private final Lazy<PauseContainer> pause;
        private final Privileges privileges;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "CONTAINER", arity = "1..*", description = "ID, name or unique ID prefix")
        List<String> refs;

        @Inject
        Pause(Lazy<PauseContainer> pause, Privileges privileges) {
            this.pause = pause;
            this.privileges = privileges;
        }

        @Override
        public Integer call() {
            Root.require(privileges, "pause");
            for (String ref : refs) {
                pause.get().pause(ref);
                spec.commandLine().getOut().println(ref);
            }
            return 0;
        }
    }

    @Command(name = "unpause", description = "Thaw paused containers: they run on where they stopped; print each.")
    static final class Unpause implements Callable<Integer> {
        private final Lazy<ResumeContainer> resume;
        private final Privileges privileges;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "CONTAINER", arity = "1..*", description = "ID, name or unique ID prefix")
        List<String> refs;

        @Inject
        Unpause(Lazy<ResumeContainer> resume, Privileges privileges) {
            this.resume = resume;
            this.privileges = privileges;
        }

        @Override
        public Integer call() {
            Root.require(privileges, "unpause");
            for (String ref : refs) {
                resume.get().resume(ref);
                spec.commandLine().getOut().println(ref);
            }
            return 0;
        }
    }
}
