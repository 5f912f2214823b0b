package dev.quilt.cli.serve;

import dev.quilt.domain.ContainerId;
import dev.quilt.ports.ContainerExec;
import dev.quilt.usecases.ExecInContainer;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The server's exec instances (Engine API 1.41 "Exec"): made by {@code POST /containers/{id}/exec}, started once,
 * inspected until forgotten. Docker keeps an exec until its container goes; so do we: the ones of a container that
 * no longer exists are dropped whenever a new one is made, and at most {@link #KEPT_ENDED} ended ones are kept in
 * all (the oldest go first), so memory stays bounded whatever the clients do. Nothing is on disk: a restarted
 * server knows no exec of the one before (their commands go on as orphans of their containers' inits).
 */
@javax.inject.Singleton
public final class ExecSessions {
    /** The most ended execs kept for inspection. */
    public static final int KEPT_ENDED = 1024;

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Where an exec is in its life. */
    public enum Phase { CREATED, RUNNING, ENDED }

    /**
     * One exec: what was asked ({@code request}, the container's ID, name and image for events, the attach flags,
     * the first terminal size in rows and columns, the deadline) and, once started, its command's host pid, its
     * session, and at its end its exit code and whether the deadline killed it.
     */
    public static final class Exec {
        public final String id;
        public final ContainerId container;
        public final String name;
        public final String image;
        public final ExecInContainer.Request request;
        public final boolean attachStdin, attachStdout, attachStderr;
        public final int rows, cols;
        public final Optional<Duration> timeout;
        public final String user;
        private Phase phase = Phase.CREATED;
        private int pid;
        private Integer exitCode;
        private boolean timedOut;
        private ContainerExec.Session session;

        Exec(String id, ContainerId container, String name, String image, ExecInContainer.Request request,
             boolean attachStdin, boolean attachStdout, boolean attachStderr, int rows, int cols,
             Optional<Duration> timeout, String user) {
            this.id = id;
            this.container = container;
            this.name = name;
            this.image = image;
            this.request = request;
            this.attachStdin = attachStdin;
            this.attachStdout = attachStdout;
            this.attachStderr = attachStderr;
            this.rows = rows;
            this.cols = cols;
            this.timeout = timeout;
            this.user = user;
        }

        /** Claims the start: true once, for the first caller; false if it was started before. */
        public synchronized boolean claim() {
            if (phase != Phase.CREATED) return false;
            phase = Phase.RUNNING;
            return true;
        }

        /** The start failed before the command ran: it ends with no exit code (docker's 126/127 are the client's). */
        public synchronized void failed(int code) {
            phase = Phase.ENDED;
            exitCode = code;
        }

        public synchronized void running(ContainerExec.Session s) {
            session = s;
            pid = s.pid();
        }

        public synchronized void ended(int code, boolean killedAtDeadline) {
            phase = Phase.ENDED;
            exitCode = code;
            timedOut = killedAtDeadline;
            session = null;
        }

        public synchronized Phase phase() {
            return phase;
        }

        public synchronized int pid() {
            return pid;
        }

        public synchronized Optional<Integer> exitCode() {
            return Optional.ofNullable(exitCode);
        }

        public synchronized boolean timedOut() {
            return timedOut;
        }

        /** The running session, if the command runs now. */
        public synchronized Optional<ContainerExec.Session> session() {
            return Optional.ofNullable(session);
        }
    }

    private final Map<String, Exec> all = new LinkedHashMap<>();

    @javax.inject.Inject
    public ExecSessions() {}

    /**
     * Records a new exec under a fresh 64-hex ID; first drops the execs of containers for which {@code gone} holds
     * and the oldest ended ones past {@link #KEPT_ENDED}.
     */
    public synchronized Exec add(ContainerId container, String name, String image, ExecInContainer.Request request,
                                 boolean attachStdin, boolean attachStdout, boolean attachStderr, int rows, int cols,
                                 Optional<Duration> timeout, String user, Predicate<ContainerId> gone) {
        forget(gone);
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        String id = HexFormat.of().formatHex(b);
        Exec e = new Exec(id, container, name, image, request, attachStdin, attachStdout, attachStderr, rows, cols,
                timeout, user);
        all.put(id, e);
        return e;
    }

    /** The exec of this ID (the full 64 hex digits, as docker's clients pass it back). */
    public synchronized Optional<Exec> get(String id) {
        return Optional.ofNullable(all.get(id));
    }

    /** The IDs of a container's execs (docker's inspect lists them as {@code ExecIDs}). */
    public synchronized List<String> of(ContainerId container) {
        List<String> ids = new ArrayList<>();
        for (Exec e : all.values()) if (e.container.equals(container)) ids.add(e.id);
        return ids;
    }

    public synchronized int size() {
        return all.size();
    }

    private void forget(Predicate<ContainerId> gone) {
        Map<ContainerId, Boolean> asked = new java.util.HashMap<>();
        all.values().removeIf(e -> e.phase() != Phase.RUNNING && asked.computeIfAbsent(e.container, gone::test));
        long ended = all.values().stream().filter(e -> e.phase() == Phase.ENDED).count();
        var it = all.values().iterator();
        while (ended >= KEPT_ENDED && it.hasNext()) {
            if (it.next().phase() == Phase.ENDED) {
                it.remove();
                ended--;
            }
        }
    }
}
