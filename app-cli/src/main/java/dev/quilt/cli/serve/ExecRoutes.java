package dev.quilt.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dagger.Lazy;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Durations;
import dev.quilt.domain.ExecveLimits;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.domain.UserNames;
import dev.quilt.ports.ContainerExec;
import dev.quilt.ports.Stdio;
import dev.quilt.ports.StdioPairs;
import dev.quilt.usecases.ContainerLookup;
import dev.quilt.usecases.ExecInContainer;
import dev.quilt.usecases.ResolveUser;
import io.netty.channel.unix.Socket;

import javax.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;

/**
 * Docker's exec (Engine API 1.41, "Exec"): {@code POST /containers/{id}/exec} makes an instance,
 * {@code POST /exec/{id}/start} runs it (detached: 200 at once, its output dropped; attached: the hijacked
 * connection carries stdout and stderr as multiplexed frames, or the raw pty stream with a tty, and the client's
 * bytes as stdin, its half-close as stdin's end), {@code POST /exec/{id}/resize} sizes its pty (one asked before the start is kept for it),
 * {@code GET /exec/{id}/json} tells how it is. All through {@link ExecInContainer#start}, the one exec path.
 *
 * <p>The relay is worker threads blocked in reads (the contract lets workers block): the command's stdio are
 * SOCK_STREAM pairs whose other ends it holds; a worker per output reads ours and writes frames, another copies the
 * client's bytes to stdin, and the call's own worker waits for the command's end (all taken from the server's
 * {@link Workers}, so a warm server starts no thread per exec). At the end (quilt-exec's RESULT) our
 * output ends are shut for reading: what the command wrote is read first, then end of file, so a child it left
 * behind holding its stdout does not keep the stream open. A client that hangs up does not stop the command
 * (docker's behaviour): its output is read and dropped until it ends, and then everything of ours is closed.
 *
 * <p>Quilt adds a deadline: the container's label {@code quilt.timeout} (a duration: {@code 30s}, {@code 5m},
 * {@code 1h30m}) or the create body's {@code QuiltTimeout}, which wins; at it quilt-exec kills the command's whole
 * process group (SIGKILL), its exit code is 137, and inspect says {@code Quilt.TimedOut: true}.
 */
public final class ExecRoutes implements Routes {
    /** The container label giving every exec in it a deadline. */
    public static final String TIMEOUT_LABEL = "quilt.timeout";

    private final Lazy<ExecInContainer> exec;
    private final Lazy<ContainerLookup> lookup;
    private final ExecSessions sessions;
    private final EventBus events;
    private final StdioPairs pairs;
    private final Workers workers;
    private final ShutdownGrace grace;
    private final Lazy<ResolveUser> users;

    @Inject
    ExecRoutes(Lazy<ExecInContainer> exec, Lazy<ContainerLookup> lookup, ExecSessions sessions, EventBus events,
               StdioPairs pairs, Workers workers, ShutdownGrace grace, Lazy<ResolveUser> users) {
        this.grace = grace;
        this.users = users;
        this.pairs = pairs;
        this.workers = workers;
        this.exec = exec;
        this.lookup = lookup;
        this.sessions = sessions;
        this.events = events;
    }

    @Override
    public void register(Router r) {
        r.add("POST", "/containers/{id}/exec", this::create);
        r.add("POST", "/exec/{id}/start", this::start);
        r.add("POST", "/exec/{id}/resize", this::resize);
        r.add("GET", "/exec/{id}/json", this::inspect);
    }

    private void create(ApiCall call) {
        JsonNode body = call.json();
        List<String> cmd = strings(body, "Cmd");
        if (cmd.isEmpty()) throw ApiException.badRequest("Cmd is empty: give the command to run as an array of strings");
        List<String> env = strings(body, "Env");
        for (int i = 0; i < env.size(); i++) {
            if (env.get(i).indexOf('=') <= 0) {
                throw ApiException.badRequest("Env[" + i + "] '" + env.get(i) + "' is not KEY=VALUE");
            }
        }
        Optional<String> cwd = text(body, "WorkingDir").filter(s -> !s.isEmpty());
        if (cwd.isPresent() && !cwd.get().startsWith("/")) {
            throw ApiException.badRequest("WorkingDir '" + cwd.get() + "' is not an absolute path");
        }
        Optional<String> userText = text(body, "User").filter(s -> !s.isEmpty());
        Optional<User> numeric;
        try {
            // numbers are taken as they are; a name is looked up in the container once it is found (below)
            numeric = userText.filter(UserNames::numeric).map(User::parse);
        } catch (QuiltException e) {
            throw ApiException.badRequest("User: " + e.getMessage());
        }
        boolean tty = bool(body, "Tty");
        boolean attachStdin = bool(body, "AttachStdin");
        boolean privileged = bool(body, "Privileged");
        int[] size = consoleSize(body);
        Optional<String> asked = text(body, "QuiltTimeout").filter(s -> !s.isEmpty());
        asked.ifPresent(s -> duration("QuiltTimeout", s));

        Container c = lookup.get().get(call.param("id"));
        if (c.status() != Status.RUNNING) {
            throw ApiException.conflict("container '" + c.displayName() + "' is " + c.status().word()
                    + "; exec needs a running one");
        }
        Optional<Duration> timeout = deadline(asked, c.spec().labels());
        // a name the container does not know is accepted here and fails the start (126), as with dockerd, whose
        // exec create takes any user and whose runc says so at the start
        Optional<String> unknownUser = Optional.empty();
        Optional<User> user = numeric;
        if (numeric.isEmpty() && userText.isPresent()) {
            try {
                user = Optional.of(named(c, userText.get()));
            } catch (ApiException unknown) {
                if (unknown.status() != 400 || !unknown.getMessage().startsWith("User: unable to find ")) throw unknown;
                unknownUser = Optional.of(unknown.getMessage().substring("User: ".length()));
            }
        }
        ExecInContainer.Request req = new ExecInContainer.Request(cmd, env, k -> Optional.empty(), cwd, user,
                attachStdin, tty, privileged, List.of(), List.of());
        try {
            exec.get().checkLimits(c, req); // what could only fail at the start is refused here, naming the field
        } catch (ExecveLimits.Refused e) {
            throw ApiException.badRequest(switch (e.part()) {
                case PROGRAM, ARGUMENT -> "Cmd: ";
                case ENVIRONMENT -> "Env: ";
                case TOTAL -> "Cmd and Env: ";
            } + e.getMessage());
        }
        ExecSessions.Exec e = sessions.add(c.id(), c.displayName(), c.spec().root().describe(), req, attachStdin,
                bool(body, "AttachStdout"), bool(body, "AttachStderr"), size[0], size[1], timeout,
                userText.orElse(""), this::gone);
        e.labels = c.spec().labels();
        e.userError = unknownUser.orElse(null);
        publish(e, "exec_create: " + String.join(" ", cmd), Map.of("execID", e.id)); // as dockerd's (daemon/exec.go)
        call.reply(201, Map.of("Id", e.id));
    }

    /** A {@code User} that names a user or group, in the container's /etc/passwd and /etc/group: 400 when unknown. */
    private User named(Container c, String spec) {
        try {
            return users.get().resolve(c, spec);
        } catch (QuiltException e) {
            if (e.kind() != QuiltException.Kind.INVALID_INPUT) throw e;
            throw ApiException.badRequest("User: " + e.getMessage());
        }
    }

    /** How long a tty start with no size waits for the client's first resize (see {@link #firstResize}). */
    static final Duration FIRST_RESIZE = Duration.ofMillis(250);

    private void start(ApiCall call) {
        ExecSessions.Exec e = find(call.param("id"));
        JsonNode body = call.json();
        boolean detach = bool(body, "Detach");
        int[] size = consoleSize(body);
        if (e.adopted() && e.phase() == ExecSessions.Phase.CREATED) {
            throw ApiException.conflict("exec " + e.id + " was made by an earlier server, which did not start it; "
                    + "make a new one to run the command");
        }
        // what can be refused with a status is refused before an attached stream is taken over
        Container c = lookup.get().get(e.container.value());
        if (c.status() != Status.RUNNING) {
            throw ApiException.conflict("container '" + c.displayName() + "' is " + c.status().word()
                    + "; exec needs a running one");
        }
        java.nio.file.Path exitRecord = sessions.prepare(e); // before the claim: a failure here leaves it startable
        if (!e.claim()) {
            throw ApiException.conflict("exec " + e.id + " has already been started; make a new one to run it again");
        }
        int[] first = e.firstSize(size[0], size[1]);
        int rows = first[0];
        int cols = first[1];
        ContainerExec.Options options = new ContainerExec.Options(e.request.stdinOpen(), e.request.tty(),
                e.request.tty() ? rows : 0, e.request.tty() ? cols : 0, e.timeout,
                Optional.of(exitRecord));
        if (detach) {
            startDetached(call, e, c, options);
        } else {
            startAttached(call, e, c, options);
        }
    }

    private void startDetached(ApiCall call, ExecSessions.Exec e, Container c, ContainerExec.Options options) {
        int nul = pairs.discard();
        ContainerExec.Session s;
        try {
            s = begin(e, c, new Stdio(nul, nul, nul), options);
        } finally {
            pairs.close(nul); // the command has its own copies
        }
        workers.run(() -> finish(e, s));
        call.replyEmpty(200);
    }

    private void startAttached(ApiCall call, ExecSessions.Exec e, Container observed, ContainerExec.Options options) {
        boolean tty = e.request.tty();
        List<Integer> fds = new ArrayList<>();
        try {
            int[] out = pair(fds);
            int[] err = tty ? out : pair(fds);
            int[] in = e.attachStdin ? pair(fds) : out; // without stdin quilt-exec gives the command /dev/null
            // dockerd's order (API 1.41): the stream is taken over, then the command starts. Its output must not
            // reach the client with the 101's headers: http.client (docker-py) reads the headers through a buffer
            // that would swallow what came with them
            Hijacked h = take(call);
            boolean waits = tty && options.rows() == 0;
            ContainerExec.Options sized = waits ? firstResize(e, options) : options;
            ContainerExec.Session s;
            try {
                // observed at the call's start; after a wait for the first size (up to 250 ms), observed again
                Container c = observed;
                if (waits) {
                    try {
                        c = lookup.get().get(e.container.value());
                    } catch (RuntimeException gone) {
                        sessions.failed(e, 125); // as a start that failed before its command ran
                        throw gone;
                    }
                }
                // quilt-exec holds our output ends too, so the command keeps a reader if this server dies
                s = begin(e, c, new Stdio(in[1], out[1], err[1]),
                        tty ? sized : sized.withOutputEnds(List.of(out[0], err[0])));
            } catch (RuntimeException failed) {
                // a command that cannot start is said in the stream, its code (126/127) in exec inspect:
                // docker-py's exec_run then returns that result instead of raising
                tell(h, tty, ApiException.of(failed).getMessage());
                return;
            }
            // the command holds its ends now; ours are the only others
            closeQuietly(out[1]);
            fds.remove((Integer) out[1]);
            if (!tty) {
                closeQuietly(err[1]);
                fds.remove((Integer) err[1]);
            }
            if (e.attachStdin) {
                closeQuietly(in[1]);
                fds.remove((Integer) in[1]);
            }
            relay(h, e, s, out[0], tty ? -1 : err[0], e.attachStdin ? in[0] : -1);
        } finally {
            for (int fd : fds) closeQuietly(fd);
        }
    }

    /**
     * A tty start with no size from its create or start: the size of the client's first resize, if it comes within
     * {@link #FIRST_RESIZE}. The docker CLI sends it right after the start's 101 (dockerd applies it to the started
     * exec), so a command that asks its size at once (stty size) would otherwise see 0x0.
     */
    private static ContainerExec.Options firstResize(ExecSessions.Exec e, ContainerExec.Options o) {
        int[] size;
        try {
            size = e.awaitFirstResize(FIRST_RESIZE);
        } catch (InterruptedException stopping) {
            Thread.currentThread().interrupt();
            return o;
        }
        return size[0] == 0 ? o : new ContainerExec.Options(o.stdinOpen(), o.tty(), size[0], size[1], o.timeout(),
                o.exitRecord(), o.outputEnds());
    }

    /** Says {@code why} on the taken-over stream's stdout (a frame without a tty), as dockerd does, and ends it. */
    private static void tell(Hijacked h, boolean tty, String why) {
        byte[] line = (why + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (h) {
            if (tty) h.out().write(line);
            else Multiplexed.frame(h.out(), Multiplexed.STDOUT, line, 0, line.length);
        } catch (IOException gone) {
            // the client left: the exit code is in exec inspect all the same
        }
    }

    /** The call's connection taken over; a client that left before that gets a stream that fails as a hang-up. */
    private static Hijacked take(ApiCall call) {
        try {
            return call.hijack(Multiplexed.RAW_STREAM);
        } catch (RuntimeException gone) { // the client left before its stream began: as a hang-up, later
            return new Hijacked() {
                @Override
                public InputStream in() {
                    return InputStream.nullInputStream();
                }

                @Override
                public OutputStream out() {
                    return new OutputStream() {
                        @Override
                        public void write(int b) throws IOException {
                            throw new IOException("the client went away");
                        }
                    };
                }

                @Override
                public void close() {}
            };
        }
    }

    /** The hijacked stream until the command has ended and its output is drained. */
    private void relay(Hijacked h, ExecSessions.Exec e, ContainerExec.Session s, int out, int err, int in) {
        OutputStream client = h.out();
        boolean tty = e.request.tty();
        Future<?> outThread = copier(new Socket(out), client, tty ? -1 : Multiplexed.STDOUT, e.attachStdout);
        Future<?> errThread = err >= 0 ? copier(new Socket(err), client, Multiplexed.STDERR, e.attachStderr) : null;
        Future<?> inThread = null;
        Socket stdin = in >= 0 ? new Socket(in) : null;
        if (stdin != null) {
            InputStream from = h.in();
            inThread = workers.run(() -> {
                byte[] b = new byte[16384];
                ByteBuffer buf = ByteBuffer.allocateDirect(b.length);
                try {
                    int n;
                    while ((n = from.read(b)) > 0) {
                        buf.clear();
                        buf.put(b, 0, n).flip();
                        while (buf.hasRemaining()) {
                            int w = stdin.write(buf, buf.position(), buf.limit());
                            buf.position(buf.position() + w);
                        }
                    }
                } catch (IOException ex) {
                    // the client went, or the command's stdin did: either way no more input
                }
                try {
                    stdin.shutdown(false, true); // the client's half-close is the command's end of file
                } catch (IOException ex) {
                    // the command has gone already
                }
            });
        }
        finish(e, s);
        try {
            // what it wrote is read before the end of file, even if a child of its still holds the other end
            new Socket(out).shutdown(true, false);
            if (err >= 0) new Socket(err).shutdown(true, false);
        } catch (IOException ex) {
            // already shut
        }
        join(outThread);
        join(errThread);
        grace.streamEnded(e.id); // a stopping server waits (within its grace) for the client to read the code
        h.close(); // ends the client's stream, and stdin's read
        join(inThread);
    }

    /** Waits for the command's end, records it, and tells the events. */
    private void finish(ExecSessions.Exec e, ContainerExec.Session s) {
        ExitStatus exit;
        boolean late;
        try {
            exit = s.await();
            late = s.timedOut();
        } catch (RuntimeException ex) {
            exit = ExitStatus.exited(126);
            late = false;
        } finally {
            s.close();
        }
        int code = exit.signal() > 0 ? 128 + exit.signal() : exit.code();
        sessions.ended(e, exit, late);
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("execID", e.id);
        attrs.put("exitCode", String.valueOf(code));
        if (late) attrs.put("timedOut", "true");
        publish(e, "exec_die", attrs);
    }

    private ContainerExec.Session begin(ExecSessions.Exec e, Container c, Stdio stdio, ContainerExec.Options options) {
        if (e.userError != null) { // runc's words, dockerd's code
            sessions.failed(e, 126);
            throw ApiException.badRequest("unable to start container process: " + e.userError);
        }
        ContainerExec.Session s;
        try {
            s = exec.get().start(c, e.request, stdio, options);
        } catch (dev.quilt.ports.SpawnFailedException ex) {
            // the request's command, cwd or user cannot be had: docker's "invalid config" for a start (400), its
            // shell code kept; any other step is Quilt's own failure
            sessions.failed(e, ex.exitCode() == 125 ? 126 : ex.exitCode());
            boolean asked = switch (ex.step()) {
                case EXEC, CWD, USER -> true;
                default -> false;
            };
            throw asked ? ApiException.badRequest(ex.getMessage()) : ex;
        } catch (RuntimeException ex) {
            sessions.failed(e, 125);
            throw ex;
        }
        sessions.started(e, s);
        publish(e, "exec_start: " + String.join(" ", e.request.args()), Map.of("execID", e.id));
        return s;
    }

    private Future<?> copier(Socket from, OutputStream to, int stream, boolean attached) {
        return workers.run(() -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(16384);
            byte[] b = new byte[16384];
            boolean clientGone = !attached;
            while (true) {
                int n;
                try {
                    n = from.read(buf, 0, buf.capacity());
                } catch (IOException ex) {
                    break;
                }
                if (n <= 0) break;
                if (clientGone) continue; // read and dropped, so the command never blocks on a full socket
                buf.get(0, b, 0, n);
                try {
                    synchronized (to) {
                        if (stream < 0) to.write(b, 0, n);
                        else Multiplexed.frame(to, stream, b, 0, n);
                    }
                } catch (IOException ex) {
                    clientGone = true;
                }
            }
        });
    }

    private void resize(ApiCall call) {
        ExecSessions.Exec e = find(call.param("id"));
        long h = call.number("h", -1);
        long w = call.number("w", -1);
        if (h < 1 || h > 65535) throw ApiException.badRequest("h must be the terminal's rows, 1 to 65535");
        if (w < 1 || w > 65535) throw ApiException.badRequest("w must be the terminal's columns, 1 to 65535");
        if (!e.request.tty()) throw ApiException.conflict("exec " + e.id + " has no terminal (Tty was false) to resize");
        if (e.adopted() && e.phase() == ExecSessions.Phase.RUNNING) {
            throw ApiException.conflict("exec " + e.id + " was started by an earlier server, which held its terminal; "
                    + "it cannot be resized from this one");
        }
        if (e.adopted() && e.phase() == ExecSessions.Phase.CREATED) {
            throw ApiException.conflict("exec " + e.id + " was made by an earlier server, which did not start it; "
                    + "make a new one to run the command");
        }
        // before the start it is kept for it, as dockerd waits for the start (the docker CLI resizes right after it)
        if (!e.resize((int) h, (int) w)) {
            throw ApiException.conflict("exec " + e.id + " is not running (it has ended); resize a running exec");
        }
        call.reply(200, Map.of());
    }

    private void inspect(ApiCall call) {
        ExecSessions.Exec e = find(call.param("id"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", e.id);
        m.put("Running", e.phase() == ExecSessions.Phase.RUNNING && e.pid() > 0);
        m.put("ExitCode", e.exitCode().orElse(null));
        Map<String, Object> pc = new LinkedHashMap<>();
        pc.put("tty", e.request.tty());
        pc.put("entrypoint", e.request.args().get(0));
        pc.put("arguments", e.request.args().subList(1, e.request.args().size()));
        pc.put("privileged", e.request.privileged());
        pc.put("user", e.user);
        m.put("ProcessConfig", pc);
        m.put("OpenStdin", e.attachStdin);
        m.put("OpenStderr", e.attachStderr);
        m.put("OpenStdout", e.attachStdout);
        m.put("CanRemove", false);
        m.put("ContainerID", e.container.value());
        m.put("DetachKeys", "");
        m.put("Pid", e.pid());
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("Timeout", e.timeout.map(Durations::format).orElse(null));
        q.put("TimedOut", e.timedOut());
        q.put("ExitUnknown", e.exitUnknown());
        m.put("Quilt", q);
        grace.inspected(e.id);
        call.reply(200, m);
    }

    private ExecSessions.Exec find(String id) {
        return sessions.get(id).orElseThrow(() -> ApiException.notFound("No such exec instance: " + id));
    }

    private boolean gone(ContainerId id) {
        return lookup.get().record(id).isEmpty();
    }

    private void publish(ExecSessions.Exec e, String action, Map<String, String> extra) {
        // as dockerd's container events: the container's labels, then the event's own, then image and name
        Map<String, String> attrs = new LinkedHashMap<>(e.labels);
        attrs.putAll(extra);
        attrs.put("image", e.image);
        attrs.put("name", e.name);
        events.publish(new ApiEvent("container", action, e.container.value(), attrs,
                java.time.Instant.now().getEpochSecond() * 1_000_000_000L + java.time.Instant.now().getNano()));
    }

    private int[] pair(List<Integer> fds) {
        int[] p = pairs.pair();
        fds.add(p[0]);
        fds.add(p[1]);
        return p;
    }

    private void closeQuietly(int fd) {
        pairs.close(fd);
    }

    private static void join(Future<?> t) {
        if (t == null) return;
        try {
            t.get();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException ex) {
            // a copier's own failure: its stream is over all the same
        }
    }

    /**
     * An exec's deadline: the create body's {@code QuiltTimeout} when given, else the container's
     * {@value #TIMEOUT_LABEL} label, else none. Either one that is no duration ({@link Durations#parse}: {@code 30s},
     * {@code 5m}, {@code 1h30m}) is a 400 naming it.
     */
    static Optional<Duration> deadline(Optional<String> asked, Map<String, String> labels) {
        if (asked.isPresent()) return Optional.of(duration("QuiltTimeout", asked.get()));
        return Optional.ofNullable(labels.get(TIMEOUT_LABEL)).map(s -> duration("label " + TIMEOUT_LABEL, s));
    }

    private static Duration duration(String field, String text) {
        try {
            return Durations.parse(field, text);
        } catch (QuiltException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    private static boolean bool(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return false;
        if (!n.isBoolean()) throw ApiException.badRequest(field + " must be true or false");
        return n.booleanValue();
    }

    private static Optional<String> text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return Optional.empty();
        if (!n.isTextual()) throw ApiException.badRequest(field + " must be a string");
        return Optional.of(n.textValue());
    }

    private static List<String> strings(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) return List.of();
        if (!n.isArray()) throw ApiException.badRequest(field + " must be an array of strings");
        List<String> out = new ArrayList<>();
        for (JsonNode x : n) {
            if (!x.isTextual()) throw ApiException.badRequest(field + " must be an array of strings");
            if (x.textValue().indexOf('\0') >= 0) throw ApiException.badRequest(field + " holds a NUL character");
            out.add(x.textValue());
        }
        return out;
    }

    /** ConsoleSize {@code [height, width]}: two numbers 0 to 65535, or absent ({0, 0}). */
    private static int[] consoleSize(JsonNode body) {
        JsonNode n = body.get("ConsoleSize");
        if (n == null || n.isNull()) return new int[] {0, 0};
        if (!n.isArray() || n.size() != 2 || !n.get(0).canConvertToInt() || !n.get(1).canConvertToInt()
                || !n.get(0).isIntegralNumber() || !n.get(1).isIntegralNumber()) {
            throw ApiException.badRequest("ConsoleSize must be [height, width]");
        }
        int h = n.get(0).intValue(), w = n.get(1).intValue();
        if (h < 0 || w < 0 || h > 65535 || w > 65535) {
            throw ApiException.badRequest("ConsoleSize [" + h + ", " + w + "] must be 0 to 65535 each");
        }
        return new int[] {h, w};
    }
}
