package dev.quilt.ports;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.RecordedExit;
import dev.quilt.domain.RecordedPids;

import java.util.List;
import java.util.Optional;

/**
 * Container records that outlive any one Quilt process. Every write is atomic:
 * a reader, or a Quilt started after a crash, sees the old record or the new one.
 * A record that cannot be read (damaged by hand, by a full disk, by another
 * program) is a {@link ContainerRecord.Broken} value: it never makes the
 * records of other containers unreadable.
 */
public interface StateStore {
    /** Records a new container; a conflict if the ID is taken. */
    default void create(Container container) {
        createLocked(container).close();
    }

    /**
     * Records a new container and returns holding its lock, taken before the
     * record became visible: no other command (a {@code gc} that would take a
     * record without a monitor for a crashed create) gets it in between.
     */
    Lock createLocked(Container container);

    /** Removes what writers that died left half-made; returns how many. */
    int sweepAbandoned();

    /** Replaces the record of an existing container. */
    void save(Container container);

    /** The container's record, readable or broken; empty when there is no such container. */
    Optional<ContainerRecord> read(ContainerId id);

    /**
     * The container's record; empty when there is no such container.
     *
     * @throws dev.quilt.domain.BrokenRecordException when its record cannot be read
     */
    default Optional<Container> load(ContainerId id) {
        return read(id).map(r -> switch (r) {
            case ContainerRecord.Readable ok -> ok.container();
            case ContainerRecord.Broken broken -> throw broken.error();
        });
    }

    /** Every container's record, readable ones oldest first, then the broken ones. */
    List<ContainerRecord> list();

    /**
     * Forgets the container and its name; a no-op when it is unknown. The
     * container's directory leaves in one step (renamed away, then deleted), so
     * no reader or waiter ever sees half of it.
     */
    void remove(ContainerId id);

    /**
     * Gives {@code name} to {@code id}; a conflict naming the holder if another
     * container has it. Safe against concurrent Quilt processes.
     */
    void claimName(ContainerName name, ContainerId id);

    /** Releases the name if {@code id} holds it. */
    void releaseName(ContainerName name, ContainerId id);

    Optional<ContainerId> byName(ContainerName name);

    /**
     * The exit the container's monitor recorded, if it has.
     *
     * @throws dev.quilt.domain.BrokenRecordException when the file is there but cannot be read
     */
    Optional<RecordedExit> recordedExit(ContainerId id);

    /**
     * The pids the container's monitor recorded, if it got that far.
     *
     * @throws dev.quilt.domain.BrokenRecordException when the file is there but cannot be read
     */
    Optional<RecordedPids> recordedPids(ContainerId id);

    /**
     * Removes what the last run of an exited container left beside its record: the monitor's exit and pids files
     * (and the space it reserved for them) and the start gate, so that it can run again. Each file goes in one
     * step ({@code unlink}), so a crash half-way leaves some of them, never a part of one; the caller has saved
     * what they said into the record first, so the record alone says the same. A no-op for files not there.
     */
    void clearLastRun(ContainerId id);

    /** The IDs of every container, readable or broken, without reading their records. */
    List<ContainerId> ids();

    /**
     * What lies among the records that Quilt did not make (a directory whose
     * name is no container ID, a plain file): never read, never removed.
     */
    List<String> strays();

    /**
     * Serialises commands on one container across processes; other containers
     * never wait. Blocks until the lock is free (an event, not a poll). Taking
     * it never creates anything: a container removed while we waited is
     * {@code NOT_FOUND}, and leaves nothing behind.
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
