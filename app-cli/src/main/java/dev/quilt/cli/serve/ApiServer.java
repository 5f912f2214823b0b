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
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The API's listener: HTTP/1.1 on a unix socket through Netty's native epoll transport. One event-loop thread
 * accepts, {@code loops} threads read and write, and every request runs on a worker thread of its own (platform
 * threads: routes block in JNI, which would pin a virtual thread's carrier). Stopping stops accepting at once, lets
 * the calls in flight finish until a grace deadline, then closes every connection, which ends the streams that
 * were still following (logs, events, attach).
 */
public final class ApiServer implements AutoCloseable {
    private final Router router;
    private final RequestLog log;
    private final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final EventLoopGroup loops;
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofPlatform().name("quilt-api-", 0).daemon(true).factory());
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final Object inFlightLock = new Object();
    private int inFlight;
    private Channel listener;

    public ApiServer(Router router, RequestLog log, int loops) {
        this.router = router;
        this.log = log;
        this.loops = new MultiThreadIoEventLoopGroup(loops, EpollIoHandler.newFactory());
    }

    /** Listens on {@code socket}, which must not exist (the caller reclaimed a stale one under its lock). */
    public void bind(Path socket) throws InterruptedException {
        HttpConnection.Calls calls = new HttpConnection.Calls() {
            @Override
            public void begun() {
                synchronized (inFlightLock) {
                    inFlight++;
                }
            }

            @Override
            public void ended() {
                synchronized (inFlightLock) {
                    inFlight--;
                    inFlightLock.notifyAll();
                }
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
                                .addLast(HttpConnection.HANDLER, new HttpConnection(router, workers, peer, log, calls));
                    }
                });
        listener = b.bind(new DomainSocketAddress(socket.toString())).sync().channel();
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
     * Waits until no call is in flight or {@code grace} has passed (a deadline on the calls' own ends, not a poll),
     * and says whether all ended.
     */
    public boolean awaitCalls(Duration grace) throws InterruptedException {
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (inFlightLock) {
            while (inFlight > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(inFlightLock, left);
            }
        }
        return true;
    }

    /** Closes every connection (streams still following end) and the event loops. */
    @Override
    public void close() {
        stopAccepting();
        connections.close().syncUninterruptibly();
        workers.shutdownNow();
        boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
