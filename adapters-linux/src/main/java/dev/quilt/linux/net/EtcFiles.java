package dev.quilt.linux.net;

import dev.quilt.domain.Endpoint;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.NetworkMode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * /etc/hosts, /etc/hostname and /etc/resolv.conf for a container, written
 * into its state dir; the init binds them over the image's. The hostname (and
 * its short name) resolves to the container's own address; the host's resolvers are kept,
 * except loopback ones, which a container with its own namespace cannot reach.
 */
public final class EtcFiles {
    private static final Path HOST_RESOLV_CONF = Path.of("/etc/resolv.conf");

    private EtcFiles() {}

    public static void write(Path dir, Hostname hostname, NetworkMode mode, Optional<Endpoint> endpoint)
            throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("hosts"), hosts(hostname, mode, endpoint));
        Files.writeString(dir.resolve("hostname"), hostname + "\n");
        Files.writeString(dir.resolve("resolv.conf"), resolvConf(hostResolvConf(), mode));
    }

    /**
     * The hostname, and its short name when it is dotted ({@code a.b a}), on the
     * container's address; with only a loopback (--network none), on 127.0.0.1 and
     * ::1, as docker writes it; with the host's network, on 127.0.1.1.
     */
    static String hosts(Hostname hostname, NetworkMode mode, Optional<Endpoint> endpoint) {
        String names = hostname.hostsEntry();
        if (endpoint.isEmpty() && mode == NetworkMode.NONE) {
            return "127.0.0.1\tlocalhost " + names + "\n::1\tlocalhost ip6-localhost ip6-loopback " + names + "\n";
        }
        String self = endpoint.map(e -> e.address().toString()).orElse("127.0.1.1");
        return "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" + self + "\t" + names + "\n";
    }

    private static String hostResolvConf() throws IOException {
        try {
            return Files.readString(HOST_RESOLV_CONF, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        }
    }

    static String resolvConf(String host, NetworkMode mode) {
        if (mode == NetworkMode.HOST) return host;
        StringBuilder out = new StringBuilder("# written by quilt from the host's resolv.conf\n");
        for (String line : host.split("\n")) {
            String[] f = line.trim().split("\\s+");
            boolean loopback = f.length >= 2 && f[0].equals("nameserver")
                    && (f[1].startsWith("127.") || f[1].equals("::1"));
            if (!loopback && !line.isBlank() && !line.startsWith("#")) out.append(line).append('\n');
        }
        return out.toString();
    }
}
