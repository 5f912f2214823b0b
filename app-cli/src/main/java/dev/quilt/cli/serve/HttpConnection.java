package dev.quilt.cli.serve;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * One client connection: HTTP/1.1 requests one at a time (the next is not read until the last is answered), each
 * handed to a worker thread with its body streamed behind it, so the event loop never blocks. A hijacked call takes
 * the connection over: the HTTP codec is removed and raw bytes flow both ways.
 *
 * <p>The request deadline (Go's http.Server {@code ReadHeaderTimeout}, which dockerd sets to 5 minutes): while no
 * call is in flight, a whole request head must come within it of the connection's start or of its last answer, else
 * the connection is closed and the log says so once. A timer on the event loop, armed then and cancelled by the head;
 * a call in flight (a hijacked stream, logs -f, events, wait, an archive's upload or download) is never cut by it. A
 * kept-alive connection that stays idle is closed the same way (Go's {@code IdleTimeout}; dockerd keeps idle ones):
 * telling an idle one from one whose next head has begun would need the HTTP decoder's inner state, and clients
 * (docker-py's pool, Go's transport) open a new connection for one the server closed. A body read as JSON
 * ({@link ApiCall#json}) must have come whole within the same time of its head.
 */
final class HttpConnection extends ChannelInboundHandlerAdapter {
    /**
     * Set on a connection whose answer follows something (logs -f, events, stats, wait): a stopping server cuts it at
     * once. Not on a hijacked one (exec start, attach): that has the server's grace ({@link ApiServer#cancelStreams}).
     */
    static final io.netty.util.AttributeKey<Boolean> STREAMING = io.netty.util.AttributeKey.valueOf("quilt.streaming");
    static final String CODEC = "http";
    static final String CONTINUE = "continue";
    static final String HANDLER = "api";

    private final Router router;
    private final ExecutorService workers;
    private final Peer peer;
    private final RequestLog log;
    private final Calls calls;
    /** How long a head, and a JSON body after it, may take to come; null: no bound. */
    private final java.time.Duration deadline;
    /** Event loop: the timer for the next head, while no call is in flight. */
    private io.netty.util.concurrent.ScheduledFuture<?> headTimer;
    private Call current;
    /** Event loop: whether the current request's last content has come (what follows is the next request's). */
    private boolean complete;
    /** Event loop: messages of requests pipelined behind the current one, run in turn once it is answered. */
    private final java.util.ArrayDeque<Object> held = new java.util.ArrayDeque<>();
    private ChannelHandlerContext ctx;

    HttpConnection(Router router, ExecutorService workers, Peer peer, RequestLog log, Calls calls,
                   java.time.Duration deadline) {
        this.deadline = deadline == null || deadline.isZero() ? null : deadline;
        this.router = router;
        this.workers = workers;
        this.peer = peer;
        this.log = log;
        this.calls = calls;
    }

    /** Counts calls in flight, so a stopping server can wait for them (an event, not a poll). */
    interface Calls {
        void begun();

        void ended();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        awaitHead(ctx);
        ctx.fireChannelActive();
    }

    /** Event loop: no call in flight; the next head must come within the deadline. */
    private void awaitHead(ChannelHandlerContext ctx) {
        if (deadline == null || headTimer != null || !ctx.channel().isActive()) return;
        headTimer = ctx.executor().schedule(() -> {
            headTimer = null;
            if (current != null || !ctx.channel().isActive()) return; // a head came meanwhile
            log.timedOut(peer, "no whole request head came within " + seconds(deadline)
                    + " of the connection's start or its last answer");
            ctx.close();
        }, deadline.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private void headCame() {
        if (headTimer != null) {
            headTimer.cancel(false);
            headTimer = null;
        }
    }

    static String seconds(java.time.Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() / 1000.0 + "s";
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        this.ctx = ctx;
        if (msg instanceof ByteBuf raw && current != null && current.early != null) {
            // bytes the client sent after an upgrade request, before our answer: the hijacked stream's first bytes
            current.early.offer(raw);
            return;
        }
        if (current != null && complete) {
            // pipelined: decoded from the same read as the request in flight; it runs once that one is answered
            held.add(msg);
            return;
        }
        handle(ctx, msg);
    }

    /** Event loop, once a call is answered: the requests held behind it, in order, then reading again. */
    private void drain() {
        while (!held.isEmpty() && !(current != null && complete)) handle(ctx, held.poll());
        if (current == null) awaitHead(ctx);
        if (held.isEmpty() && !(current != null && complete) && ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(true);
            ctx.channel().read();
        }
    }

    private void handle(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            begin(ctx, req);
        }
        if (msg instanceof HttpContent content) {
            Call c = current;
            if (content.decoderResult().isFailure()) {
                // a body cut short (the client closed before its Content-Length) or a broken chunk: the route must
                // not act on the part that came, so its read fails instead of ending
                if (c != null) c.body.fail(new java.io.IOException("the request body is incomplete or malformed: "
                        + "send all of it, with a Content-Length or valid chunks"));
                content.release();
                ctx.close();
                return;
            }
            if (c != null) c.body.offer(content.content().retain());
            if (content instanceof LastHttpContent) {
                complete = true;
                if (c != null) {
                    c.bodyDone = true;
                    c.bodyCame();
                    // answered before its body was read, on a connection that ends: the body has now all come
                    if (c.closeAtBodyEnd) closeAfterWrites(ctx.channel());
                }
                if (c != null) c.body.end();
                // the next request waits until this one is answered (one answered already has let reading go on)
                if (c != null && !c.finished) ctx.channel().config().setAutoRead(false);
                if (c != null && c.upgrade) stopDecoding(ctx, c);
            }
            content.release();
        } else if (!(msg instanceof HttpRequest)) {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    /**
     * After an upgrade request (Docker's hijack: {@code Connection: Upgrade}, {@code Upgrade: tcp}) nothing more on
     * the connection is HTTP: a client may send stdin right behind the request, before our 101. The request decoder
     * goes at once (from inside its own decode loop, which then stops) and what it had read past the request comes
     * here as raw bytes, kept for the hijacked stream. Responses are still encoded; a route that answers without
     * hijacking ends the connection.
     */
    /**
     * Closes the connection once everything written to it has gone to the socket. A plain close would drop what
     * is still queued (Netty fails the unwritten part of its outbound buffer): the tail of a tar, a log, an exec's
     * output, when the client reads slower than we write. An empty write queued last completes after all before it.
     */
    static void closeAfterWrites(Channel channel) {
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private static void stopDecoding(ChannelHandlerContext ctx, Call c) {
        c.early = new BodyPipe(ctx.channel());
        if (ctx.pipeline().get(CODEC) instanceof io.netty.handler.codec.http.HttpServerCodec codec) {
            codec.removeInboundHandler();
        }
    }

    private void begin(ChannelHandlerContext ctx, HttpRequest req) {
        if (req.decoderResult().isFailure()) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST,
                    Unpooled.copiedBuffer("{\"message\":\"malformed HTTP request\"}\n", StandardCharsets.UTF_8));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            HttpUtil.setContentLength(r, r.content().readableBytes());
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        headCame();
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        Call call = new Call(ctx.channel(), req, uri);
        current = call;
        complete = false;
        calls.begun();
        Runnable work;
        try {
            Optional<Router.Match> m = router.find(req.method().name(), uri.path());
            if (m.isEmpty()) {
                String what = router.knows(uri.path()) ? "method not allowed" : "page not found";
                int status = router.knows(uri.path()) ? 405 : 404;
                work = () -> call.fail(new ApiException(status, what));
            } else {
                call.match = m.get();
                work = () -> call.run(m.get().handler());
            }
        } catch (ApiException e) {
            work = () -> call.fail(e);
        }
        try {
            workers.execute(work);
        } catch (RejectedExecutionException e) {
            call.fail(new ApiException(503, "the server is stopping; send the request again to the next one"));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            Call c = current;
            if (c != null && !c.finished && c.body.ended() && (c.upgrade || c.hijacked)) {
                // a connection taken over, or about to be (Docker's hijack: exec start, attach): the client's
                // half-close is its stdin's end, not a hang-up (the docker CLI shuts its side right after an exec
                // start without -i); the output still goes out whole. The hijacked stream's input ends here, or
                // at the switch if it has not come yet (both on this event loop)
                c.inputShut = true;
                BodyPipe in = c.early;
                if (in != null) in.end();
                ctx.fireUserEventTriggered(evt);
                return;
            }
            // the whole request came and its answer has begun (a stream: logs, wait, stats), then EOF: the client
            // hung up (Go's net/http, dockerd's server, cancels such a request too): closing runs the call's
            // onClose, which frees a worker following a quiet stream
            if (c == null || c.finished || (c.answered && c.body.ended())) ctx.close();
            else if (!c.body.ended()) {
                // EOF before the body's end (its Content-Length, its last chunk): cut short, never a whole body
                c.body.fail(new java.io.IOException("the request body is incomplete: the client closed before its"
                        + " end; send all of it"));
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        headCame();
        for (Object m : held) io.netty.util.ReferenceCountUtil.release(m);
        held.clear();
        Call c = current;
        if (c != null) c.connectionClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** Raw bytes of a hijacked connection, into the call's input pipe. */
    private static final class Raw extends ChannelInboundHandlerAdapter {
        private final BodyPipe in;
        private final Runnable inactive;

        Raw(BodyPipe in, Runnable inactive) {
            this.in = in;
            this.inactive = inactive;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf b) in.offer(b);
            else io.netty.util.ReferenceCountUtil.release(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) in.end();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            in.clientGone();
            inactive.run();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private final class Call implements ApiCall {
        private final Channel channel;
        private final HttpRequest req;
        private final QueryStringDecoder uri;
        private final BodyPipe body;
        /** Whether the client asked to upgrade (hijack) the connection. */
        private final boolean upgrade;
        /** Event loop: set once an upgrade request's body has ended; the raw bytes read after it. */
        private volatile BodyPipe early;
        private final long begun = System.nanoTime();
        private final List<Runnable> onClose = new ArrayList<>();
        private Router.Match match;
        private volatile boolean answered;
        private volatile boolean finished;
        /** The request's body has all come (its LastHttpContent), whether or not the route read it. */
        private volatile boolean bodyDone;
        /** The connection ends, but only once the client has sent the rest of a body the route did not read. */
        private volatile boolean closeAtBodyEnd;
        private volatile boolean hijacked;
        /** Event loop: the client shut its side before the switch to the raw stream (its stdin's end). */
        private boolean inputShut;
        private volatile boolean closed;
        private int status;
        private ChannelOut out;
        /** The timer for a JSON body to come whole ({@link #jsonBody}); cancelled at its end or the call's. */
        private volatile io.netty.util.concurrent.ScheduledFuture<?> bodyTimer;

        Call(Channel channel, HttpRequest req, QueryStringDecoder uri) {
            this.channel = channel;
            this.req = req;
            this.uri = uri;
            this.body = new BodyPipe(channel);
            this.upgrade = req.headers().contains(HttpHeaderNames.UPGRADE)
                    && req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
        }

        void run(Handler handler) {
            try {
                handler.handle(this);
                if (!answered) fail(new ApiException(500, "internal error: the route gave no answer; report it"));
            } catch (Throwable e) {
                if (!answered) fail(e);
                else if (out != null) out.close();
            } finally {
                // a route's answer ends with the route: a stream or a hijacked connection it left open is closed
                if (out != null && !out.closed()) out.close();
                if (out == null) finish();
            }
        }

        void fail(Throwable e) {
            ApiException a = ApiException.of(e);
            if (a.status() >= 500 && !(e instanceof ApiException)) log.fault(peer, req.method().name(), req.uri(), e);
            if (answered) return;
            reply(a.status(), Map.of("message", a.getMessage() == null ? "" : a.getMessage()));
            finish();
        }

        /** Event loop: the body's last content came. */
        void bodyCame() {
            io.netty.util.concurrent.ScheduledFuture<?> t = bodyTimer;
            if (t != null) t.cancel(false);
        }

        private void finish() {
            if (finished) return;
            finished = true;
            bodyCame();
            body.close();
            BodyPipe unused = early;
            if (unused != null && !hijacked) unused.close();
            log.answered(peer, req.method().name(), req.uri(), status, (System.nanoTime() - begun) / 1000);
            calls.ended();
            if (hijacked) return;
            // a body cut short leaves the connection's bytes out of step with HTTP: it ends with this answer
            if (upgrade || !HttpUtil.isKeepAlive(req) || !channel.isActive() || body.failed()) {
                if (!upgrade && !bodyDone && !body.failed() && channel.isActive()) {
                    // a route that answered without reading the body (a 404 to an archive PUT): closing now would
                    // reset a client still sending it (EPIPE); its rest is read and dropped, then the connection ends
                    channel.eventLoop().execute(() -> {
                        closeAtBodyEnd = true;
                        if (bodyDone) closeAfterWrites(channel);
                        else {
                            channel.config().setAutoRead(true);
                            channel.read();
                            // the call is over: the rest it did not read must come within the deadline too
                            if (deadline != null) channel.eventLoop().schedule(() -> {
                                if (bodyDone || !channel.isActive()) return;
                                log.timedOut(peer, req.method().name() + " " + req.uri() + ": the rest of its body"
                                        + " did not come within " + seconds(deadline) + " of its answer");
                                channel.close();
                            }, deadline.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
                        }
                    });
                    return;
                }
                closeAfterWrites(channel);
                return;
            }
            channel.eventLoop().execute(() -> {
                if (current == this) current = null;
                drain();
            });
        }

        void connectionClosed() {
            List<Runnable> run;
            synchronized (onClose) {
                closed = true;
                run = new ArrayList<>(onClose);
                onClose.clear();
            }
            body.clientGone();
            for (Runnable r : run) r.run();
            if (!finished && answered) {
                // a stream or hijack that ends with the connection
                if (out != null) out.close();
            }
        }

        private void headers(HttpResponse r) {
            r.headers().set("Api-Version", Router.API_VERSION);
            r.headers().set("Docker-Experimental", "true"); // the checkpoint API (issue 16): the docker CLI shows `checkpoint` only then
            r.headers().set("Ostype", "linux");
            r.headers().set(HttpHeaderNames.SERVER, "Quilt (linux)");
            if (HttpUtil.isKeepAlive(req)) r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }

        private synchronized void answer(int status) {
            if (answered) throw new IllegalStateException("the call was answered already");
            answered = true;
            this.status = status;
        }

        @Override
        public String method() {
            return req.method().name();
        }

        @Override
        public String path() {
            String p = uri.path();
            java.util.regex.Matcher v = java.util.regex.Pattern.compile("^/v\\d+\\.\\d+(/.*)$").matcher(p);
            return v.matches() ? v.group(1) : p;
        }

        @Override
        public String version() {
            return match == null ? Router.API_VERSION : match.version();
        }

        @Override
        public String param(String name) {
            String v = match == null ? null : match.params().get(name);
            if (v == null) throw new IllegalArgumentException("no path parameter " + name);
            return QueryStringDecoder.decodeComponent(v);
        }

        @Override
        public Optional<String> query(String name) {
            List<String> v = uri.parameters().get(name);
            return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
        }

        @Override
        public List<String> queries(String name) {
            List<String> v = uri.parameters().get(name);
            return v == null ? List.of() : List.copyOf(v);
        }

        @Override
        public Optional<String> header(String name) {
            return Optional.ofNullable(req.headers().get(name));
        }

        @Override
        public Peer peer() {
            return peer;
        }

        @Override
        public InputStream body() {
            return body;
        }

        /**
         * The body, which must come whole within the deadline of its head's arrival (Go's {@code ReadTimeout}): past
         * it the read fails and the connection is closed, logged once. A route streaming a body ({@link #body()}: an
         * archive, an image) has no such bound.
         */
        @Override
        public InputStream jsonBody() {
            if (deadline != null && !bodyDone) {
                long left = begun + deadline.toNanos() - System.nanoTime();
                bodyTimer = channel.eventLoop().schedule(() -> {
                    if (bodyDone || finished || !channel.isActive()) return;
                    log.timedOut(peer, req.method().name() + " " + req.uri() + ": its body did not come whole within "
                            + seconds(deadline) + " of its head");
                    body.fail(new IOException("the request body did not come whole within " + seconds(deadline)
                            + "; send it at once"));
                    channel.close();
                }, Math.max(0, left), java.util.concurrent.TimeUnit.NANOSECONDS);
                if (bodyDone) bodyCame(); // it came as the timer was set
            }
            return body;
        }

        @Override
        public void reply(int status, Object json) {
            byte[] b;
            try {
                b = ApiJson.MAPPER.writeValueAsBytes(json);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            byte[] withNewline = java.util.Arrays.copyOf(b, b.length + 1);
            withNewline[b.length] = '\n';
            replyBytes(status, "application/json", withNewline, Map.of());
        }

        @Override
        public void replyEmpty(int status) {
            replyBytes(status, null, new byte[0], Map.of());
        }

        @Override
        public void replyBytes(int status, String contentType, byte[] bytes, Map<String, String> extra) {
            answer(status);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                    Unpooled.wrappedBuffer(bytes));
            headers(r);
            if (contentType != null) r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            extra.forEach((k, v) -> r.headers().set(k, v));
            if (status != 204 && status != 304) HttpUtil.setContentLength(r, bytes.length);
            channel.writeAndFlush(r);
        }

        @Override
        public OutputStream stream(int status, String contentType, Map<String, String> extra) {
            answer(status);
            channel.attr(STREAMING).set(Boolean.TRUE);
            HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
            headers(r);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            extra.forEach((k, v) -> r.headers().set(k, v));
            HttpUtil.setTransferEncodingChunked(r, true);
            channel.writeAndFlush(r);
            out = new ChannelOut(channel, true, () -> {
                channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                finish();
            });
            return out;
        }

        @Override
        public Hijacked hijack(String contentType) {
            hijacked = true; // before the answer: the event loop that sees it answered sees it hijacked
            answer(req.headers().contains(HttpHeaderNames.UPGRADE) ? 101 : 200);
            boolean upgrade = status == 101;
            HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                    upgrade ? new HttpResponseStatus(101, "UPGRADED") : HttpResponseStatus.OK);
            headers(r);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            if (upgrade) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
                r.headers().set(HttpHeaderNames.UPGRADE, "tcp");
            } else {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            java.util.concurrent.CompletableFuture<BodyPipe> switched = new java.util.concurrent.CompletableFuture<>();
            out = new ChannelOut(channel, false, () -> {
                switched.join().close();
                closeAfterWrites(channel);
                finish();
            }, true);
            ChannelOut head = out;
            channel.eventLoop().execute(() -> {
                // the bytes read past an upgrade request are the stream's first (see stopDecoding)
                BodyPipe in = early != null ? early : new BodyPipe(channel);
                if (inputShut) in.end(); // the client's half-close came before this switch
                // the stream's bytes go straight to the socket after this head (ChannelOut's direct writes)
                head.holdUntilHeadRead();
                channel.writeAndFlush(r).addListener(f -> switched.complete(in));
                ChannelPipeline p = channel.pipeline();
                p.addLast("raw", new Raw(in, this::connectionClosed));
                if (p.get(CONTINUE) != null) p.remove(CONTINUE);
                p.remove(HANDLER);
                p.remove(CODEC); // what it had read past the request goes on to Raw
                // a client that has shut its side has nothing more to read: asking epoll for input again would fail
                // (the kernel forgot the interest), and that failure would close the stream the output goes to
                if (!inputShut && !(channel instanceof io.netty.channel.socket.DuplexChannel d && d.isInputShutdown())) {
                    channel.config().setAutoRead(true);
                    channel.read();
                }
            });
            // not waited for here: the caller goes on (an exec spawns its command) while the loop switches; its
            // first in() or out() waits for the switch, so nothing is written through a pipeline still being changed
            ChannelOut o = out;
            return new Hijacked() {
                @Override
                public InputStream in() {
                    return switched.join();
                }

                @Override
                public OutputStream out() {
                    switched.join();
                    return o;
                }

                @Override
                public void close() {
                    o.close();
                }
            };
        }

        @Override
        public boolean replied() {
            return answered;
        }

        @Override
        public boolean open() {
            return channel.isActive() && !closed;
        }

        @Override
        public void onClose(Runnable r) {
            synchronized (onClose) {
                if (!closed) {
                    onClose.add(r);
                    return;
                }
            }
            r.run();
        }
    }
}
