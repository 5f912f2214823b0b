package dev.quilt.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.quilt.ports.TestTars;

import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's bounds. {@code quilt serve --request-timeout}: a connection whose request head does not come whole in
 * time (slow-loris) is closed and logged once; an attached exec start whose command is silent for longer than that
 * is never cut. A JSON body over 16 MiB is a 413 that says so; an archive upload larger than that still goes in.
 * Every wait is for an event (the server closing a connection, a line in its log, the command's output); the only
 * time involved is the server's own 1 s deadline.
 */
class ServeLimitsIT {
    @RegisterExtension
    static final ServedRoot SERVER = new ServedRoot("quilt-serve-deadline", q -> {
        Quilt.Result r = q.run("run", "-d", "--network", "none", "--name", "quiet", "-e",
                "QUILT_IT=" + q.env.get("QUILT_IT"));
        assertEquals(0, r.exit(), r.err());
    }, q -> q.run("rm", "-f", "quiet")).serving("--request-timeout", "1");

    private static SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(SERVER.served.socket()));
        return ch;
    }

    /** Everything the server sends until it closes the connection (the event; 60 s only guards a hang). */
    private static byte[] untilClosed(SocketChannel ch) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return Channels.newInputStream(ch).readAllBytes();
            } catch (IOException e) {
                return new byte[0];
            }
        }).get(60, TimeUnit.SECONDS);
    }

    @Test
    void halfAHeadIsClosedAtTheDeadlineAndLoggedOnce() throws Exception {
        try (SocketChannel loris = connect()) {
            OutputStream out = Channels.newOutputStream(loris);
            for (String part : List.of("GET /v1.41/containers/", "json HTTP/1.1\r\n", "Host: quilt\r\nX-Slow: ")) {
                out.write(part.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
            assertEquals(0, untilClosed(loris).length, "closed, nothing answered");
        }
        assertTrue(SERVER.served.awaitLog("no whole request head came within 1s of the connection's start or its"
                + " last answer", 60), SERVER.served.log());
        assertEquals(200, SERVER.api.get("/_ping").status(), "the server goes on serving");
    }

    /**
     * An attached exec whose command says nothing until its stdin brings a line: a connection opened after the
     * start, sending nothing, is closed by its deadline first (so the exec's, older, has outlived its own), then
     * the line goes in and the command's answer and exit code come back on the stream that was never cut.
     */
    @Test
    void aSilentAttachedExecStreamIsNeverCut() throws Exception {
        ApiClient.Response made = SERVER.api.post("/v1.41/containers/quiet/exec", Map.of("Cmd",
                List.of("sh", "-c", "read line; echo got $line; exit 4"), "AttachStdin", true, "AttachStdout", true,
                "AttachStderr", true));
        assertEquals(201, made.status(), made.text());
        String id = made.json().get("Id").asText();
        try (ApiClient.Open o = SERVER.api.hijack("/v1.41/exec/" + id + "/start", Map.of("Detach", false))) {
            assertEquals(101, o.status);
            try (SocketChannel witness = connect()) {
                untilClosed(witness);
            }
            o.out.write("hello\n".getBytes(StandardCharsets.UTF_8));
            o.out.flush();
            StringBuilder out = new StringBuilder();
            for (ApiClient.Frame f : o.frames()) if (f.stream() == 1) out.append(f.text());
            assertEquals("got hello\n", out.toString());
        }
        ApiClient.Response inspect = SERVER.api.get("/v1.41/exec/" + id + "/json");
        assertEquals(4, inspect.json().get("ExitCode").asInt(), inspect.text());
    }

    /**
     * A 20 MiB file goes in through the archive route (a stream, no bound) and comes back whole; a create body of
     * 20 MiB is refused with 413 naming the bound, before anything is made.
     */
    @Test
    void anArchiveLargerThanTheJsonBoundGoesInAndAJsonBodyOverItIsRefused() throws Exception {
        String big = "q".repeat(20 << 20);
        byte[] tar = new TestTars().file("big.txt", big).bytes();
        ApiClient.Response put = SERVER.api.request("PUT", "/v1.41/containers/quiet/archive?path=/tmp",
                "application/x-tar", tar);
        assertEquals(200, put.status(), put.text());
        Quilt.Result size = SERVER.quilt.run("exec", "quiet", "--", "wc", "-c", "/tmp/big.txt");
        assertEquals(0, size.exit(), size.err());
        assertEquals((20 << 20) + " /tmp/big.txt", size.out().strip());

        List<String> before = SERVER.quilt.run("ps", "-a", "-q").out().lines().toList();
        ApiClient.Response create = SERVER.api.post("/v1.41/containers/create", Map.of("Image", "default",
                "Cmd", List.of("true"), "Labels", Map.of("pad", big)));
        assertEquals(413, create.status(), create.text());
        assertEquals("the request body is over 16 MiB, the most a JSON body may have; send less (files go as a tar"
                + " through PUT /containers/{id}/archive)", create.json().get("message").asText());
        assertEquals(before, SERVER.quilt.run("ps", "-a", "-q").out().lines().toList(), "nothing was made");
    }

    @Test
    void aBadValueIsRefused() throws Exception {
        Quilt.Result r = SERVER.quilt.run("serve", "--request-timeout", "-1", "--socket",
                SERVER.root.resolve("other.sock").toString());
        assertEquals(1, r.exit(), r.err());
        assertEquals("quilt: --request-timeout -1: give a number of seconds, 0 (no bound) or more\n", r.err());
    }
}
