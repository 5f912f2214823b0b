package dev.quilt.cli.serve;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.PeerCredentials;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The API's listener: HTTP/1.1 on a unix socket through Netty's native epoll transport. One event-loop thread
 * accepts, {@code loops} threads read and write, and every request runs on a worker thread ({@link Workers}: a cached
 * pool of platform threads, unbounded, idle ones kept for the next call; platform because routes block in JNI,
 * which would pin a virtual thread's carrier). Stopping stops accepting at once, lets
 * the calls in flight finish until a grace deadline ({@link ShutdownGrace}), then closes every connection, which ends
 * the streams still open. Following streams (logs -f, events, stats, wait) are cut at once ({@link #cancelStreams});
 * hijacked ones (exec start, attach) have the grace.
 */
public final class ApiServer implements AutoCloseable {
    private final Router router;
    private final RequestLog log;
    private final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final EventLoopGroup loops;
    private final Workers pool;
    private final ExecutorService workers;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final ShutdownGrace grace;
    private volatile Duration requestDeadline = DEFAULT_REQUEST_DEADLINE;
    private Channel listener;

    /**
     * How long a request head may take to come, and a JSON body after it: dockerd's {@code ReadHeaderTimeout} (5
     * minutes, set in its cmd/dockerd against slow-loris clients). Generous: a client of a local socket sends its
     * head in one write, and a person typing a request into {@code socat} still has the time.
     */
    public static final Duration DEFAULT_REQUEST_DEADLINE = Duration.ofMinutes(5);

    public ApiServer(Router router, RequestLog log, int loops) {
        this(router, log, loops, new Workers());
    }

    /** A server whose calls run on {@code workers} (shared with the routes' own tasks: the exec relays). */
    public ApiServer(Router router, RequestLog log, int loops, Workers workers) {
        this(router, log, loops, workers, new ShutdownGrace());
    }

    /** As {@link #ApiServer(Router, RequestLog, int, Workers)}; a stop waits for what {@code grace} counts. */
    public ApiServer(Router router, RequestLog log, int loops, Workers workers, ShutdownGrace grace) {
        this.grace = grace;
        this.router = router;
        this.log = log;
        this.pool = workers;
        this.workers = workers.executor();
        this.loops = new MultiThreadIoEventLoopGroup(loops, EpollIoHandler.newFactory());
    }

    /**
     * Sets the request deadline ({@link HttpConnection}) for connections accepted after this; zero: none. Call
     * before {@link #bind}.
     */
    public void requestDeadline(Duration d) {
        if (d.isNegative()) throw new IllegalArgumentException("a negative deadline");
        requestDeadline = d;
    }

    /** Listens on {@code socket}, which must not exist (the caller reclaimed a stale one under its lock). */
    public void bind(Path socket) throws InterruptedException {
        HttpConnection.Calls calls = new HttpConnection.Calls() {
            @Override
            public void begun() {
                grace.begun();
            }

            @Override
            public void ended() {
                grace.ended();
            }
        };
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, loops)
                .channel(EpollServerDomainSocketChannel.class)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                    @Override
                    protected void initChannel(EpollDomainSocketChannel ch) {
                        connections.add(ch);
                        Peer peer = peerOf(ch);
                        ch.pipeline()
                                .addLast(HttpConnection.CODEC, new HttpServerCodec())
                                .addLast(HttpConnection.CONTINUE, new HttpServerExpectContinueHandler())
                                .addLast(HttpConnection.HANDLER, new HttpConnection(router, workers, peer, log, calls,
                                        requestDeadline));
                    }
                });
        // sun_path holds 107 bytes and its NUL (unix(7)): a longer path would be cut, or refused by Netty's own text
        if (socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
            throw dev.quilt.domain.QuiltException.invalid("socket path " + socket + " is longer than the 107 bytes a unix"
                    + " socket's address holds; give --socket a shorter path");
        }
        io.netty.channel.ChannelFuture bound = b.bind(new DomainSocketAddress(socket.toString())).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            Throwable why = bound.cause();
            // Netty's text is "bind(..) failed: No such file or directory": the system's reason is after its colon
            String text = String.valueOf(why.getMessage());
            String reason = text.substring(text.lastIndexOf(':') + 1).strip().toLowerCase(java.util.Locale.ROOT);
            throw dev.quilt.domain.QuiltException.invalid("cannot listen on " + socket + ": " + reason
                    + "; give --socket a path in a directory that exists and is writable");
        }
        listener = bound.channel();
    }

    private static Peer peerOf(EpollDomainSocketChannel ch) {
        try {
            PeerCredentials c = ch.peerCredentials();
            int[] gids = c.gids();
            return new Peer(c.pid(), c.uid(), gids.length > 0 ? gids[0] : -1);
        } catch (java.io.IOException e) {
            return Peer.UNKNOWN;
        }
    }

    /** Stops accepting: new clients are refused by the kernel; those connected go on. */
    public void stopAccepting() {
        if (listener != null) listener.close().syncUninterruptibly();
    }

    /**
     * Closes every connection whose answer follows something that outlives the server (logs -f, events, stats,
     * wait): it would hold the server for the whole grace; its client sees the stream end. Hijacked connections
     * (exec start, attach) are left to the grace: a command that ends within it delivers its output and exit code
     * (dockerd lets running work finish within its shutdown timeout); one still running at the grace's end is cut
     * by {@link #close}, and goes on in its container.
     */
    public void cancelStreams() {
        for (Channel ch : connections) {
            if (Boolean.TRUE.equals(ch.attr(HttpConnection.STREAMING).get())) ch.close();
        }
    }

    /**
     * Waits until no call is in flight and no ended exec's code waits to be read ({@link ShutdownGrace}), or
     * {@code grace} has passed (a deadline on the calls' own ends, not a poll), and says whether all ended.
     */
    public boolean awaitCalls(Duration grace) throws InterruptedException {
        return this.grace.await(System.nanoTime() + grace.toNanos());
    }

    /** Closes every connection (streams still following end) and the event loops. */
    @Override
    public void close() {
        stopAccepting();
        connections.close().syncUninterruptibly();
        pool.close();
        boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
