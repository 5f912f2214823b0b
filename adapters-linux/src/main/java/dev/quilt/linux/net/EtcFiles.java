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
 * into its state dir; the init binds them over the image's. The hostname
 * resolves to the container's own address; resolv.conf is {@link ResolvConf}'s.
 */
public final class EtcFiles {
    private EtcFiles() {}

    public static void write(Path dir, Hostname hostname, NetworkMode mode, Optional<Endpoint> endpoint)
            throws IOException {
        Files.createDirectories(dir);
        String self = endpoint.map(e -> e.address().toString()).orElse("127.0.1.1");
        String hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                + self + "\t" + hostname + "\n";
        Files.writeString(dir.resolve("hosts"), hosts);
        Files.writeString(dir.resolve("hostname"), hostname + "\n");
        Files.writeString(dir.resolve("resolv.conf"), ResolvConf.HOST.forContainer(mode));
    }

    /** resolv.conf from the host's file alone (no systemd-resolved list to fall back on). */
    static String resolvConf(String host, NetworkMode mode) {
        return ResolvConf.render(host, Optional.empty(), mode);
    }
}
