package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ProcessRef;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The API's exec instances as a later server still sees them (Engine API 1.41 "Exec", issue 15: "a restarted server
 * re-adopts ... exec sessions it can still see"): one record per exec beside its container's state, gone with the
 * container, and the exit record quilt-exec writes itself when the command ends, server or not.
 */
public interface ExecRecords {
    /**
     * What exec inspect shows of one exec: its 64-hex {@code id}, its container, its command ({@code args}, first the
     * entrypoint), the create body's flags, its deadline, and once started its command's host pid with its start time
     * (so a reused pid is never taken for it).
     */
    record Exec(String id, ContainerId container, List<String> args, boolean tty, boolean privileged, String user,
                boolean openStdin, boolean openStdout, boolean openStderr, Optional<Duration> timeout,
                Optional<ProcessRef> process) {
        public Exec {
            args = List.copyOf(args);
            if (!id.matches("[0-9a-f]{64}")) throw new IllegalArgumentException("an exec ID is 64 hex digits: " + id);
            if (args.isEmpty()) throw new IllegalArgumentException("an exec has a command");
        }

        public Exec started(ProcessRef p) {
            return new Exec(id, container, args, tty, privileged, user, openStdin, openStdout, openStderr, timeout,
                    Optional.of(p));
        }
    }

    /**
     * How the command ended (quilt-exec's record, exec/exit_record.h): its exit status ({@code code}, 0 when killed),
     * the signal that killed it (0 when it exited), and whether its deadline did.
     */
    record Exit(int code, int signal, boolean timedOut) {
        /** Docker's ExitCode: the status, or 128 + the signal. */
        public int exitCode() {
            return signal > 0 ? 128 + signal : code;
        }
    }

    /** Records the exec, atomically, replacing its earlier record; a container removed meanwhile keeps nothing. */
    void save(Exec exec);

    /**
     * Makes the place of the container's exec records (not yet any record), so that quilt-exec can open the
     * directory of {@link #exitRecord} when an exec starts even if its create record is still to be written; a
     * removed container gets nothing. Idempotent.
     */
    void prepare(ContainerId container);

    /**
     * Forgets one ended exec: its record goes first, then its exit record, each by one unlink (a crash between leaves
     * only the exit record, which no listing reads and which goes with the container). Nothing for an exec or a
     * container that is not there.
     */
    void forget(ContainerId container, String execId);

    /** Every exec recorded under this root; a record that cannot be read is skipped, never fatal to the rest. */
    List<Exec> all();

    /** How the exec's command ended, once its exit record is there. */
    Optional<Exit> exit(ContainerId container, String execId);

    /** Writes the exit record (as quilt-exec does), for a server that heard the end first. */
    void exited(ContainerId container, String execId, Exit exit);

    /** Where quilt-exec writes the exec's exit record: an absolute host path in the container's state. */
    Path exitRecord(ContainerId container, String execId);

    /** The process of this host pid as it is now (pid and start time), or empty when there is none. */
    Optional<ProcessRef> identify(int pid);

    /** True while that very process (pid and start time) runs and is no zombie. */
    boolean alive(ProcessRef process);

    /**
     * Whether the container's state, where its exec records live, is still there: false once the container has been
     * removed (or its removal has begun), so its execs are gone too, as dockerd's go with their container.
     */
    boolean containerKept(ContainerId container);
}
