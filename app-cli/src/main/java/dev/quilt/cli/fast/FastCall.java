package dev.quilt.cli.fast;

import dev.quilt.cli.Invocation;
import dev.quilt.cli.Main;
import dev.quilt.cli.runc.RuncMain;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.Stdio;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;

/**
 * One fast CLI call on its connection: REQUEST, then the caller's fds (one per message, the channel in
 * {@link DomainSocketReadMode#FILE_DESCRIPTORS} for them), then the command runs on a worker thread of its own
 * with an {@link Invocation} made of what the caller handed over, while SIGNAL messages come in; EXIT ends it.
 * The event loop only parses and hands over; nothing here blocks it.
 */
final class FastCall extends ChannelInboundHandlerAdapter {
    /** Signals whose default action ends a process: with no one forwarding them, they end the call (128+n). */
    private static final Set<String> FATAL = Set.of("INT", "TERM", "HUP", "QUIT", "USR1", "USR2");
    /** quilt-runc's verbs whose process tree is the caller's (runc's create/run/exec): those stay in its JVM. */
    private static final Set<String> RUNC_OWN_TREE = Set.of("create", "run", "exec", "checkpoint", "restore", "spec",
            "update");
    private static final Set<String> RUNC_VALUED = Set.of("--root", "--log", "--log-format", "--criu", "--rootless");

    private final LinuxPaths paths;
    private final FastCliServer.Log log;
    private final ByteBuf pending = Unpooled.buffer();
    private final List<FileDescriptor> fds = new ArrayList<>();
    private final Map<Integer, IntConsumer> forwards = new ConcurrentHashMap<>();
    private final Set<Integer> ignored = ConcurrentHashMap.newKeySet();
    private volatile java.util.function.BiConsumer<Integer, Integer> resized;
    private Request request;
    private Thread worker;
    private FdOutputStream out;
    private FdOutputStream err;
    private volatile boolean ended;

    /** Counts the call while its command runs, so a stopping server gives it its --grace as an API call's. */
    private final dev.quilt.cli.serve.ShutdownGrace grace;
    private boolean counted;

    FastCall(LinuxPaths paths, FastCliServer.Log log, dev.quilt.cli.serve.ShutdownGrace grace) {
        this.paths = paths;
        this.log = log;
        this.grace = grace;
    }

    /** What REQUEST asked for. */
    record Request(String face, List<String> args, Map<String, String> env, Path cwd, Invocation.Size size,
                   List<Integer> callerFds, List<Integer> callerFlags) {
        Request(String face, List<String> args, Map<String, String> env, Path cwd, Invocation.Size size,
                List<Integer> callerFds) {
            this(face, args, env, cwd, size, callerFds, List.of());
        }

        /** The status flags the client had on its {@code i}th fd, or -1 when it did not say. */
        int flagsOf(int i) {
            return i < callerFlags.size() ? callerFlags.get(i) : -1;
        }

        /** The command word: the first that is neither a global option nor its value. */
        String verb() {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("--root") || (face.equals("quilt-runc") && RUNC_VALUED.contains(a))) {
                    i++;
                } else if (!a.startsWith("-")) {
                    return a;
                }
            }
            return "";
        }

        /** The state root the words name (--root DIR or --root=DIR before the verb), as that face maps it. */
        LinuxPaths root() {
            String dir = null;
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (a.equals("--root") && i + 1 < args.size()) {
                    dir = args.get(++i);
                } else if (a.startsWith("--root=")) {
                    dir = a.substring("--root=".length());
                } else if (face.equals("quilt-runc") && RUNC_VALUED.contains(a)) {
                    i++;
                } else if (!a.startsWith("-")) {
                    break;
                }
            }
            if (dir != null) return LinuxPaths.under(cwd.resolve(dir));
            return face.equals("quilt-runc") ? LinuxPaths.under(Path.of("/run/quilt-runc")) : LinuxPaths.DEFAULT;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof FileDescriptor fd) {
                fd(ctx, fd);
            } else if (msg instanceof ByteBuf b) {
                pending.writeBytes(b);
                for (var r = FastMessages.next(pending); r.isPresent(); r = FastMessages.next(pending)) {
                    message(ctx, r.get());
                }
                pending.discardReadBytes();
            }
        } catch (FastMessages.BadMessage e) {
            refuse(ctx, e.getMessage());
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void message(ChannelHandlerContext ctx, FastMessages.Record r) {
        if (r.tag() == FastMessages.REQUEST && request == null) {
            request(ctx, r);
        } else if (r.tag() == FastMessages.SIGNAL && worker != null) {
            int signo = (int) r.field(FastMessages.F_SIGNO).orElseThrow(
                    () -> new FastMessages.BadMessage("SIGNAL without a number")).number();
            var to = resized;
            if (signo == number("WINCH") && to != null) {
                int rows = (int) r.field(FastMessages.F_ROWS).map(FastMessages.Record::number).orElse(0L).longValue();
                int cols = (int) r.field(FastMessages.F_COLS).map(FastMessages.Record::number).orElse(0L).longValue();
                if (rows > 0 && cols > 0 && rows <= 65535 && cols <= 65535) {
                    Thread.ofPlatform().name("quilt-fast-resize").daemon(true).start(() -> to.accept(rows, cols));
                }
                return;
            }
            signal(ctx, signo);
        } else {
            throw new FastMessages.BadMessage("message " + r.tag() + " out of turn");
        }
    }

    private void request(ChannelHandlerContext ctx, FastMessages.Record r) {
        String face = "";
        List<String> args = new ArrayList<>();
        Map<String, String> env = new HashMap<>();
        String cwd = null;
        List<Integer> callerFds = new ArrayList<>();
        List<Integer> callerFlags = new ArrayList<>();
        long version = -1;
        int rows = 0;
        int cols = 0;
        for (FastMessages.Record f : r.fields()) {
            switch (f.tag()) {
                case FastMessages.F_VERSION -> version = f.number();
                case FastMessages.F_FACE -> face = f.text();
                case FastMessages.F_ARG -> args.add(f.text());
                case FastMessages.F_ENV -> {
                    String kv = f.text();
                    int eq = kv.indexOf('=');
                    if (eq > 0) env.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                case FastMessages.F_CWD -> cwd = f.text();
                case FastMessages.F_FD -> callerFds.add((int) f.number());
                case FastMessages.F_FD_FLAGS -> callerFlags.add((int) f.number());
                case FastMessages.F_ROWS -> rows = (int) Math.max(0, Math.min(65535, f.number()));
                case FastMessages.F_COLS -> cols = (int) Math.max(0, Math.min(65535, f.number()));
                default -> { } // whether stdin is a terminal: isatty(3) on the passed fd answers that here too
            }
        }
        if (version != FastMessages.VERSION) {
            refuse(ctx, "protocol version " + version + " is not " + FastMessages.VERSION);
            return;
        }
        if (!face.equals("quilt") && !face.equals("quilt-runc")) {
            refuse(ctx, "no face '" + face + "'");
            return;
        }
        if (cwd == null || !cwd.startsWith("/") || callerFds.size() < 3 || !callerFds.subList(0, 3).equals(List.of(0, 1, 2))) {
            refuse(ctx, "a request needs an absolute working directory and fds 0, 1, 2");
            return;
        }
        request = new Request(face, List.copyOf(args), env, Path.of(cwd), new Invocation.Size(rows, cols),
                List.copyOf(callerFds), List.copyOf(callerFlags));
        String verb = request.verb();
        if (face.equals("quilt") && verb.equals("serve")) {
            refuse(ctx, "serve runs in a JVM of its own");
            return;
        }
        if (face.equals("quilt-runc") && RUNC_OWN_TREE.contains(verb)) {
            refuse(ctx, "quilt-runc " + verb + " makes processes of its caller's tree: it runs in the caller's JVM");
            return;
        }
        LinuxPaths root;
        try {
            root = request.root();
        } catch (RuntimeException e) {
            refuse(ctx, "no root: " + e.getMessage());
            return;
        }
        if (!root.run().equals(paths.run())) {
            refuse(ctx, "this server serves " + paths.run() + ", not " + root.run());
            return;
        }
        ((EpollDomainSocketChannel) ctx.channel()).config().setReadMode(DomainSocketReadMode.FILE_DESCRIPTORS);
        ctx.writeAndFlush(FastMessages.record(FastMessages.SEND_FDS, new byte[0]));
    }

    private void fd(ChannelHandlerContext ctx, FileDescriptor fd) {
        if (request == null || worker != null) {
            close(fd);
            throw new FastMessages.BadMessage("a fd out of turn");
        }
        fds.add(fd);
        // Netty's receipt made it non-blocking and dropped O_APPEND (the open file is the caller's too): the flags
        // the caller had, so the command sees its stdout as the caller left it (a >> file appends; a blocking fd
        // waits instead of failing with EAGAIN); a client that did not send them gets it blocking. The client puts
        // its own flags back when it is done
        int flags = request.flagsOf(fds.size() - 1);
        if (dev.quilt.linux.RawSocketWrites.available()) {
            if (flags < 0 || dev.quilt.linux.RawSocketWrites.statusFlags(fd.intValue(), flags) < 0) {
                dev.quilt.linux.RawSocketWrites.blocking(fd.intValue());
            }
        }
        if (fds.size() < request.callerFds().size()) return;
        ((EpollDomainSocketChannel) ctx.channel()).config().setReadMode(DomainSocketReadMode.BYTES);
        start(ctx);
    }

    private void start(ChannelHandlerContext ctx) {
        out = new FdOutputStream(fds.get(1));
        err = new FdOutputStream(fds.get(2));
        PrintWriter textOut = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true);
        PrintWriter textErr = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        int[] passed = fds.subList(3, fds.size()).stream().mapToInt(FileDescriptor::intValue).toArray();
        Invocation.Signals signals = new Invocation.Signals() {
            @Override
            public void forward(List<String> names, IntConsumer to) {
                for (String n : names) forwards.put(number(n), to);
            }

            @Override
            public void ignore(String name) {
                ignored.add(number(name));
            }

            @Override
            public void resized(java.util.function.BiConsumer<Integer, Integer> to) {
                resized = to;
            }
        };
        Map<String, String> env = new HashMap<>(request.env());
        if (passed.length > 0) {
            // the passed fds' numbers here, in the caller's order: the caller's "3 4 " names them for --preserve-fds
            env.put(Invocation.PASSED_FDS_ENV, request.callerFds().subList(3, request.callerFds().size()).stream()
                    .map(String::valueOf).reduce("", (a, b) -> a + b + " "));
        }
        Invocation inv = new Invocation(out, err, textOut, textErr, env, request.cwd(),
                new Stdio(fds.get(0).intValue(), fds.get(1).intValue(), fds.get(2).intValue()), request.size(), passed,
                signals);
        String[] args = request.args().toArray(String[]::new);
        long begun = System.nanoTime();
        worker = Thread.ofPlatform().name("quilt-fast-", 0).daemon(true).unstarted(() -> {
            int code;
            try {
                code = request.face().equals("quilt-runc") ? RuncMain.run(args, inv) : Main.run(args, inv);
            } finally {
                textOut.flush();
                textErr.flush();
            }
            finish(ctx, code, begun);
            // only now: a fd closed under a running command could be reused by the next call's
            closeFds();
        });
        synchronized (this) {
            counted = true;
            grace.begun(); // ended in finish(), whichever way the call ends
        }
        ctx.writeAndFlush(FastMessages.record(FastMessages.RUNNING, new byte[0]));
        worker.start();
    }

    private static int number(String name) {
        return new sun.misc.Signal(name).getNumber();
    }

    private void signal(ChannelHandlerContext ctx, int signo) {
        IntConsumer to = forwards.get(signo);
        if (to != null) {
            // a kill through the container's pidfd, off the event loop all the same
            Thread.ofPlatform().name("quilt-fast-signal").daemon(true).start(() -> to.accept(signo));
            return;
        }
        if (ignored.contains(signo)) return;
        for (String name : FATAL) {
            if (number(name) == signo) {
                // the CLI would have died of it: so does the call, with the code a shell shows for it
                finish(ctx, 128 + signo, -1);
                return;
            }
        }
    }

    /** Sends EXIT once, closes the connection and the caller's fds. */
    private void finish(ChannelHandlerContext ctx, int code, long begun) {
        boolean count;
        synchronized (this) {
            if (ended) return;
            ended = true;
            count = counted;
        }
        out.cut();
        err.cut();
        if (begun >= 0) log.call(ctx.channel(), request, code, (System.nanoTime() - begun) / 1000);
        ctx.writeAndFlush(FastMessages.record(FastMessages.EXIT, Integer.toString(code))).addListener(f -> {
            ctx.channel().close();
            // only once EXIT is on its way: a stopping server waits for this, and closes every connection after
            if (count) grace.ended();
        });
    }

    private void refuse(ChannelHandlerContext ctx, String why) {
        log.refused(ctx.channel(), why);
        ended = true;
        ctx.writeAndFlush(FastMessages.record(FastMessages.REFUSE, why)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        // the caller went away (or we closed): a command still running keeps its fds until it ends
        if (out != null) {
            out.cut();
            err.cut();
        }
        if (worker == null) closeFds();
        pending.release();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private synchronized void closeFds() {
        for (FileDescriptor fd : fds) close(fd);
        fds.clear();
    }

    private static void close(FileDescriptor fd) {
        try {
            fd.close();
        } catch (IOException e) {
            // already closed: nothing is left to release
        }
    }
}
