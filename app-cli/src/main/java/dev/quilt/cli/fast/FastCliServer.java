package dev.quilt.cli.fast;

import dev.quilt.cli.serve.Background;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.LinuxPaths;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.PeerCredentials;
import io.netty.util.concurrent.GlobalEventExecutor;

import javax.inject.Inject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * The fast CLI's side of {@code quilt serve}: {@code RUN/.quilt-cli.sock}, where {@code quilt-client} hands over one
 * {@code quilt} or {@code quilt-runc} command at a time ({@link FastCall}), run here on the same engine, each call
 * with its own Dagger component and {@link dev.quilt.cli.Invocation}. Listens once the API's socket does (it is a
 * {@link Background}: the server's lock is held, so a stale socket is ours to replace) and with the same access
 * (mode 0660, the API socket's group); stops with the server, leaving calls in flight to end by themselves.
 */
public final class FastCliServer implements Background {
    /**
     * The socket's name in the root's run directory: hidden, as Quilt's own entries there are (a container's ID
     * never starts with '.'), so the state store never takes it for a container.
     */
    public static final String SOCKET = ".quilt-cli.sock";

    /** Where calls are noted: who (SO_PEERCRED), what, the exit code and how long it took. */
    interface Log {
        void call(Channel ch, FastCall.Request request, int code, long micros);

        void refused(Channel ch, String why);
    }

    private final LinuxPaths paths;
    private final PrintStream err = System.err;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private EventLoopGroup loops;
    private Channel listener;
    private Path socket;

    private final dev.quilt.cli.serve.ShutdownGrace grace;

    @Inject
    public FastCliServer(LinuxPaths paths, dev.quilt.cli.serve.ShutdownGrace grace) {
        this.paths = paths;
        this.grace = grace;
    }

    /** The socket a server for {@code paths} takes fast CLI calls on. */
    public static Path socket(LinuxPaths paths) {
        return paths.run().resolve(SOCKET);
    }

    @Override
    public void start() {
        socket = socket(paths);
        loops = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Log log = new Log() {
            @Override
            public void call(Channel ch, FastCall.Request r, int code, long micros) {
                note(ch, r.face() + " " + String.join(" ", r.args()) + " -> " + code + " " + (micros / 1000.0) + "ms");
            }

            @Override
            public void refused(Channel ch, String why) {
                note(ch, "refused: " + why);
            }
        };
        try {
            Files.deleteIfExists(socket);
            listener = new ServerBootstrap()
                    .group(loops)
                    .channel(EpollServerDomainSocketChannel.class)
                    .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                        @Override
                        protected void initChannel(EpollDomainSocketChannel ch) {
                            connections.add(ch);
                            ch.pipeline().addLast(new FastCall(paths, log, grace));
                        }
                    })
                    .bind(new DomainSocketAddress(socket.toString())).sync().channel();
            sameAccessAs(paths.run().resolve(dev.quilt.linux.state.FsStateStore.SERVER_SOCKET), socket);
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot listen on " + socket + ": "
                    + dev.quilt.linux.IoErrors.why(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QuiltException(QuiltException.Kind.SYSTEM, "interrupted while binding " + socket, e);
        }
    }

    /** Mode 0660 and the API socket's group: whoever may use one may use the other, and no one else. */
    private static void sameAccessAs(Path api, Path ours) throws IOException {
        Files.setPosixFilePermissions(ours, PosixFilePermissions.fromString("rw-rw----"));
        if (Files.exists(api)) {
            GroupPrincipal g = Files.readAttributes(api, java.nio.file.attribute.PosixFileAttributes.class).group();
            Files.getFileAttributeView(ours, PosixFileAttributeView.class).setGroup(g);
        }
    }

    private void note(Channel ch, String what) {
        String peer = "pid=? uid=? gid=?";
        if (ch instanceof EpollDomainSocketChannel d) {
            try {
                PeerCredentials c = d.peerCredentials();
                peer = "pid=" + c.pid() + " uid=" + c.uid() + " gid=" + (c.gids().length > 0 ? c.gids()[0] : -1);
            } catch (IOException e) {
                // the peer is gone: its call is still worth a line
            }
        }
        synchronized (err) {
            err.println("quilt serve: fast " + peer + " " + what);
            err.flush();
        }
    }

    @Override
    public void stop() {
        if (listener != null) listener.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
        if (loops != null) loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
        try {
            if (socket != null) Files.deleteIfExists(socket);
        } catch (IOException e) {
            // the next server replaces it under its lock
        }
    }
}
