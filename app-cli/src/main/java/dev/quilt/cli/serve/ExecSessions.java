package dev.quilt.cli.serve;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.ProcessRef;
import dev.quilt.ports.ContainerExec;
import dev.quilt.ports.ExecRecords;
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
 * inspected until forgotten. The ones of a container that no longer exists are dropped as new ones are made (each
 * other container is asked about once per as many makes as there are other containers with execs, so a make costs
 * O(1) lookups amortized), and at most {@link #KEPT_ENDED} ended ones are kept per container, {@link #KEPT_ENDED_IN_ALL}
 * in all (the oldest end goes first, taken from a queue of ends: no scan), in memory and on disk: a dropped one's
 * records are deleted behind the make ({@link ExecRecords#forget}), so a container that runs thousands of execs keeps a
 * bounded number of files, and a busy container never takes a quiet one's just-ended execs with its own. dockerd
 * bounds them by time instead: an ended exec leaves its container's store at its exit and the daemon's at the
 * second tick of a 5-minute timer after (moby's daemon/exec.go, {@code execCommandGC}), all in memory. A created exec
 * never started, or a running one, is kept while its container is, as dockerd's are.
 *
 * <p>Each exec is also recorded through {@link ExecRecords} (beside its container's state, gone with it): at create,
 * again once its command runs (its pid with its start time), and at its end; quilt-exec writes the end itself too,
 * server or not. The server's writes go behind its replies ({@link ExecRecordWriter}): a server killed in the
 * moment after an exec was made or started may leave no record of it, as a restarted dockerd knows none of its
 * execs. A restarted server loads them all (they are <em>adopted</em>): one whose command still runs (the
 * same pid and start time) is running; one whose exit record is there has its exit code; one whose command is gone
 * with no record has none ({@link Exec#exitUnknown()}). An adopted exec cannot be started, resized or relayed: its
 * session belonged to the server before.
 */
@javax.inject.Singleton
public final class ExecSessions {
    /** The most ended execs of one container kept for inspection. */
    public static final int KEPT_ENDED = 1024;
    /** The most ended execs kept in all (~0.5 KB each in memory). */
    public static final int KEPT_ENDED_IN_ALL = 16 * KEPT_ENDED;

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
        /** The container's labels, for the exec's events (docker's carry them); none for an adopted exec. */
        public volatile Map<String, String> labels = Map.of();
        /** A {@code User} name the container does not know: the start fails with it (126), as dockerd's. */
        public volatile String userError;
        public final ExecInContainer.Request request;
        public final boolean attachStdin, attachStdout, attachStderr;
        public final int rows, cols;
        public final Optional<Duration> timeout;
        public final String user;
        private final boolean adopted;
        private ExecSessions owner; // told of the end, for the bound on ended execs
        private Phase phase = Phase.CREATED;
        private int pid;
        private ProcessRef process;
        private Integer exitCode;
        private boolean timedOut;
        private boolean exitUnknown;
        private ContainerExec.Session session;
        private int askedRows, askedCols; // the last resize asked before the session ran (0: none)

        Exec(String id, ContainerId container, String name, String image, ExecInContainer.Request request,
             boolean attachStdin, boolean attachStdout, boolean attachStderr, int rows, int cols,
             Optional<Duration> timeout, String user) {
            this(id, container, name, image, request, attachStdin, attachStdout, attachStderr, rows, cols, timeout,
                    user, false);
        }

        private Exec(String id, ContainerId container, String name, String image, ExecInContainer.Request request,
                     boolean attachStdin, boolean attachStdout, boolean attachStderr, int rows, int cols,
                     Optional<Duration> timeout, String user, boolean adopted) {
            this.adopted = adopted;
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

        /** Claims the start: true once, for the first caller; false if it was started before, or is adopted. */
        public synchronized boolean claim() {
            if (phase != Phase.CREATED || adopted) return false;
            phase = Phase.RUNNING;
            return true;
        }

        /** The start failed before the command ran: it ends with no exit code (docker's 126/127 are the client's). */
        public void failed(int code) {
            boolean first;
            synchronized (this) {
                first = phase != Phase.ENDED;
                phase = Phase.ENDED;
                exitCode = code;
            }
            if (first) endedNow();
        }

        /** Tells the registry (outside this exec's lock: the registry's lock is taken before an exec's elsewhere). */
        private void endedNow() {
            ExecSessions o = owner;
            if (o != null) o.noteEnded(this);
        }

        public synchronized void running(ContainerExec.Session s) {
            session = s;
            pid = s.pid();
            if (askedRows > 0) { // asked while it was starting, after its first size was taken
                s.resize(askedRows, askedCols);
                askedRows = askedCols = 0;
            }
        }

        /**
         * A resize (rows, columns: 1..65535) of this tty exec: applied to the running session, or kept for its start
         * when it has none yet (created, or starting): dockerd's exec resize waits for the start, and the docker CLI
         * sends its first one right after {@code POST /exec/{id}/start}. False once the exec has ended (docker: 409).
         */
        public synchronized boolean resize(int rows, int cols) {
            if (phase == Phase.ENDED) return false;
            if (session != null) {
                session.resize(rows, cols);
            } else {
                askedRows = rows;
                askedCols = cols;
                notifyAll(); // a start waiting for its first size (awaitFirstResize)
            }
            return true;
        }

        /**
         * For an attached tty start with no size yet: waits until a resize is asked or {@code within} has passed (a
         * deadline, woken by {@link #resize}), and takes it as {rows, columns}; {0, 0} if none came. The docker CLI
         * (API 1.41 has no ConsoleSize at start) sends the terminal's size only once the start's 101 is in.
         */
        public synchronized int[] awaitFirstResize(Duration within) throws InterruptedException {
            long end = System.nanoTime() + within.toNanos();
            for (long left = within.toNanos(); askedRows == 0 && left > 0; left = end - System.nanoTime()) {
                java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            int[] size = {askedRows, askedCols};
            askedRows = askedCols = 0;
            return size;
        }

        /**
         * The pty's first size as {rows, columns}, taken once at the start: the start's own ConsoleSize when it gave
         * one ({@code startRows} > 0), else the last resize asked before, else the create's ConsoleSize.
         */
        public synchronized int[] firstSize(int startRows, int startCols) {
            int[] size = startRows > 0 ? new int[] {startRows, startCols}
                    : askedRows > 0 ? new int[] {askedRows, askedCols} : new int[] {rows, cols};
            askedRows = askedCols = 0;
            return size;
        }

        public void ended(int code, boolean killedAtDeadline) {
            boolean first;
            synchronized (this) {
                first = phase != Phase.ENDED;
                phase = Phase.ENDED;
                exitCode = code;
                timedOut = killedAtDeadline;
                session = null;
            }
            if (first) endedNow();
        }

        public synchronized Phase phase() {
            return phase;
        }

        /** Made by an earlier server and loaded from its record: no session of ours. */
        public boolean adopted() {
            return adopted;
        }

        /** Ended with no exit code anyone could see: the command is gone and no exit record was written. */
        public synchronized boolean exitUnknown() {
            return exitUnknown;
        }

        private synchronized ExecRecords.Exec record() {
            return new ExecRecords.Exec(id, container, request.args(), request.tty(), request.privileged(), user,
                    attachStdin, attachStdout, attachStderr, timeout, Optional.ofNullable(process));
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
    /** Each container's execs (the IDs, in the order made). */
    private final Map<ContainerId, java.util.LinkedHashSet<String>> byContainer = new java.util.HashMap<>();
    /** The ended execs still kept, the oldest end first: in all, and each container's. */
    private final java.util.LinkedHashSet<Exec> endedOrder = new java.util.LinkedHashSet<>();
    private final Map<ContainerId, java.util.LinkedHashSet<Exec>> endedOf = new java.util.HashMap<>();
    private int madeSinceAsked; // makes since the other containers were last asked whether they are gone
    private final ExecRecordWriter records;

    /** As {@link #ExecSessions(ExecRecordWriter)}, with writes made in the caller's thread until the writer starts. */
    public ExecSessions(ExecRecords records) {
        this(records instanceof ExecRecordWriter w ? w : new ExecRecordWriter(records));
    }

    /** Loads (adopts) every exec recorded under the root: those of an earlier server. */
    @javax.inject.Inject
    public ExecSessions(ExecRecordWriter records) {
        this.records = records;
        for (ExecRecords.Exec r : records.all()) {
            ExecInContainer.Request req = new ExecInContainer.Request(r.args(), List.of(), k -> Optional.empty(),
                    Optional.empty(), Optional.empty(), r.openStdin(), r.tty(), r.privileged(), List.of(), List.of());
            Exec e = new Exec(r.id(), r.container(), "", "", req, r.openStdin(), r.openStdout(), r.openStderr(), 0, 0,
                    r.timeout(), r.user(), true);
            r.process().ifPresent(p -> {
                e.process = p;
                e.pid = p.pid();
                e.phase = Phase.RUNNING;
            });
            keep(e);
            // one that ended with its record there counts against the bound at once, as if this server had seen it end
            records.exit(r.container(), r.id()).ifPresent(x -> e.ended(x.exitCode(), x.timedOut()));
        }
    }

    private void keep(Exec e) {
        e.owner = this;
        all.put(e.id, e);
        byContainer.computeIfAbsent(e.container, k -> new java.util.LinkedHashSet<>()).add(e.id);
    }

    private void drop(Exec e) {
        all.remove(e.id);
        endedOrder.remove(e);
        var ended = endedOf.get(e.container);
        if (ended != null && ended.remove(e) && ended.isEmpty()) endedOf.remove(e.container);
        var ids = byContainer.get(e.container);
        if (ids != null && ids.remove(e.id) && ids.isEmpty()) byContainer.remove(e.container);
    }

    private synchronized void noteEnded(Exec e) {
        if (all.get(e.id) != e) return;
        endedOrder.add(e);
        endedOf.computeIfAbsent(e.container, k -> new java.util.LinkedHashSet<>()).add(e);
    }

    /** Where quilt-exec writes the exec's end ({@link ContainerExec.Options#exitRecord()}). */
    public java.nio.file.Path exitRecord(Exec e) {
        return records.exitRecord(e.container, e.id);
    }

    /**
     * Readies the exec's start: the directory of its exit record is made now (its create record may still be
     * queued), and that record's path is given for quilt-exec ({@link ContainerExec.Options#exitRecord()}).
     */
    public java.nio.file.Path prepare(Exec e) {
        records.prepare(e.container);
        return records.exitRecord(e.container, e.id);
    }

    /** The command runs: kept in memory and recorded with its pid and start time. */
    public void started(Exec e, ContainerExec.Session s) {
        e.running(s);
        Optional<ProcessRef> p = records.identify(s.pid());
        synchronized (e) {
            // a command that has ended already (true, a zygote's fast fork) has no start time left to read: its pid is
            // kept with start time 0, which no live process has, so a later server shows its Pid and takes it as ended
            e.process = p.orElseGet(() -> new ProcessRef(s.pid(), 0));
        }
        records.save(e.record());
    }

    /** The command ended as its session said: kept, and its exit record written (quilt-exec's has the same). */
    public void ended(Exec e, ExitStatus exit, boolean killedAtDeadline) {
        int code = exit.signal() > 0 ? 128 + exit.signal() : exit.code();
        e.ended(code, killedAtDeadline);
        records.exited(e.container, e.id, new ExecRecords.Exit(exit.signal() > 0 ? 0 : exit.code(), exit.signal(),
                killedAtDeadline));
    }

    /** The start failed before the command ran: ends with {@code code}, also for a later server. */
    public void failed(Exec e, int code) {
        e.failed(code);
        records.exited(e.container, e.id, new ExecRecords.Exit(code, 0, false));
    }

    /**
     * Records a new exec under a fresh 64-hex ID; first drops the execs of containers for which {@code gone} holds,
     * the container's oldest ended ones past {@link #KEPT_ENDED} and the oldest of all past {@link #KEPT_ENDED_IN_ALL}.
     */
    public Exec add(ContainerId container, String name, String image, ExecInContainer.Request request,
                    boolean attachStdin, boolean attachStdout, boolean attachStderr, int rows, int cols,
                    Optional<Duration> timeout, String user, Predicate<ContainerId> gone) {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        String id = HexFormat.of().formatHex(b);
        Exec e = new Exec(id, container, name, image, request, attachStdin, attachStdout, attachStderr, rows, cols,
                timeout, user);
        List<Exec> past;
        synchronized (this) {
            past = forget(container, gone);
            keep(e);
        }
        for (Exec old : past) records.forget(old.container, old.id); // behind the reply, with the writer's queue
        records.save(e.record());
        return e;
    }

    /**
     * The exec of this ID (the full 64 hex digits, as docker's clients pass it back); an adopted one as it is now:
     * ended once its exit record is there, or once its command (pid and start time) is gone without one.
     */
    public Optional<Exec> get(String id) {
        Exec e;
        synchronized (this) {
            e = all.get(id);
        }
        if (e != null && !records.containerKept(e.container)) {
            // its container was removed (rm -f): its execs went with it, as dockerd's do
            synchronized (this) {
                var ids = byContainer.get(e.container);
                for (String x : ids == null ? List.<String>of() : new ArrayList<>(ids)) drop(all.get(x));
            }
            return Optional.empty();
        }
        if (e != null && e.adopted) look(e);
        return Optional.ofNullable(e);
    }

    private void look(Exec e) {
        synchronized (e) {
            if (e.exitCode != null) return;
        }
        Optional<ExecRecords.Exit> exit = records.exit(e.container, e.id);
        if (exit.isEmpty()) {
            ProcessRef p;
            synchronized (e) {
                p = e.process;
            }
            if (p == null || records.alive(p)) return; // never started by the earlier server, or still running
            exit = records.exit(e.container, e.id); // it may have ended just now, its record written since we looked
        }
        synchronized (e) {
            if (exit.isPresent()) {
                e.ended(exit.get().exitCode(), exit.get().timedOut());
                e.exitUnknown = false;
            } else {
                e.phase = Phase.ENDED; // not kept: a record written later still gives the code
                e.exitUnknown = true;
            }
        }
        noteEnded(e);
    }

    /** The IDs of a container's execs (docker's inspect lists them as {@code ExecIDs}). */
    public synchronized List<String> of(ContainerId container) {
        var ids = byContainer.get(container);
        return ids == null ? List.of() : new ArrayList<>(ids);
    }

    public synchronized int size() {
        return all.size();
    }

    /**
     * Before a make for {@code making} (which exists: its caller just found it): its oldest ended execs past
     * {@link #KEPT_ENDED} and the oldest of all past {@link #KEPT_ENDED_IN_ALL} go, and are returned (their records
     * are the caller's to forget), and once per as many
     * makes as there are other containers with execs, those others are asked whether they are gone, and a gone
     * one's execs that are not running go (their records went with the container). Amortized O(1) per make.
     */
    private List<Exec> forget(ContainerId making, Predicate<ContainerId> gone) {
        List<Exec> past = new ArrayList<>();
        java.util.LinkedHashSet<Exec> own = endedOf.get(making);
        while (own != null && own.size() >= KEPT_ENDED) {
            Exec oldest = own.iterator().next();
            drop(oldest);
            past.add(oldest);
        }
        while (endedOrder.size() >= KEPT_ENDED_IN_ALL) {
            Exec oldest = endedOrder.iterator().next();
            drop(oldest);
            past.add(oldest);
        }
        int others = byContainer.size() - (byContainer.containsKey(making) ? 1 : 0);
        if (++madeSinceAsked < others) return past;
        madeSinceAsked = 0;
        List<ContainerId> asked = new ArrayList<>(byContainer.keySet());
        for (ContainerId c : asked) {
            if (c.equals(making) || !gone.test(c)) continue;
            for (String id : new ArrayList<>(byContainer.getOrDefault(c, new java.util.LinkedHashSet<>()))) {
                Exec e = all.get(id);
                if (e != null && e.phase() != Phase.RUNNING) drop(e);
            }
        }
        return past;
    }
}
