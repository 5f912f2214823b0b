package dev.quilt.linux.net;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Endpoint;
import dev.quilt.domain.Ipv4Address;
import dev.quilt.domain.Network;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.jni.Netlink;
import dev.quilt.ports.HostNetwork;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The bridge, its forwarding switch and its NAT table, made through netlink
 * from this process (no {@code ip}, no {@code nft}). Set-up runs when the
 * bridge's forwarding switch is not on yet, under the root's network lock,
 * NAT first and the bridge last, so a crash half-way is finished by the next
 * run.
 */
public final class LinuxHostNetwork implements HostNetwork {
    private final LinuxPaths paths;

    /** Needs {@link dev.quilt.linux.jni.NativeLibrary} loaded first, for the netlink calls. */
    public LinuxHostNetwork(LinuxPaths paths) {
        this.paths = paths;
    }

    static String natTable(Network n) {
        return "quilt_" + n.bridge();
    }

    private static Path forwarding(String link) {
        return Path.of("/proc/sys/net/ipv4/conf", link, "forwarding");
    }

    @Override
    public void ensure(Network network) {
        if (ready(network)) return;
        Path lockFile = paths.network().resolve("bridge.lock");
        try {
            Files.createDirectories(paths.network());
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 var held = ch.lock()) {
                if (ready(network)) return;
                refuseOverlaps(network);
                Netlink.addNat(natTable(network), network.subnet().toString());
                try {
                    Netlink.ensureBridge(network.bridge(), network.subnet().gateway() + "/" + network.subnet().prefix());
                } catch (QuiltException e) {
                    Netlink.deleteNat(natTable(network)); // nothing of a network that could not be made
                    throw e;
                }
                Files.writeString(forwarding(network.bridge()), "1");
                // as podman and docker do for their default network; a network of one's own is left to its owner
                if (network.isDefault()) Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), "1");
            }
        } catch (QuiltException e) {
            throw new QuiltException(e.kind(), "cannot set up network '" + network.name() + "': " + e.getMessage(), e);
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot set up network '" + network.name() + "': "
                    + e.getMessage(), e);
        }
    }

    /** The last step of set-up is done: the bridge exists with forwarding on. */
    private static boolean ready(Network network) {
        try {
            return Files.readString(forwarding(network.bridge())).trim().equals("1");
        } catch (IOException e) {
            return false; // no such link yet, or not readable: set it up
        }
    }

    /** A subnet that overlaps a route on another link would cut the host off from it. */
    private static void refuseOverlaps(Network network) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/net/route"), StandardCharsets.US_ASCII);
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 8 || f[0].equals(network.bridge())) continue;
            int dest = Integer.reverseBytes(Integer.parseUnsignedInt(f[1], 16));
            int mask = Integer.reverseBytes(Integer.parseUnsignedInt(f[7], 16));
            if (mask == 0) continue; // a default route overlaps everything and routes nothing of ours
            int ours = network.subnet().network().bits();
            int common = Math.min(Integer.bitCount(mask), network.subnet().prefix());
            int m = -1 << (32 - common);
            if ((dest & m) == (ours & m)) {
                throw QuiltException.conflict("subnet " + network.subnet() + " overlaps the route to "
                        + new Ipv4Address(dest & mask) + "/" + Integer.bitCount(mask) + " on " + f[0]
                        + "; choose another with 'quilt network create --subnet'");
            }
        }
    }

    @Override
    public void remove(Network network) {
        Netlink.delete(network.bridge());
        Netlink.deleteNat(natTable(network));
    }

    @Override
    public boolean exists(Network network) {
        return Netlink.index(network.bridge()) >= 0;
    }

    @Override
    public void unplug(ContainerId id) {
        // look first: the lookup is lock-free, while a delete waits for the rtnl lock,
        // which the kernel holds while it tears down the namespace of a container that just ended
        String link = Endpoint.hostLinkOf(id);
        if (Netlink.index(link) >= 0) Netlink.delete(link);
    }
}
