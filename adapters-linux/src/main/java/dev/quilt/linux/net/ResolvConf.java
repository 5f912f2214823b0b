package dev.quilt.linux.net;

import dev.quilt.domain.NetworkMode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The resolv.conf a container gets, as docker and podman make it. A container
 * with its own network namespace cannot reach the host's loopback, so
 * loopback nameservers (127.0.0.0/8, ::1) are dropped. When that leaves none,
 * as on a host whose {@code /etc/resolv.conf} only names systemd-resolved's
 * stub (127.0.0.53, stock Ubuntu), the upstream servers systemd-resolved
 * lists in {@code /run/systemd/resolve/resolv.conf} are used; when those are
 * missing too, Google's public resolvers {@code 8.8.8.8} and {@code 8.8.4.4}
 * (docker's fallback; IPv4 only, as containers have no IPv6 address). A
 * container on the host's network gets the host's file as it is.
 *
 * @param host     the host's resolv.conf ({@code /etc/resolv.conf})
 * @param upstream systemd-resolved's list of upstream servers
 */
public record ResolvConf(Path host, Path upstream) {
    public static final ResolvConf HOST = new ResolvConf(Path.of("/etc/resolv.conf"),
            Path.of("/run/systemd/resolve/resolv.conf"));

    /** Where none of the host's nameservers can be reached from a container (docker's defaults). */
    public static final List<String> FALLBACK = List.of("8.8.8.8", "8.8.4.4");

    /** The file for a container in {@code mode}, from the two sources as they are now. */
    public String forContainer(NetworkMode mode) throws IOException {
        return render(read(host).orElse(""), read(upstream), mode);
    }

    private static Optional<String> read(Path p) throws IOException {
        try {
            return Optional.of(Files.readString(p, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** The file for a container in {@code mode}, from the host's file and systemd-resolved's upstream list. */
    static String render(String host, Optional<String> upstream, NetworkMode mode) {
        if (mode == NetworkMode.HOST) return host;
        List<String> fromHost = reachable(host);
        if (hasNameserver(fromHost)) return "# written by quilt from the host's resolv.conf\n" + lines(fromHost);
        List<String> fromUpstream = upstream.map(ResolvConf::reachable).orElse(List.of());
        if (hasNameserver(fromUpstream)) {
            return "# written by quilt from systemd-resolved's upstream servers: the host's own resolver is on"
                    + " loopback, which a container cannot reach\n" + lines(fromUpstream);
        }
        List<String> out = new ArrayList<>(fromHost); // search and options still hold
        for (String s : FALLBACK) out.add("nameserver " + s);
        return "# written by quilt: no nameserver of the host is reachable from a container; public fallback\n"
                + lines(out);
    }

    /** The lines worth keeping: no comments, no blanks, no loopback nameserver. */
    private static List<String> reachable(String file) {
        List<String> out = new ArrayList<>();
        for (String line : file.split("\n")) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#") || t.startsWith(";")) continue;
            String[] f = t.split("\\s+");
            if (f[0].equals("nameserver") && (f.length < 2 || loopback(f[1]))) continue;
            out.add(t);
        }
        return out;
    }

    static boolean loopback(String address) {
        return address.startsWith("127.") || address.equals("::1") || address.equals("0:0:0:0:0:0:0:1");
    }

    private static boolean hasNameserver(List<String> lines) {
        return lines.stream().anyMatch(l -> l.startsWith("nameserver"));
    }

    private static String lines(List<String> lines) {
        StringBuilder b = new StringBuilder();
        for (String l : lines) b.append(l).append('\n');
        return b.toString();
    }
}
