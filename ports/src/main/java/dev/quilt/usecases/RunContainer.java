package dev.quilt.usecases;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.User;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntConsumer;

/** Runs a command in a new container in the foreground and reports how it ended. */
public interface RunContainer {
    ExitStatus run(Command command, Observer observer);

    /**
     * What to run. {@code env} entries are {@code K=V} or a bare {@code K},
     * which takes the caller's value from {@code callerEnv}.
     */
    record Command(Optional<String> image, Optional<ContainerName> name, List<String> args, List<String> env,
                   Function<String, Optional<String>> callerEnv, Optional<Hostname> hostname, String cwd,
                   User user, boolean remove, boolean stdinOpen) {
        public Command {
            args = List.copyOf(args);
            env = List.copyOf(env);
        }
    }

    /** Hears about the container while it runs, e.g. to forward signals to it. */
    interface Observer {
        Observer NONE = new Observer() { };

        default void started(Container container, IntConsumer signaller) { }

        default void exited(Container container) { }
    }
}
