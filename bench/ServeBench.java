// Quilt's server measured through its socket, as an agent framework calls it (Docker Engine API v1.41,
// one connection per request, HTTP/1.1): run from bench/serve-vs-crun.sh, which starts the server.
//   java -cp quilt.jar ServeBench.java SOCKET MODE N [ARGS]
//   ready NETWORK CONC [one]
//                        create + start (start answers once the container is ready), N containers, CONC at once;
//                        ms per container (each call's own time), the containers removed after; with "one",
//                        Quilt's single call instead: POST /containers/create?ready=1 (made, started, ready)
//   exec N               exec create + start (output to its end) + inspect of `true` in one container; ms each
//   execkeep N           the same with create and inspect on one kept-alive connection (docker-py's requests session
//                        keeps one for simple calls; the start is hijacked, on a connection of its own, never reused)
//   pair N SOCKET2       exec round trips alternating, one exec at a time, between SOCKET and a second server's
//                        SOCKET2 (two builds compared under the same load): lines "a|b TOTAL CREATE START INSPECT" (ms)
//   readypair N SOCKET2 NETWORK
//                        create + start to ready (Docker's two calls), then create?ready=1 (Quilt's one), alternating
//                        between SOCKET and a second server's SOCKET2 one container at a time, each removed after
//                        (two builds compared under the same load): lines "a|b two TOTAL CREATE START" and
//                        "a|b one TOTAL" (ms)
//   burst N              N concurrent create + start; one number: ms until all are ready
//   archive N KIND       PUT then GET of /tmp/bench in one container, KIND 1m | 100m | small (1,000 files of
//                        1 KiB); prints "put MB/s get MB/s" per round
//   rss N PID            the server's VmRSS (KiB) idle, then with N running containers
// Prints one number (or line) per measurement; 3 unmeasured warm-ups first where it says ms (200 for the exec
// modes, 20 for the ready modes, so this client's own code is compiled before it is timed).
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public class ServeBench {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int WARM = 3;
    /**
     * Unmeasured execs before an exec mode measures: this client's own code (its JSON, its HTTP) runs interpreted
     * at first, which would be timed as the server's; an agent's client lives for thousands of calls.
     */
    static final int WARM_EXECS = 200;
    /** Unmeasured creates before a ready mode measures, for the same reason. */
    static final int WARM_READY = 20;
    static Path socket;

    record Response(int status, byte[] body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    /** One request on its own connection; the body read to its end (Content-Length, chunked, or close). */
    static Response call(String method, String path, String type, byte[] body) throws IOException {
        return call(method, path, type, body == null ? null : new java.io.ByteArrayInputStream(body),
                body == null ? 0 : body.length, null);
    }

    static Response call(String method, String path, String type, InputStream body, long length, OutputStream sink)
            throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(ch), 1 << 16);
            return exchange(in, out, false, method, path, type, body, length, sink);
        }
    }

    /**
     * One kept-alive connection, as docker-py's requests session keeps one for its simple calls (create, inspect);
     * a hijacked call (exec start, attach) never goes on one.
     */
    static final class Conn implements AutoCloseable {
        final SocketChannel ch;
        final OutputStream out;
        final InputStream in;

        Conn() throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            out = new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            in = new java.io.BufferedInputStream(Channels.newInputStream(ch), 1 << 16);
        }

        Response call(String method, String path, String type, byte[] body) throws IOException {
            return exchange(in, out, true, method, path, type, body == null ? null : new java.io.ByteArrayInputStream(body),
                    body == null ? 0 : body.length, null);
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    /** Sends one request and reads its answer to its end (Content-Length, chunked, or the connection's close). */
    static Response exchange(InputStream in, OutputStream out, boolean keepAlive, String method, String path,
                             String type, InputStream body, long length, OutputStream sink) throws IOException {
        {
            StringBuilder h = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: docker\r\nConnection: "
                    + (keepAlive ? "keep-alive" : "close") + "\r\n");
            if (type != null) h.append("Content-Type: ").append(type).append("\r\n");
            if (body != null || method.equals("POST") || method.equals("PUT")) {
                h.append("Content-Length: ").append(length).append("\r\n");
            }
            out.write(h.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) body.transferTo(out);
            out.flush();
            String status = line(in);
            long len = -1;
            boolean chunked = false;
            for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
                String k = l.substring(0, l.indexOf(':')).strip().toLowerCase();
                String v = l.substring(l.indexOf(':') + 1).strip();
                if (k.equals("content-length")) len = Long.parseLong(v);
                if (k.equals("transfer-encoding") && v.equalsIgnoreCase("chunked")) chunked = true;
            }
            OutputStream to = sink != null ? sink : new ByteArrayOutputStream();
            int code = Integer.parseInt(status.substring(9, 12));
            // RFC 9112 6.3: a 204 or 304 answer has no body, whatever its headers (and Quilt, as dockerd, sends no
            // Content-Length with a 204), so its end is the end of its head: reading on to the connection's close
            // would time the server's close too, which docker-py (http.client) and Go's net/http never wait for.
            // A 101 (exec start, attach) is followed by the hijacked stream, read to its end as before
            if (code == 204 || code == 304) {
                // nothing more
            } else if (chunked) {
                for (long n = Long.parseLong(line(in).split(";")[0].strip(), 16); n > 0;
                        n = Long.parseLong(line(in).split(";")[0].strip(), 16)) {
                    copy(in, to, n);
                    line(in);
                }
            } else if (len >= 0) {
                copy(in, to, len);
            } else {
                in.transferTo(to);
            }
            return new Response(code,
                    sink != null ? new byte[0] : ((ByteArrayOutputStream) to).toByteArray());
        }
    }

    static void copy(InputStream in, OutputStream out, long n) throws IOException {
        byte[] b = new byte[1 << 16];
        while (n > 0) {
            int r = in.read(b, 0, (int) Math.min(b.length, n));
            if (r < 0) throw new IOException("the body ended early");
            out.write(b, 0, r);
            n -= r;
        }
    }

    static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') if (c != '\r') b.write(c);
        return c < 0 && b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    static Response ok(Response r, int... want) {
        for (int w : want) if (r.status() == w) return r;
        throw new IllegalStateException("status " + r.status() + ": " + new String(r.body(), StandardCharsets.UTF_8));
    }

    static byte[] json(Object o) throws IOException {
        return JSON.writeValueAsBytes(o);
    }

    /** create + start of `sleep`; the ID. */
    static String up(String network) throws IOException {
        String id = ok(call("POST", "/v1.41/containers/create", "application/json", json(Map.of("Image", "",
                "Cmd", List.of("sleep", "2147483647"), "HostConfig", Map.of("NetworkMode", network)))), 201)
                .json().get("Id").asText();
        ok(call("POST", "/v1.41/containers/" + id + "/start", null, null), 204);
        return id;
    }

    /** {@code create?ready=1} of `sleep`, Quilt's one call that creates, starts and answers once ready; the ID. */
    static String upInOneCall(String network) throws IOException {
        return ok(call("POST", "/v1.41/containers/create?ready=1", "application/json", json(Map.of("Image", "",
                "Cmd", List.of("sleep", "2147483647"), "HostConfig", Map.of("NetworkMode", network)))), 201)
                .json().get("Id").asText();
    }

    static void down(String id) throws IOException {
        ok(call("DELETE", "/v1.41/containers/" + id + "?force=1", null, null), 204);
    }

    static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    public static void main(String[] a) throws Exception {
        socket = Path.of(a[0]);
        String mode = a[1];
        int n = Integer.parseInt(a[2]);
        switch (mode) {
            case "ready" -> ready(n, a[3], Integer.parseInt(a[4]), a.length > 5 && a[5].equals("one"));
            case "exec" -> exec(n);
            case "execkeep" -> execKeptAlive(n);
            case "execlines" -> execLines(n);
            case "pair" -> pair(n, Path.of(a[3]));
            case "readypair" -> readyPair(n, Path.of(a[3]), a[4]);
            case "burst" -> burst(n);
            case "archive" -> archive(a[3], n);
            case "rss" -> rss(Long.parseLong(a[3]), n);
            default -> throw new IllegalArgumentException(mode);
        }
    }

    static void ready(int n, String network, int conc, boolean oneCall) throws Exception {
        for (int i = 0; i < WARM_READY; i++) down(oneCall ? upInOneCall(network) : up(network));
        ExecutorService pool = Executors.newFixedThreadPool(conc);
        List<Future<double[]>> runs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            runs.add(pool.submit(() -> {
                long t0 = System.nanoTime();
                String id = oneCall ? upInOneCall(network) : up(network);
                double t = ms(t0);
                down(id);
                return new double[] {t};
            }));
        }
        for (Future<double[]> f : runs) System.out.printf("%.3f%n", f.get()[0]);
        pool.shutdown();
    }

    static void exec(int n) throws Exception {
        String id = up("none");
        try {
            for (int i = 0; i < WARM_EXECS + n; i++) {
                long t0 = System.nanoTime();
                String exec = ok(call("POST", "/v1.41/containers/" + id + "/exec", "application/json",
                        json(Map.of("Cmd", List.of("true"), "AttachStdout", true, "AttachStderr", true))), 201)
                        .json().get("Id").asText();
                ok(call("POST", "/v1.41/exec/" + exec + "/start", "application/json",
                        json(Map.of("Detach", false, "Tty", false))), 200, 101);
                int code = ok(call("GET", "/v1.41/exec/" + exec + "/json", null, null), 200).json()
                        .get("ExitCode").asInt();
                double t = ms(t0);
                if (code != 0) throw new IllegalStateException("true exited " + code);
                if (i >= WARM_EXECS) System.out.printf("%.3f%n", t);
            }
        } finally {
            down(id);
        }
    }

    static void pair(int n, Path other) throws Exception {
        Path[] sockets = {socket, other};
        String[] ids = new String[2];
        for (int k = 0; k < 2; k++) {
            socket = sockets[k];
            ids[k] = up("none");
        }
        try {
            for (int i = 0; i < WARM + n; i++) {
                for (int k = 0; k < 2; k++) {
                    socket = sockets[k];
                    long t0 = System.nanoTime();
                    String exec = ok(call("POST", "/v1.41/containers/" + ids[k] + "/exec", "application/json",
                            json(Map.of("Cmd", List.of("true"), "AttachStdout", true, "AttachStderr", true))), 201)
                            .json().get("Id").asText();
                    long t1 = System.nanoTime();
                    ok(call("POST", "/v1.41/exec/" + exec + "/start", "application/json",
                            json(Map.of("Detach", false, "Tty", false))), 200, 101);
                    long t2 = System.nanoTime();
                    int code = ok(call("GET", "/v1.41/exec/" + exec + "/json", null, null), 200).json()
                            .get("ExitCode").asInt();
                    if (code != 0) throw new IllegalStateException("true exited " + code);
                    if (i >= WARM) {
                        System.out.printf("%s %.3f %.3f %.3f %.3f%n", k == 0 ? "a" : "b", ms(t0), (t1 - t0) / 1e6,
                                (t2 - t1) / 1e6, ms(t2));
                    }
                }
            }
        } finally {
            for (int k = 0; k < 2; k++) {
                socket = sockets[k];
                down(ids[k]);
            }
        }
    }

    static void readyPair(int n, Path other, String network) throws Exception {
        Path[] sockets = {socket, other};
        for (int k = 0; k < 2; k++) {
            socket = sockets[k];
            for (int i = 0; i < WARM_READY; i++) {
                down(up(network));
                down(upInOneCall(network));
            }
        }
        byte[] body = json(Map.of("Image", "", "Cmd", List.of("sleep", "2147483647"), "HostConfig",
                Map.of("NetworkMode", network)));
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 2; k++) {
                socket = sockets[k];
                String who = k == 0 ? "a" : "b";
                long t0 = System.nanoTime();
                String id = ok(call("POST", "/v1.41/containers/create", "application/json", body), 201).json()
                        .get("Id").asText();
                long t1 = System.nanoTime();
                ok(call("POST", "/v1.41/containers/" + id + "/start", null, null), 204);
                System.out.printf("%s two %.3f %.3f %.3f%n", who, ms(t0), (t1 - t0) / 1e6, ms(t1));
                down(id);
                t0 = System.nanoTime();
                id = upInOneCall(network);
                System.out.printf("%s one %.3f%n", who, ms(t0));
                down(id);
            }
        }
    }

    /**
     * One exec round trip (fresh connections, as {@link #exec}) per line read on stdin, its ms printed at once: the
     * bench script alternates these with crun's execs one by one, so both meet the same machine (this VM's speed
     * moves by 2x within minutes, more than the difference measured). {@code warm} execs first, then "ready".
     */
    static void execLines(int warm) throws Exception {
        String id = up("none");
        try {
            for (int i = 0; i < warm; i++) execOnce(id);
            System.out.println("ready");
            System.out.flush();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in));
            while (in.readLine() != null) {
                long t0 = System.nanoTime();
                execOnce(id);
                System.out.printf("%.3f%n", ms(t0));
                System.out.flush();
            }
        } finally {
            down(id);
        }
    }

    private static void execOnce(String id) throws IOException {
        String exec = ok(call("POST", "/v1.41/containers/" + id + "/exec", "application/json",
                json(Map.of("Cmd", List.of("true"), "AttachStdout", true, "AttachStderr", true))), 201)
                .json().get("Id").asText();
        ok(call("POST", "/v1.41/exec/" + exec + "/start", "application/json",
                json(Map.of("Detach", false, "Tty", false))), 200, 101);
        int code = ok(call("GET", "/v1.41/exec/" + exec + "/json", null, null), 200).json().get("ExitCode").asInt();
        if (code != 0) throw new IllegalStateException("true exited " + code);
    }

    static void execKeptAlive(int n) throws Exception {
        String id = up("none");
        try (Conn kept = new Conn()) {
            for (int i = 0; i < WARM_EXECS + n; i++) {
                long t0 = System.nanoTime();
                String exec = ok(kept.call("POST", "/v1.41/containers/" + id + "/exec", "application/json",
                        json(Map.of("Cmd", List.of("true"), "AttachStdout", true, "AttachStderr", true))), 201)
                        .json().get("Id").asText();
                ok(call("POST", "/v1.41/exec/" + exec + "/start", "application/json",
                        json(Map.of("Detach", false, "Tty", false))), 200, 101);
                int code = ok(kept.call("GET", "/v1.41/exec/" + exec + "/json", null, null), 200).json()
                        .get("ExitCode").asInt();
                double t = ms(t0);
                if (code != 0) throw new IllegalStateException("true exited " + code);
                if (i >= WARM_EXECS) System.out.printf("%.3f%n", t);
            }
        } finally {
            down(id);
        }
    }

    static void burst(int n) throws Exception {
        down(up("none"));
        ExecutorService pool = Executors.newFixedThreadPool(n);
        long t0 = System.nanoTime();
        List<Future<String>> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) ids.add(pool.submit(() -> up("none")));
        List<String> all = new ArrayList<>();
        for (Future<String> f : ids) all.add(f.get());
        System.out.printf("%.3f%n", ms(t0));
        List<Future<?>> gone = new ArrayList<>();
        for (String id : all) gone.add(pool.submit(() -> {
            down(id);
            return null;
        }));
        for (Future<?> f : gone) f.get();
        pool.shutdown();
    }

    /** A tar: {@code files} regular files of {@code size} bytes each under bench/. */
    static Path tar(int files, int size) throws IOException {
        Path t = Files.createTempFile("serve-bench", ".tar");
        byte[] data = new byte[size];
        new java.util.Random(15).nextBytes(data);
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(t), 1 << 20)) {
            for (int i = 0; i < files; i++) {
                out.write(header(files == 1 ? "bench" : "bench/f" + i, size));
                out.write(data);
                out.write(new byte[(512 - size % 512) % 512]);
            }
            out.write(new byte[1024]);
        }
        return t;
    }

    static byte[] header(String name, long size) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", size));
        put(h, 136, String.format("%011o", 0));
        java.util.Arrays.fill(h, 148, 156, (byte) ' ');
        h[156] = '0';
        put(h, 257, "ustar");
        put(h, 263, "00");
        int sum = 0;
        for (byte x : h) sum += x & 0xff;
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        return h;
    }

    static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, b.length);
    }

    static void archive(String kind, int n) throws Exception {
        Path t = switch (kind) {
            case "1m" -> tar(1, 1 << 20);
            case "100m" -> tar(1, 100 << 20);
            case "small" -> tar(1000, 1024);
            default -> throw new IllegalArgumentException(kind);
        };
        long bytes = kind.equals("small") ? 1000L * 1024 : Files.size(t) - 1536;
        String id = up("none");
        try {
            if (kind.equals("small")) {
                ok(call("POST", "/v1.41/containers/" + id + "/exec", "application/json",
                        json(Map.of("Cmd", List.of("mkdir", "-p", "/tmp/bench")))), 201);
            }
            for (int i = 0; i < n + 1; i++) {
                long t0 = System.nanoTime();
                try (InputStream in = Files.newInputStream(t)) {
                    ok(call("PUT", "/v1.41/containers/" + id + "/archive?path=/tmp", "application/x-tar", in,
                            Files.size(t), null), 200);
                }
                double put = ms(t0);
                long t1 = System.nanoTime();
                ok(call("GET", "/v1.41/containers/" + id + "/archive?path=/tmp/bench", null, null, 0,
                        OutputStream.nullOutputStream()), 200);
                double get = ms(t1);
                if (i > 0) System.out.printf("%.1f %.1f%n", bytes / 1e3 / put, bytes / 1e3 / get);
            }
        } finally {
            down(id);
            Files.delete(t);
        }
    }

    static long rssKiB(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) return Long.parseLong(l.replaceAll("[^0-9]", ""));
        }
        throw new IOException("no VmRSS");
    }

    static void rss(long pid, int n) throws Exception {
        System.out.println("idle " + rssKiB(pid));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<String>> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) ids.add(pool.submit(() -> up("none")));
        List<String> all = new ArrayList<>();
        for (Future<String> f : ids) all.add(f.get());
        ok(call("GET", "/v1.41/containers/json", null, null), 200);
        System.out.println("with" + n + " " + rssKiB(pid));
        List<Future<?>> gone = new ArrayList<>();
        for (String id : all) gone.add(pool.submit(() -> {
            down(id);
            return null;
        }));
        for (Future<?> f : gone) f.get();
        pool.shutdown();
    }
}
