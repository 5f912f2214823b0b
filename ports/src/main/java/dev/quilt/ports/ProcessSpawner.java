package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.ProcessRef;

/**
 * Brings a container's init into the world, in its namespaces on its prepared
 * storage, and learns how it ended.
 */
public interface ProcessSpawner {
    /**
     * Starts the init and returns once the command has been exec'd. A failure
     * on the way throws {@link SpawnFailedException} naming the step and leaves
     * no process behind.
     */
    Launched launch(ContainerId id, ContainerSpec spec);

    /** A started init, owned by the caller until it has exited. */
    interface Launched extends AutoCloseable {
        ProcessRef process();

        /** Blocks until the init exits (an event, never a poll). */
        ExitStatus awaitExit();

        /** Sends a signal; one to a process that has already exited is not an error. */
        void signal(int signal);

        /** SIGKILL, then wait for the exit: for a container that must not go on. */
        ExitStatus kill();

        @Override
        void close();
    }
}
