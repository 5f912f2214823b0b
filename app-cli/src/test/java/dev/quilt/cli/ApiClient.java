package dev.quilt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A bare HTTP/1.1 client of {@code quilt serve} for tests: one connection per request ({@code Connection: close}),
 * chunked bodies decoded, streams read as they come, and Docker's hijack (101 UPGRADED, then raw bytes both ways).
 * Tests of real clients (docker-py, the docker CLI) live elsewhere; this one checks the wire.
 */
final class ApiClient {
    static final ObjectMapper JSON = new ObjectMapper();

    private final Path socket;

    ApiClient(Path socket) {
        this.socket = socket;
    }

    record Response(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        /** A header's value; names are matched in lower case. */
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** One frame of Docker's multiplexed stream: 1 stdout, 2 stderr. */
    record Frame(int stream, byte[] data) {
        String text() {
            return new String(data, StandardCharsets.UTF_8);
        }
    }

    Response get(String path) throws IOException {
        return request("GET", path, null, null);
    }

    Response head(String path) throws IOException {
        return request("HEAD", path, null, null);
    }

    Response delete(String path) throws IOException {
        return request("DELETE", path, null, null);
    }

    Response post(String path) throws IOException {
        return request("POST", path, null, null);
    }

    Response post(String path, Object json) throws IOException {
        return request("POST", path, "application/json", JSON.writeValueAsBytes(json));
    }

    Response request(String method, String path, String contentType, byte[] body) throws IOException {
        try (Open o = open(method, path, contentType, body, Map.of())) {
            byte[] b = method.equals("HEAD") || o.status == 204 || o.status == 304 ? new byte[0] : o.body().readAllBytes();
            return new Response(o.status, o.headers, b);
        }
    }

    /** A response whose body is read as it comes (logs -f, events, stats stream); close it to hang up. */
    Open open(String method, String path, String contentType, byte[] body, Map<String, String> extra) throws IOException {
        return open(method, path, contentType, body, extra, false);
    }

    /** As {@link #open}; with {@code closeWrite} our side is shut right after the request, before any answer. */
    Open open(String method, String path, String contentType, byte[] body, Map<String, String> extra,
              boolean closeWrite) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        OutputStream out = Channels.newOutputStream(ch);
        InputStream in = Channels.newInputStream(ch);
        StringBuilder req = new StringBuilder();
        req.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: quilt\r\n");
        boolean upgrade = extra.containsKey("Upgrade");
        if (!upgrade) req.append("Connection: close\r\n");
        extra.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
        if (contentType != null) req.append("Content-Type: ").append(contentType).append("\r\n");
        if (body != null) req.append("Content-Length: ").append(body.length).append("\r\n");
        else if (method.equals("POST") || method.equals("PUT")) req.append("Content-Length: 0\r\n");
        req.append("\r\n");
        out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) out.write(body);
        out.flush();
        if (closeWrite) ch.shutdownOutput();
        String status = line(in);
        if (status == null || !status.startsWith("HTTP/1.1 ")) {
            ch.close();
            throw new IOException("not an HTTP response: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        Map<String, String> headers = new LinkedHashMap<>();
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
        }
        return new Open(ch, in, out, code, headers);
    }

    /** Docker's hijack: the request with {@code Upgrade: tcp}; after its 101 the stream is raw both ways. */
    Open hijack(String path, Object json) throws IOException {
        return open("POST", path, "application/json", JSON.writeValueAsBytes(json),
                Map.of("Connection", "Upgrade", "Upgrade", "tcp"));
    }

    /**
     * As {@link #hijack}, our side shut right after the request, as the docker CLI does for an exec without
     * {@code -i}: it sends nothing more and reads the output to its end.
     */
    Open hijackHalfClosed(String path, Object json) throws IOException {
        return open("POST", path, "application/json", JSON.writeValueAsBytes(json),
                Map.of("Connection", "Upgrade", "Upgrade", "tcp"), true);
    }

    static final class Open implements AutoCloseable {
        final SocketChannel channel;
        final InputStream in;
        final OutputStream out;
        final int status;
        final Map<String, String> headers;
        private InputStream body;

        Open(SocketChannel channel, InputStream in, OutputStream out, int status, Map<String, String> headers) {
            this.channel = channel;
            this.in = in;
            this.out = out;
            this.status = status;
            this.headers = headers;
        }

        /** The body: de-chunked when chunked, up to Content-Length when given, else raw to the end. */
        InputStream body() {
            if (body != null) return body;
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) body = new Chunked(in);
            else if (headers.containsKey("content-length")) {
                body = new Limited(in, Long.parseLong(headers.get("content-length")));
            } else body = in;
            return body;
        }

        /** The next line of a line-per-object stream (events, stats), or null at its end. */
        String nextLine() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c = body().read(); c >= 0; c = body().read()) {
                if (c == '\n') return b.toString(StandardCharsets.UTF_8);
                b.write(c);
            }
            return b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
        }

        /** The next multiplexed frame, or null at the stream's end. */
        Frame nextFrame() throws IOException {
            byte[] h = body().readNBytes(8);
            if (h.length < 8) return null;
            int len = ((h[4] & 0xff) << 24) | ((h[5] & 0xff) << 16) | ((h[6] & 0xff) << 8) | (h[7] & 0xff);
            return new Frame(h[0], body().readNBytes(len));
        }

        /** Every frame to the end of the stream. */
        List<Frame> frames() throws IOException {
            List<Frame> out = new ArrayList<>();
            for (Frame f = nextFrame(); f != null; f = nextFrame()) out.add(f);
            return out;
        }

        /** Says we send no more (docker's CloseWrite after stdin's end). */
        void closeWrite() throws IOException {
            channel.shutdownOutput();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') break;
            if (c != '\r') b.write(c);
        }
        if (c < 0 && b.size() == 0) return null;
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) return 0; // InputStream.readNBytes asks for 0 at the end: no wait for the next chunk
            if (done) return -1;
            if (left == 0) {
                String size = line(in);
                if (size == null) {
                    done = true;
                    return -1;
                }
                if (size.isEmpty()) size = line(in); // the CRLF after the last chunk's data
                if (size == null) {
                    done = true;
                    return -1;
                }
                left = Long.parseLong(size.split(";")[0].strip(), 16);
                if (left == 0) {
                    line(in);
                    done = true;
                    return -1;
                }
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                done = true;
                return -1;
            }
            left -= n;
            return n;
        }
    }

    private static final class Limited extends InputStream {
        private final InputStream in;
        private long left;

        Limited(InputStream in, long left) {
            this.in = in;
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) return -1;
            int c = in.read();
            if (c >= 0) left--;
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) return -1;
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) left -= n;
            return n;
        }
    }
}
