package dev.quilt.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quilt.domain.QuiltException;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's core in this JVM, on a unix socket of a temp dir, with routes made for the test: what a client sees
 * on the wire (keep-alive, malformed requests, query parsing, errors), and what the server holds (a streamed body's
 * window, a worker freed when its client hangs up, 200 calls in flight at once, a hijacked stream's first bytes).
 * No root needed; no timing asserted (deadlines only guard against a hang).
 */
class ApiServerTest {
    private static final long MB = 1 << 20;

    private Path dir;
    private Path socket;
    private ApiServer server;
    private Router router;
    private RequestLog requestLog;
    /** A second server on the same routes with a short request deadline, when a test makes one. */
    private ApiServer deadlined;
    private final List<String> logged = java.util.Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch freed = new CountDownLatch(2);
    private final CountDownLatch together = new CountDownLatch(200);
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch waiting = new CountDownLatch(200);
    private final CountDownLatch unblock = new CountDownLatch(1);

    /** How many bodies {@code /t/json} parsed: a route that acts on a body must never see one cut short. */
    private final java.util.concurrent.atomic.AtomicInteger parsed = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeEach
    void up() throws Exception {
        dir = Files.createTempDirectory("quilt-api-server-test");
        socket = dir.resolve("api.sock");
        router = new Router();
        SystemRoutesFree.register(router);
        router.add("GET", "/t/flags", call -> call.reply(200, Map.of("flag", call.flag("f", false),
                "number", call.number("n", -1))));
        router.add("GET", "/t/fail/{kind}", call -> {
            switch (call.param("kind")) {
                case "missing" -> throw QuiltException.notFound("no such container: nope");
                case "busy" -> throw QuiltException.conflict("container 'web' is running; stop it first");
                default -> throw new NullPointerException("Cannot invoke \\\"Object.toString()\\\"");
            }
        });
        router.add("GET", "/t/silent", call -> {});
        router.add("POST", "/t/json", call -> {
            call.json();
            parsed.incrementAndGet();
            call.replyEmpty(204);
        });
        router.add("POST", "/t/count", this::count);
        router.add("POST", "/t/hijack", call -> {
            int n = (int) call.number("n", 0);
            try (Hijacked h = call.hijack("application/vnd.docker.raw-stream")) {
                byte[] got = h.in().readNBytes(n);
                h.out().write(got);
            }
        });
        router.add("GET", "/t/follow", call -> {
            // a follower that waits for an event (here: none but the hang-up) between writes
            OutputStream out = call.stream(200, "application/json", Map.of());
            out.write("{\"first\":true}\n".getBytes(StandardCharsets.UTF_8));
            CountDownLatch gone = new CountDownLatch(1);
            call.onClose(gone::countDown);
            if (!gone.await(60, TimeUnit.SECONDS)) return;
            try {
                out.write("{\"after\":true}\n".getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                freed.countDown();
            }
        });
        router.add("GET", "/t/flood", call -> {
            // a producer that writes as fast as it may: the hang-up ends it through a failed write
            OutputStream out = call.stream(200, "application/octet-stream", Map.of());
            byte[] line = ("x".repeat(1023) + "\n").getBytes(StandardCharsets.UTF_8);
            try {
                for (int i = 0; i < 10_000_000; i++) out.write(line);
            } catch (IOException e) {
                freed.countDown();
            }
        });
        router.add("GET", "/t/together", call -> {
            together.countDown();
            boolean all = together.await(120, TimeUnit.SECONDS);
            call.reply(all ? 200 : 500, Map.of("together", all));
        });
        router.add("GET", "/t/wait", call -> { // as docker's wait: held until what it follows happens
            waiting.countDown();
            call.reply(unblock.await(120, TimeUnit.SECONDS) ? 200 : 500, Map.of("StatusCode", 0));
        });
        router.add("GET", "/t/hold", call -> {
            entered.countDown();
            call.reply(release.await(60, TimeUnit.SECONDS) ? 200 : 500, Map.of());
        });
        requestLog = new RequestLog() {
            @Override
            public void answered(Peer peer, String method, String uri, int status, long micros) {
                logged.add(peer + " " + method + " " + uri + " " + status);
            }

            @Override
            public void fault(Peer peer, String method, String uri, Throwable e) {
                logged.add("fault " + method + " " + uri + " " + e.getClass().getSimpleName());
            }

            @Override
            public void timedOut(Peer peer, String what) {
                logged.add("timed out: " + what);
            }
        };
        server = new ApiServer(router, requestLog, 2);
        server.bind(socket);
    }

    /** The system routes need the engine; a ping of our own keeps this test free of it. */
    private static final class SystemRoutesFree {
        static void register(Router r) {
            r.add("GET", "/_ping", call -> call.replyBytes(200, "text/plain", "OK".getBytes(StandardCharsets.UTF_8),
                    Map.of()));
        }
    }

    @AfterEach
    void down() throws Exception {
        if (deadlined != null) {
            deadlined.close();
            Files.deleteIfExists(dir.resolve("short.sock"));
        }
        server.close();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }

    private void count(ApiCall call) throws Exception {
        BodyPipe body = (BodyPipe) call.body();
        // the route does not read until the pipe holds more than its window: the client is then held back
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        synchronized (body) {
            while (body.available() <= BodyPipe.HIGH && !body.ended()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                TimeUnit.NANOSECONDS.timedWait(body, left);
            }
        }
        long total = 0, maxBuffered = 0, maxDirect = 0;
        byte[] b = new byte[8192];
        for (int n = body.read(b); n >= 0; n = body.read(b)) {
            total += n;
            maxBuffered = Math.max(maxBuffered, body.available());
            maxDirect = Math.max(maxDirect, PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory());
        }
        call.reply(200, Map.of("bytes", total, "maxBuffered", maxBuffered, "maxDirect", maxDirect));
    }

    // --- a bare client ---------------------------------------------------------------------------------------

    record Response(int status, Map<String, String> headers, byte[] body) {
        JsonNode json() throws IOException {
            return ApiJson.MAPPER.readTree(body);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return ch;
    }

    private static void send(SocketChannel ch, String text) throws IOException {
        OutputStream out = Channels.newOutputStream(ch);
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r') b.write(c);
        }
        if (c < 0 && b.size() == 0) return null;
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static Map<String, String> headers(InputStream in) throws IOException {
        Map<String, String> h = new LinkedHashMap<>();
        for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
            int colon = l.indexOf(':');
            h.put(l.substring(0, colon).strip().toLowerCase(Locale.ROOT), l.substring(colon + 1).strip());
        }
        return h;
    }

    /** Reads one response with a Content-Length body (what replies send). */
    private static Response read(InputStream in) throws IOException {
        String status = line(in);
        if (status == null) throw new IOException("the server closed the connection");
        Map<String, String> h = headers(in);
        int len = Integer.parseInt(h.getOrDefault("content-length", "0"));
        return new Response(Integer.parseInt(status.substring(9, 12)), h, in.readNBytes(len));
    }

    private Response get(String path) throws IOException {
        try (SocketChannel ch = connect()) {
            send(ch, "GET " + path + " HTTP/1.1\r\nHost: quilt\r\nConnection: close\r\n\r\n");
            return read(Channels.newInputStream(ch));
        }
    }

    // --- the tests --------------------------------------------------------------------------------------------

    @Test
    void flagsAndNumbersAreReadAsDockerReadsThem() throws Exception {
        assertEquals(false, get("/t/flags").json().get("flag").asBoolean());
        for (String yes : List.of("1", "true", "TRUE", "True")) {
            assertTrue(get("/t/flags?f=" + yes).json().get("flag").asBoolean(), yes);
        }
        for (String no : List.of("0", "false", "")) {
            assertFalse(get("/t/flags?f=" + no).json().get("flag").asBoolean(), no);
        }
        Response bad = get("/t/flags?f=maybe");
        assertEquals(400, bad.status());
        assertEquals("invalid value for f: 'maybe' is not a boolean", bad.json().get("message").asText());
        assertEquals(-1, get("/t/flags").json().get("number").asLong());
        assertEquals(-1, get("/t/flags?n=").json().get("number").asLong());
        assertEquals(42, get("/t/flags?n=42").json().get("number").asLong());
        assertEquals(-7, get("/t/flags?n=-7").json().get("number").asLong());
        Response nan = get("/t/flags?n=4x");
        assertEquals(400, nan.status());
        assertEquals("invalid value for n: '4x' is not an integer", nan.json().get("message").asText());
    }

    @Test
    void failuresAreDockerShapedWithTheRightStatusAndNoJavaText() throws Exception {
        Response missing = get("/v1.41/t/fail/missing");
        assertEquals(404, missing.status());
        assertEquals("no such container: nope", missing.json().get("message").asText());
        assertEquals("application/json", missing.headers().get("content-type"));
        assertEquals(409, get("/t/fail/busy").status());
        Response npe = get("/t/fail/npe");
        assertEquals(500, npe.status());
        assertFalse(npe.text().contains("Object.toString"), npe.text());
        assertTrue(server.awaitCalls(java.time.Duration.ofSeconds(60)));
        assertTrue(logged.contains("fault GET /t/fail/npe NullPointerException"), "the log has the fault: " + logged);
        assertFalse(logged.stream().anyMatch(l -> l.startsWith("fault GET /v1.41/t/fail/missing")),
                "a refusal is no fault: " + logged);
        Response silent = get("/t/silent");
        assertEquals(500, silent.status());
        assertTrue(silent.json().get("message").asText().contains("no answer"), silent.text());
        assertEquals(404, get("/no/such/path").status());
        Response wrongMethod;
        try (SocketChannel ch = connect()) {
            send(ch, "DELETE /t/flags HTTP/1.1\r\nHost: quilt\r\nConnection: close\r\n\r\n");
            wrongMethod = read(Channels.newInputStream(ch));
        }
        assertEquals(405, wrongMethod.status());
        assertEquals("1.41", missing.headers().get("api-version"));
    }

    @Test
    void malformedHttpIsA400AndTheConnectionIsClosed() throws Exception {
        for (String bad : List.of("NOT HTTP AT ALL\r\n\r\n",
                "GET /_ping HTTP/1.1\r\nHost: quilt\r\nContent-Length: many\r\n\r\n",
                "GET /_ping HTTP/1.1\r\nHost: quilt\r\nX-Long: " + "a".repeat(20_000) + "\r\n\r\n")) {
            try (SocketChannel ch = connect()) {
                send(ch, bad);
                InputStream in = Channels.newInputStream(ch);
                Response r = read(in);
                assertEquals(400, r.status(), bad.substring(0, Math.min(40, bad.length())) + ": " + r.text());
                assertEquals("malformed HTTP request", r.json().get("message").asText());
                assertEquals(-1, in.read(), "the connection is closed after a malformed request");
            }
        }
        assertEquals(200, get("/_ping").status(), "the server goes on serving");
    }

    /**
     * A body cut short (the client closed before its Content-Length: 19 of 100 bytes, which parse as JSON) or a
     * broken chunk is never handed to the route as a whole body: the fresh user's truncated create made a container.
     */
    @Test
    void aBodyCutShortOrBadlyChunkedIsNeverParsed() throws Exception {
        for (String bad : List.of(
                "POST /t/json HTTP/1.1\r\nHost: quilt\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                        + "{\"Image\":\"default\"}",
                "POST /t/json HTTP/1.1\r\nHost: quilt\r\nContent-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n")) {
            try (SocketChannel ch = connect()) {
                send(ch, bad);
                ch.shutdownOutput();
                InputStream in = Channels.newInputStream(ch);
                in.readAllBytes(); // whatever comes, until the server closes the connection
            }
        }
        // a whole body on another connection is parsed: the server went on, and the count is only that one
        try (SocketChannel ch = connect()) {
            send(ch, "POST /t/json HTTP/1.1\r\nHost: quilt\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                    + "Connection: close\r\n\r\n{}");
            assertEquals(204, read(Channels.newInputStream(ch)).status());
        }
        assertEquals(1, parsed.get(), "only the whole body was parsed");
    }

    @Test
    void keepAliveServesSeveralRequestsOnOneConnectionInOrder() throws Exception {
        try (SocketChannel ch = connect()) {
            InputStream in = Channels.newInputStream(ch);
            for (int i = 0; i < 5; i++) {
                send(ch, "GET /t/flags?n=" + i + " HTTP/1.1\r\nHost: quilt\r\n\r\n");
                Response r = read(in);
                assertEquals(200, r.status());
                assertEquals(i, r.json().get("number").asLong());
                assertEquals("keep-alive", r.headers().get("connection"));
            }
            // pipelined: fifty requests in one write, answered one after the other, in order
            StringBuilder many = new StringBuilder();
            for (int i = 100; i < 150; i++) many.append("GET /t/flags?n=").append(i).append(" HTTP/1.1\r\nHost: quilt\r\n\r\n");
            send(ch, many.toString());
            for (int i = 100; i < 150; i++) assertEquals(i, read(in).json().get("number").asLong());
            // a body the route refused without reading it does not stall the next request
            send(ch, "GET /t/flags?f=maybe HTTP/1.1\r\nHost: quilt\r\nContent-Length: 5\r\n\r\nhello");
            assertEquals(400, read(in).status());
            send(ch, "GET /t/flags?n=12 HTTP/1.1\r\nHost: quilt\r\n\r\n");
            assertEquals(12, read(in).json().get("number").asLong());
        }
    }

    /**
     * A JSON body over {@link ApiCall#JSON_LIMIT} is a 413 that names the bound, whether its Content-Length says so
     * (answered before the body is read: the rest is read and dropped, and the connection serves the next request) or
     * it comes chunked and is found out as it is read; it is never parsed. The fresh user's 50 MB body got "not valid
     * JSON" (Jackson's cap on one string).
     */
    @Test
    void aJsonBodyOverItsBoundIsA413ThatNamesIt() throws Exception {
        long size = 50 * MB;
        try (SocketChannel ch = connect()) {
            InputStream in = Channels.newInputStream(ch);
            send(ch, "POST /t/json HTTP/1.1\r\nHost: quilt\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + size + "\r\n\r\n");
            Response r = bodyOfZeros(ch, in, size);
            assertEquals(413, r.status(), r.text());
            assertEquals("the request body is over 16 MiB, the most a JSON body may have; send less (files go as a tar"
                    + " through PUT /containers/{id}/archive)", r.json().get("message").asText());
            send(ch, "GET /t/flags?n=7 HTTP/1.1\r\nHost: quilt\r\nConnection: close\r\n\r\n");
            assertEquals(7, read(in).json().get("number").asLong(), "the connection serves the next request");
        }
        try (SocketChannel ch = connect()) {
            InputStream in = Channels.newInputStream(ch);
            send(ch, "POST /t/json HTTP/1.1\r\nHost: quilt\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n");
            CompletableFuture<Response> answer = CompletableFuture.supplyAsync(() -> {
                try {
                    return read(in);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            byte[] data = ("[" + "1,".repeat((int) MB / 2 - 1) + "1]").getBytes(StandardCharsets.US_ASCII);
            OutputStream out = Channels.newOutputStream(ch);
            try {
                for (int i = 0; i < 17; i++) {
                    out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(data);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException closed) {
                // the server may end the connection once it has answered: what matters is its answer
            }
            Response r = answer.get(300, TimeUnit.SECONDS);
            assertEquals(413, r.status(), r.text());
            assertTrue(r.json().get("message").asText().startsWith("the request body is over 16 MiB"), r.text());
        }
        assertEquals(0, parsed.get(), "no body over the bound was parsed");
    }

    @Test
    void aHundredMegabyteBodyStreamsThroughABoundedWindow() throws Exception {
        long size = 100 * MB;
        try (SocketChannel ch = connect()) {
            send(ch, "POST /t/count HTTP/1.1\r\nHost: quilt\r\nConnection: close\r\nContent-Type: application/x-tar\r\n"
                    + "Content-Length: " + size + "\r\n\r\n");
            Response r = bodyOfZeros(ch, Channels.newInputStream(ch), size);
            assertEquals(200, r.status(), r.text());
            JsonNode j = r.json();
            assertEquals(size, j.get("bytes").asLong());
            // the pipe held at most its window plus what one read of the socket brings
            assertTrue(j.get("maxBuffered").asLong() <= BodyPipe.HIGH + 4 * MB, j.toString());
            assertTrue(j.get("maxDirect").asLong() <= 32 * MB, j.toString());
        }
    }

    @Test
    void bytesSentRightBehindAnUpgradeRequestReachTheHijackedStream() throws Exception {
        byte[] early = new byte[300_000];
        new java.util.Random(15).nextBytes(early);
        for (int round = 0; round < 20; round++) {
            try (SocketChannel ch = connect()) {
                String body = "{\"Detach\":false,\"Tty\":false}";
                String req = "POST /v1.41/t/hijack?n=" + early.length + " HTTP/1.1\r\nHost: quilt\r\n"
                        + "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length() + "\r\n\r\n" + body;
                // the request, its body and the stream's first bytes in one write, before any answer
                byte[] head = req.getBytes(StandardCharsets.ISO_8859_1);
                byte[] all = new byte[head.length + early.length];
                System.arraycopy(head, 0, all, 0, head.length);
                System.arraycopy(early, 0, all, head.length, early.length);
                CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                    try {
                        OutputStream out = Channels.newOutputStream(ch);
                        out.write(all);
                        out.flush();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                InputStream in = Channels.newInputStream(ch);
                String status = line(in);
                assertEquals("HTTP/1.1 101 UPGRADED", status);
                Map<String, String> h = headers(in);
                assertEquals("tcp", h.get("upgrade"));
                assertArrayEquals(early, in.readNBytes(early.length), "round " + round);
                assertEquals(-1, in.read(), "the route closed the stream");
                sent.get(60, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void anUpgradeRequestARouteRefusesGetsItsErrorAndTheConnectionEnds() throws Exception {
        Response r;
        try (SocketChannel ch = connect()) {
            send(ch, "POST /t/flags?f=maybe HTTP/1.1\r\nHost: quilt\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
                    + "Content-Length: 0\r\n\r\nstdin bytes");
            InputStream in = Channels.newInputStream(ch);
            r = read(in);
            assertEquals(-1, in.read());
        }
        assertEquals(405, r.status());
    }

    @Test
    void aClientThatHangsUpMidStreamFreesItsWorker() throws Exception {
        for (String path : List.of("/t/follow", "/t/flood")) {
            try (SocketChannel ch = connect()) {
                send(ch, "GET " + path + " HTTP/1.1\r\nHost: quilt\r\n\r\n");
                InputStream in = Channels.newInputStream(ch);
                assertEquals("HTTP/1.1 200 OK", line(in));
                headers(in);
                assertTrue(line(in) != null, "a chunk arrives");
            }
        }
        assertTrue(freed.await(60, TimeUnit.SECONDS), "both routes ended when their client hung up");
        assertTrue(server.awaitCalls(java.time.Duration.ofSeconds(60)), "no call is left in flight");
    }

    @Test
    void twoHundredConcurrentConnectionsAreAllInFlightAtOnceAndAnswered() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(200);
        try {
            List<Future<Response>> answers = new ArrayList<>();
            for (int i = 0; i < 200; i++) answers.add(clients.submit(() -> get("/t/together")));
            for (Future<Response> f : answers) {
                Response r = f.get(180, TimeUnit.SECONDS);
                assertEquals(200, r.status(), r.text());
            }
        } finally {
            clients.shutdownNow();
        }
        assertEquals(0, together.getCount());
    }

    @Test
    void twoHundredBlockedWaitsDoNotStarveAPing() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(200);
        try {
            List<Future<Response>> waits = new ArrayList<>();
            for (int i = 0; i < 200; i++) waits.add(clients.submit(() -> get("/t/wait")));
            assertTrue(waiting.await(180, TimeUnit.SECONDS), "all 200 are held by their routes at once");
            Response ping = get("/_ping");
            assertEquals(200, ping.status(), "a short call is answered while 200 long ones hold their workers");
            assertEquals(1, unblock.getCount(), "and none of them had ended");
            unblock.countDown();
            for (Future<Response> f : waits) assertEquals(200, f.get(180, TimeUnit.SECONDS).status());
        } finally {
            unblock.countDown();
            clients.shutdownNow();
        }
    }

    @Test
    void theRequestLogNamesThePeer() throws Exception {
        get("/_ping");
        assertTrue(server.awaitCalls(java.time.Duration.ofSeconds(60)));
        String me = "pid=" + ProcessHandle.current().pid() + " uid=";
        assertTrue(logged.stream().anyMatch(l -> l.startsWith(me) && l.endsWith("GET /_ping 200")), logged.toString());
    }

    @Test
    void stoppingWaitsForACallInFlightThenRefusesNewClients() throws Exception {
        CompletableFuture<Response> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return get("/t/hold");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertTrue(entered.await(60, TimeUnit.SECONDS));
        server.stopAccepting();
        assertFalse(server.awaitCalls(java.time.Duration.ZERO), "the call is in flight");
        assertTrue(!Files.exists(socket) || refused(), "no new client gets in");
        release.countDown();
        assertTrue(server.awaitCalls(java.time.Duration.ofSeconds(60)));
        assertEquals(200, slow.get(60, TimeUnit.SECONDS).status());
    }

    // --- the request deadline (Go's ReadHeaderTimeout) --------------------------------------------------------------

    /** A connection to a server of these routes whose request deadline is {@code millis}. */
    private SocketChannel connectDeadlined(long millis) throws Exception {
        if (deadlined == null) {
            deadlined = new ApiServer(router, requestLog, 2);
            deadlined.requestDeadline(java.time.Duration.ofMillis(millis));
            deadlined.bind(dir.resolve("short.sock"));
        }
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(dir.resolve("short.sock")));
        return ch;
    }

    /** Reads until the server closes the connection (the event waited for; the read's own bound is the test's). */
    private static byte[] untilClosed(SocketChannel ch) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Channels.newInputStream(ch).readAllBytes();
            } catch (IOException e) {
                return new byte[0]; // reset: closed too
            }
        }).get(60, TimeUnit.SECONDS);
    }

    /**
     * A client that sends nothing, or half a head a few bytes at a time, or half a JSON body, is closed at the
     * deadline and the log says so once; no route ever saw its request.
     */
    @Test
    void aHeadOrJsonBodyThatDoesNotComeWholeIsClosedAtTheDeadline() throws Exception {
        try (SocketChannel silent = connectDeadlined(300)) {
            assertEquals(0, untilClosed(silent).length, "nothing is answered");
        }
        try (SocketChannel loris = connectDeadlined(300)) {
            for (String part : List.of("GE", "T /_p", "ing HT", "TP/1.1\r\nHo")) send(loris, part);
            assertEquals(0, untilClosed(loris).length);
        }
        try (SocketChannel half = connectDeadlined(300)) {
            send(half, "POST /t/json HTTP/1.1\r\nHost: quilt\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 10\r\n\r\n{\"a\"");
            untilClosed(half);
        }
        try (SocketChannel rest = connectDeadlined(300)) {
            // answered without its body being read (a refusal), on a connection that ends: the rest must still come
            send(rest, "GET /t/flags?f=maybe HTTP/1.1\r\nHost: quilt\r\nConnection: close\r\nContent-Length: 100\r\n"
                    + "\r\nten bytes!");
            assertEquals(400, read(Channels.newInputStream(rest)).status());
            untilClosed(rest);
        }
        assertTrue(logged.stream().anyMatch(l -> l.equals("timed out: GET /t/flags?f=maybe: the rest of its body did not"
                + " come within 0.3s of its answer")), logged.toString());
        assertEquals(0, parsed.get(), "the half body was never parsed");
        assertEquals(2, logged.stream().filter(l -> l.startsWith("timed out: no whole request head came within 0.3s"))
                .count(), logged.toString());
        assertTrue(logged.stream().anyMatch(l -> l.equals("timed out: POST /t/json: its body did not come whole within"
                + " 0.3s of its head")), logged.toString());
    }

    /**
     * A call in flight is never cut by the deadline, however long it takes (as wait, logs -f, a hijacked stream):
     * a witness connection opened after it, which sends nothing, is closed by its own deadline first, so the call's
     * connection, older, has outlived its own; then the call is answered on it, and the kept-alive connection serves
     * the next request. Idle after that answer, it is closed at the deadline too (Go's IdleTimeout).
     */
    @Test
    void aCallInFlightIsNeverCutAndAnIdleConnectionIsClosedAtTheDeadline() throws Exception {
        try (SocketChannel held = connectDeadlined(300)) {
            InputStream in = Channels.newInputStream(held);
            send(held, "GET /t/hold HTTP/1.1\r\nHost: quilt\r\n\r\n");
            assertTrue(entered.await(60, TimeUnit.SECONDS));
            try (SocketChannel witness = connectDeadlined(300)) {
                untilClosed(witness);
            }
            release.countDown();
            assertEquals(200, read(in).status(), "the held call was answered");
            send(held, "GET /t/flags?n=3 HTTP/1.1\r\nHost: quilt\r\n\r\n");
            assertEquals(3, read(in).json().get("number").asLong());
            assertEquals(0, untilClosed(held).length, "idle after its answers, it is closed");
        }
    }

    private boolean refused() {
        try (SocketChannel ch = connect()) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** Sends {@code size} zero bytes in 1 MiB writes while the answer is read from {@code in} beside them. */
    private static Response bodyOfZeros(java.nio.channels.WritableByteChannel ch, java.io.InputStream in, long size)
            throws Exception {
        CompletableFuture<Response> answer = CompletableFuture.supplyAsync(() -> {
            try {
                return read(in);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        java.nio.ByteBuffer chunk = java.nio.ByteBuffer.allocate((int) MB);
        for (long sent = 0; sent < size; sent += MB) {
            chunk.clear();
            while (chunk.hasRemaining()) ch.write(chunk);
        }
        return answer.get(300, TimeUnit.SECONDS);
    }
}
