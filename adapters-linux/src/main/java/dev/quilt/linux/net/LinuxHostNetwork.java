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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The bridge, its forwarding switch and its NAT table, made through netlink
 * from this process (no {@code ip}, no {@code nft}), judged only by facts the
 * kernel gives and Quilt set: a link is Quilt's bridge when it is of kind
 * {@code bridge} and carries the alias {@code quilt} (or, with no alias yet,
 * Quilt's MAC for the gateway: the one mark the creating request itself can
 * set, so a crash between creation and marking leaves a bridge still known as
 * ours); it is ready when it is up with the gateway address, forwarding is on,
 * and the table {@code ip quilt_<bridge>} carries Quilt's comment. Set-up and
 * removal run under the host-wide lock of {@link BridgeUsers}, NAT first and
 * the bridge last, so a crash half-way is finished by the next run.
 */
public final class LinuxHostNetwork implements HostNetwork {
    private final LinuxPaths paths;
    private final BridgeUsers users;

    /** Needs {@link dev.quilt.linux.jni.NativeLibrary} loaded first, for the netlink calls. */
    public LinuxHostNetwork(LinuxPaths paths) {
        this(paths, BridgeUsers.DEFAULT_DIR);
    }

    /** {@code registry}: where roots record which bridge they use ({@code /run/quilt-bridges} on a host). */
    public LinuxHostNetwork(LinuxPaths paths, Path registry) {
        this.paths = paths;
        this.users = new BridgeUsers(registry);
    }

    static String natTable(Network n) {
        return "quilt_" + n.bridge();
    }

    private static String gatewayCidr(Network n) {
        return n.subnet().gateway() + "/" + n.subnet().prefix();
    }

    private static Path forwarding(String link) {
        return Path.of("/proc/sys/net/ipv4/conf", link, "forwarding");
    }

    @Override
    public void ensure(Network network) {
        // lock-free when all is in place: the facts are one netlink round trip each
        boolean ready = state(network) == BridgeState.READY;
        if (ready && users.has(network.bridge(), paths)) return;
        try {
            users.locked(() -> {
                // many first runs of a root queue here at once: those after the first find it done (no
                // root's removal takes a bridge that a root is recorded on, so it is still as it was left)
                if (users.has(network.bridge(), paths) && (ready || state(network) == BridgeState.READY)) return null;
                // a ready bridge carries this network's gateway, so any other user has this subnet too
                if (state(network) != BridgeState.READY) setUp(network);
                users.add(network.bridge(), paths);
                return null;
            });
        } catch (QuiltException e) {
            throw new QuiltException(e.kind(), "cannot set up network '" + network.name() + "': " + e.getMessage(), e);
        }
    }

    /** Under the host lock, when the bridge is not ready. */
    private void setUp(Network network) {
        Optional<Netlink.LinkFacts> link = Netlink.link(network.bridge());
        link.ifPresent(l -> refuseUnlessOurs(network, l));
        for (BridgeUsers.User other : users.others(network.bridge(), paths)) {
            if (other.network().isPresent() && !other.network().get().equals(network)) {
                throw HostNetwork.sharedWithAnotherSubnet(network, other.data().toString(),
                        other.network().get().subnet());
            }
        }
        if (link.isPresent() && !link.get().ipv4().stream().allMatch(a -> a.equals(gatewayCidr(network)))) {
            throw QuiltException.conflict("bridge '" + network.bridge() + "' carries " + String.join(", ",
                    link.get().ipv4()) + ", not this network's gateway " + gatewayCidr(network)
                    + "; remove the network that uses it first, or choose another name with 'quilt network create --bridge'");
        }
        refuseOverlaps(network);
        Optional<Netlink.TableFacts> table = Netlink.table(natTable(network));
        if (table.isPresent() && !ourTable(table.get(), link.isPresent())) {
            throw QuiltException.conflict("nftables table 'ip " + natTable(network) + "' exists and was not made by"
                    + " quilt; choose another name with 'quilt network create --bridge'");
        }
        Netlink.addNat(natTable(network), network.subnet().toString(), table.map(Netlink.TableFacts::handle).orElse(0L));
        try {
            int index = link.isPresent() ? link.get().index() : Netlink.createBridge(network.bridge(), gatewayCidr(network));
            Netlink.finishBridge(index, network.bridge(), gatewayCidr(network));
            if (!Files.readString(forwarding(network.bridge())).trim().equals("1")) {
                Files.writeString(forwarding(network.bridge()), "1");
            }
            // as podman and docker do for their default network; a network of one's own is left to its owner
            if (network.isDefault()) Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), "1");
        } catch (QuiltException | IOException e) {
            // nothing of a network that could not be made: the table we just wrote goes if no bridge of ours is left
            if (link.isEmpty() && Netlink.link(network.bridge()).isEmpty()) {
                Netlink.table(natTable(network)).filter(Netlink.TableFacts::ours)
                        .ifPresent(t -> Netlink.deleteNat(t, natTable(network)));
            }
            if (e instanceof IOException io) {
                throw new QuiltException(QuiltException.Kind.SYSTEM, "write " + forwarding(network.bridge())
                        + " failed: " + io.getMessage(), io);
            }
            throw (QuiltException) e;
        }
    }

    private static void refuseUnlessOurs(Network network, Netlink.LinkFacts link) {
        if (!link.kind().equals("bridge")) throw HostNetwork.notABridge(link.name());
        if (!ours(network, link)) throw HostNetwork.foreignBridge(link.name());
    }

    /**
     * Carries Quilt's comment; or, beside a bridge of Quilt's, carries no comment at all: the table of a
     * Quilt from before tables were commented (its next set-up replaces it with a commented one).
     */
    private static boolean ourTable(Netlink.TableFacts table, boolean besideOurBridge) {
        return table.ours() || (besideOurBridge && !table.commented());
    }

    /**
     * Marked as Quilt's, or (unmarked) with Quilt's MAC for this gateway: made by a set-up cut short
     * between its two batches, or by a Quilt from before bridges were marked.
     */
    private static boolean ours(Network network, Netlink.LinkFacts link) {
        return link.isQuiltBridge() || (link.kind().equals("bridge") && link.alias().isEmpty()
                && link.mac().equals(Endpoint.macOf(network.subnet().gateway())));
    }

    @Override
    public BridgeState state(Network network) {
        Optional<Netlink.LinkFacts> link = Netlink.link(network.bridge());
        if (link.isEmpty()) return BridgeState.ABSENT;
        if (!link.get().kind().equals("bridge")) return BridgeState.NOT_A_BRIDGE;
        if (!ours(network, link.get())) return BridgeState.FOREIGN;
        boolean complete = link.get().isQuiltBridge() && link.get().up()
                && link.get().ipv4().contains(gatewayCidr(network))
                && Netlink.table(natTable(network)).filter(Netlink.TableFacts::ours).isPresent()
                && forwardingOn(network.bridge());
        return complete ? BridgeState.READY : BridgeState.INCOMPLETE;
    }

    private static boolean forwardingOn(String link) {
        try {
            return Files.readString(forwarding(link)).trim().equals("1");
        } catch (IOException e) {
            return false;
        }
    }

    /** A subnet that overlaps a route on another link would cut the host off from it. */
    private static void refuseOverlaps(Network network) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/net/route"), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "read /proc/net/route failed: " + dev.quilt.linux.IoErrors.why(e), e);
        }
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
    public Removal remove(Network network) {
        return users.locked(() -> {
            users.remove(network.bridge(), paths);
            List<BridgeUsers.User> others = users.others(network.bridge(), paths);
            if (!others.isEmpty()) {
                return Removal.kept("another quilt root uses it (" + others.get(0).data() + ")");
            }
            Optional<Netlink.LinkFacts> link = Netlink.link(network.bridge());
            Optional<Netlink.TableFacts> table = Netlink.table(natTable(network));
            if (link.isPresent()) {
                if (!link.get().kind().equals("bridge")) return Removal.kept("it is not a bridge");
                if (!ours(network, link.get())) return Removal.kept("quilt did not make it");
                int ports = Netlink.ports(link.get().index());
                if (ports > 0) {
                    return Removal.kept(ports + " link" + (ports == 1 ? " is" : "s are") + " still plugged into it");
                }
                Netlink.delete(link.get());
            }
            // the table goes after the bridge: a crash between leaves a table of ours that the next set-up replaces
            Optional<Netlink.TableFacts> owned = table.filter(t -> ourTable(t, link.isPresent()));
            owned.ifPresent(t -> Netlink.deleteNat(t, natTable(network)));
            return link.isPresent() || owned.isPresent() ? Removal.removed() : Removal.absent();
        });
    }

    @Override
    public boolean uses(Network network) {
        return users.has(network.bridge(), paths);
    }

    @Override
    public void unplug(ContainerId id) {
        // look first: the index lookup is lock-free, while netlink requests wait for the rtnl lock, which
        // the kernel holds while it tears down the namespace of a container that just ended (and its veth)
        String name = Endpoint.hostLinkOf(id);
        if (Netlink.index(name) < 0) return;
        Netlink.link(name).filter(l -> l.kind().equals("veth")).ifPresent(Netlink::delete);
    }
}
