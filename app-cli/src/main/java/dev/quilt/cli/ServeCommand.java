package dev.quilt.cli;

import dagger.Lazy;
import dev.quilt.cli.serve.ApiServer;
import dev.quilt.cli.serve.Background;
import dev.quilt.cli.serve.Peer;
import dev.quilt.cli.serve.RequestLog;
import dev.quilt.cli.serve.Routes;
import dev.quilt.cli.serve.Router;
import dev.quilt.cli.serve.ServeLock;
import dev.quilt.linux.LinuxPaths;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import javax.inject.Inject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code quilt serve}: the Docker Engine API (v1.41) and Quilt's own on a unix socket for this root, on the same
 * engine as the CLI. One server per root ({@link ServeLock}); SIGTERM or SIGINT stops accepting, lets calls in
 * flight finish (until {@code --grace}), and exits 0, leaving every container running; the next server adopts them.
 */
@Command(name = "serve", description = {
        "Serve the Docker Engine API (v1.41) on a unix socket for this root, on the same engine as the CLI.",
        "",
        "One server per root: a second one exits 1 naming the pid that serves; a socket left by a server that died"
                + " is reclaimed, anything else at its path is refused and left alone.",
        "The socket is mode 0660, owned by root and by group quilt when that group exists (or --group): whoever"
                + " can reach it can run containers as root.",
        "SIGTERM or SIGINT: stop accepting, end following streams (logs -f, events, stats, wait), let calls in flight"
                + " and attached streams (exec, attach) finish for --grace seconds, close the rest, exit 0."
                + " Containers and exec'd commands keep running; the next server serves them.",
        "One line per request on stderr: the peer's pid, uid and gid (SO_PEERCRED), the request, its status and"
                + " time."})
final class ServeCommand implements Callable<Integer> {
    /** How long calls in flight may take to finish once a stop is asked for. */
    static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);

    private final Lazy<LinuxPaths> paths;
    private final Lazy<Set<Routes>> routes;
    private final Lazy<Set<Background>> background;
    private final Lazy<dev.quilt.cli.serve.Workers> workers;
    private final Lazy<dev.quilt.cli.serve.ShutdownGrace> grace;

    @Spec
    CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH", description = "where to listen (default RUN/quilt.sock:"
            + " /run/quilt/quilt.sock, or DIR/run/quilt.sock with --root DIR)")
    Path socket;

    @Option(names = "--group", paramLabel = "NAME", description = "the group that may use the socket (mode 0660;"
            + " default: quilt, if that group exists)")
    String group;

    @Option(names = "--quiet", description = "no line per request (or per connection closed by"
            + " --request-timeout) on stderr")
    boolean quiet;

    @Option(names = "--grace", paramLabel = "SECONDS", description = "how long calls in flight may take to finish"
            + " once SIGTERM or SIGINT asks the server to stop (default: 10)")
    long graceSeconds = DEFAULT_GRACE.toSeconds();

    @Option(names = "--request-timeout", paramLabel = "SECONDS", description = "how long a request's head may"
            + " take to come (from a connection's start or its last answer), and a JSON body after it, before the"
            + " connection is closed; 0: no bound (default: 300, dockerd's ReadHeaderTimeout)")
    long requestTimeoutSeconds = ApiServer.DEFAULT_REQUEST_DEADLINE.toSeconds();

    @Inject
    ServeCommand(Lazy<LinuxPaths> paths, Lazy<Set<Routes>> routes, Lazy<Set<Background>> background,
                 Lazy<dev.quilt.cli.serve.Workers> workers, Lazy<dev.quilt.cli.serve.ShutdownGrace> grace) {
        this.workers = workers;
        this.grace = grace;
        this.paths = paths;
        this.routes = routes;
        this.background = background;
    }

    /** The socket a server for {@code paths} listens on by default. */
    static Path defaultSocket(LinuxPaths paths) {
        return paths.run().resolve(dev.quilt.linux.state.FsStateStore.SERVER_SOCKET);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (graceSeconds < 0) throw dev.quilt.domain.QuiltException.invalid("--grace " + graceSeconds
                + ": give a number of seconds, 0 or more");
        if (requestTimeoutSeconds < 0) throw dev.quilt.domain.QuiltException.invalid("--request-timeout "
                + requestTimeoutSeconds + ": give a number of seconds, 0 (no bound) or more");
        Path sock = socket != null ? socket.toAbsolutePath() : defaultSocket(paths.get());
        CountDownLatch stop = new CountDownLatch(1);
        for (String sig : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> stop.countDown());
        }
        try (ServeLock lock = ServeLock.acquire(paths.get().run())) {
            lock.reclaim(sock);
            Router router = new Router();
            for (Routes r : routes.get()) r.register(router);
            ApiServer server = new ApiServer(router, new RequestLog() {
                @Override
                public void answered(Peer p, String m, String u, int s, long us) {
                    if (quiet) return;
                    synchronized (err) {
                        err.println("quilt serve: " + p + " " + m + " " + u + " " + s + " " + (us / 1000.0) + "ms");
                        err.flush();
                    }
                }

                @Override
                public void timedOut(Peer p, String what) {
                    if (quiet) return;
                    synchronized (err) {
                        err.println("quilt serve: closed a connection from " + p + ": " + what);
                        err.flush();
                    }
                }

                @Override
                public void fault(Peer p, String m, String u, Throwable e) {
                    // a fault in Quilt: the client has one line; the operator gets where (even with --quiet)
                    synchronized (err) {
                        err.println("quilt serve: fault in " + m + " " + u + " from " + p + ":");
                        e.printStackTrace(err);
                        err.flush();
                    }
                }
            }, 2, workers.get(), grace.get());
            server.requestDeadline(Duration.ofSeconds(requestTimeoutSeconds));
            List<Background> started = new ArrayList<>();
            try {
                server.bind(sock);
                SocketAccess.restrict(sock, group);
                for (Background b : background.get()) {
                    b.start();
                    started.add(b);
                }
                err.println("quilt serve: listening on " + sock + " (pid " + ProcessHandle.current().pid() + ")");
                err.flush();
                stop.await();
                grace.get().stopping();
                server.stopAccepting();
                server.cancelStreams();
                err.println("quilt serve: stopping: no new connections; calls in flight and attached streams have "
                        + graceSeconds + "s to finish");
                err.flush();
                if (!server.awaitCalls(Duration.ofSeconds(graceSeconds))) {
                    err.println("quilt serve: calls still running after " + graceSeconds + "s were cut off");
                }
            } finally {
                for (int i = started.size() - 1; i >= 0; i--) started.get(i).stop();
                server.close();
                java.nio.file.Files.deleteIfExists(sock);
            }
            err.println("quilt serve: stopped; containers keep running");
            err.flush();
        }
        return 0;
    }
}
