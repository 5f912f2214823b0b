package dev.quilt.linux.net;

import dev.quilt.domain.Endpoint;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.NetworkMode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * /etc/hosts, /etc/hostname and /etc/resolv.conf for a container, written
 * into its state dir; the init binds them over the image's. The hostname (and
 * its short name) resolves to the container's own address; resolv.conf is
 * {@link ResolvConf}'s.
 */
public final class EtcFiles {
    private EtcFiles() {}

    public static void write(Path dir, Hostname hostname, NetworkMode mode, Optional<Endpoint> endpoint)
            throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("hosts"), hosts(hostname, mode, endpoint));
        Files.writeString(dir.resolve("hostname"), hostname + "\n");
        Files.writeString(dir.resolve("resolv.conf"), ResolvConf.HOST.forContainer(mode));
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

    /** resolv.conf from the host's file alone (no systemd-resolved list to fall back on). */
    static String resolvConf(String host, NetworkMode mode) {
        return ResolvConf.render(host, Optional.empty(), mode);
    }
}
