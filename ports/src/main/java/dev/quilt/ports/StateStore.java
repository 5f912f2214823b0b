package dev.quilt.ports;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.RecordedExit;
import dev.quilt.domain.RecordedPids;

import java.util.List;
import java.util.Optional;

/**
 * Container records that outlive any one Quilt process. Every write is atomic:
 * a reader, or a Quilt started after a crash, sees the old record or the new one.
 */
public interface StateStore {
    /** Records a new container; a conflict if the ID is taken. */
    void create(Container container);

    /** Removes what writers that died left half-made; returns how many. */
    int sweepAbandoned();

    /** Replaces the record of an existing container. */
    void save(Container container);

    Optional<Container> load(ContainerId id);

    List<Container> list();

    /** Forgets the container and its name; a no-op when it is unknown. */
    void remove(ContainerId id);

    /**
     * Gives {@code name} to {@code id}; a conflict naming the holder if another
     * container has it. Safe against concurrent Quilt processes.
     */
    void claimName(ContainerName name, ContainerId id);

    /** Releases the name if {@code id} holds it. */
    void releaseName(ContainerName name, ContainerId id);

    Optional<ContainerId> byName(ContainerName name);

    /** The exit the container's monitor recorded, if it has. */
    Optional<RecordedExit> recordedExit(ContainerId id);

    /** The pids the container's monitor recorded, if it got that far. */
    Optional<RecordedPids> recordedPids(ContainerId id);

    /** The IDs of every recorded container, without reading their records. */
    List<ContainerId> ids();

    /**
     * Serialises commands on one container across processes; other containers
     * never wait. Blocks until the lock is free (an event, not a poll).
     */
    Lock lock(ContainerId id);

    /** As {@link #lock} but does not wait: empty when someone holds it. */
    Optional<Lock> tryLock(ContainerId id);

    /** A held lock; closing releases it. */
    interface Lock extends AutoCloseable {
        @Override
        void close();
    }
}
