package dev.quilt.linux.jni;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Peer of native/src/jni/netlink.c: rtnetlink and nftables requests sent from
 * this process, each as one batch. The per-container requests run in
 * quilt-monitor from the same C code; they are here too so that each
 * message type is tested on its own.
 */
public final class Netlink {
    private Netlink() {}

    static native int linkFacts(String name, byte[] out, byte[] err);

    static native int linkPorts(int index, byte[] err);

    static native int createBridge(String name, String gatewayCidr, byte[] err);

    static native int finishBridge(int index, String name, String gatewayCidr, byte[] err);

    static native int linkIndex(String name);

    static native int deleteLink(int index, String name, byte[] err);

    static native int addVeth(String host, String peer, String bridge, int netnsFd, byte[] mac, byte[] err);

    static native int configureInside(int netnsFd, int index, String name, String cidr, String gateway, byte[] err);

    static native int tableFacts(String table, long[] out, byte[] err);

    static native int addNat(String table, String subnetCidr, long replaceHandle, byte[] err);

    static native int deleteNat(String table, long handle, byte[] err);

    static native int openNamespace(int pid);

    private static int check(int rc, byte[] err) {
        if (rc >= 0) return rc;
        int n = 0;
        while (n < err.length && err[n] != 0) n++;
        String what = new String(err, 0, n, StandardCharsets.UTF_8);
        throw new NativeException("netlink", what.isEmpty() ? "request" : what, -rc);
    }

    /**
     * A link as the kernel has it: ifindex, kind ({@code IFLA_INFO_KIND}: "bridge", "veth"; "" for a
     * physical link), alias ({@code IFLA_IFALIAS}, "" for none), MAC ("" for none), whether it is up,
     * its master's ifindex (0: none) and its IPv4 addresses as {@code a.b.c.d/prefix}.
     */
    public record LinkFacts(int index, String name, String kind, String alias, String mac, boolean up, int master,
                            List<String> ipv4) {
        /** Made by Quilt as its bridge: a bridge that carries the mark Quilt gives it ({@link #MARK}). */
        public boolean isQuiltBridge() {
            return kind.equals("bridge") && alias.equals(MARK);
        }
    }

    /** The alias Quilt gives each bridge it makes ({@code ip link} shows "alias quilt"). */
    public static final String MARK = "quilt";

    /**
     * An nftables table: its handle, whether it carries Quilt's comment, and whether it carries a
     * comment at all (tables of Quilt before the comment carried none).
     */
    public record TableFacts(long handle, boolean ours, boolean commented) {}

    /** The link named {@code name}, or empty when there is none. */
    public static Optional<LinkFacts> link(String name) {
        byte[] out = new byte[2048];
        byte[] err = new byte[400];
        int n = linkFacts(name, out, err);
        if (n == -Errors.value("ENODEV")) return Optional.empty();
        check(n, err);
        int index = 0, master = 0;
        boolean up = false;
        String kind = "", alias = "", mac = "";
        List<String> ipv4 = new ArrayList<>();
        for (String line : new String(out, 0, n, StandardCharsets.UTF_8).split("\n")) {
            int sp = line.indexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            String value = sp < 0 ? "" : line.substring(sp + 1);
            switch (key) {
                case "index" -> index = Integer.parseInt(value);
                case "kind" -> kind = value;
                case "up" -> up = value.equals("1");
                case "master" -> master = Integer.parseInt(value);
                case "mac" -> mac = value;
                case "addr" -> ipv4.add(value);
                case "alias" -> alias = value;
                default -> { } // a newer library may say more
            }
        }
        return Optional.of(new LinkFacts(index, name, kind, alias, mac, up, master, List.copyOf(ipv4)));
    }

    /** How many links are ports of the link {@code index} (their master is it). */
    public static int ports(int index) {
        byte[] err = new byte[400];
        return check(linkPorts(index, err), err);
    }

    /**
     * Creates bridge {@code name}, down, with Quilt's MAC for the gateway ({@code 02:51} and its four
     * bytes); a link of that name that exists fails it with EEXIST and is left alone. Returns its ifindex.
     */
    public static int createBridge(String name, String gatewayCidr) {
        byte[] err = new byte[400];
        return check(createBridge(name, gatewayCidr, err), err);
    }

    /** On the bridge Quilt made, in one batch: the mark, up, and {@code gatewayCidr} (10.42.0.1/16). */
    public static void finishBridge(int index, String name, String gatewayCidr) {
        byte[] err = new byte[400];
        check(finishBridge(index, name, gatewayCidr, err), err);
    }

    /** The link's ifindex, or -1 when there is no such link. */
    public static int index(String name) {
        int rc = linkIndex(name);
        if (rc == -Errors.value("ENODEV")) return -1;
        return NativeException.check(rc, "ioctl(SIOCGIFINDEX)", name);
    }

    /**
     * Deletes the link these facts describe, by its ifindex (a veth takes its peer with it); false when it
     * is gone. The caller decides from the facts that it is Quilt's to delete.
     */
    public static boolean delete(LinkFacts link) {
        byte[] err = new byte[400];
        int rc = deleteLink(link.index(), link.name(), err);
        if (rc == -Errors.value("ENODEV")) return false;
        check(rc, err);
        return true;
    }

    /** A veth on {@code bridge}, its peer born in the namespace {@code netnsFd}. Returns the peer's ifindex there. */
    public static int addVeth(String host, String peer, String bridge, int netnsFd, byte[] mac) {
        byte[] err = new byte[400];
        return check(addVeth(host, peer, bridge, netnsFd, mac, err), err);
    }

    /** In the namespace: lo up, link {@code index} up with {@code cidr}, default route via {@code gateway}. */
    public static void configureInside(int netnsFd, int index, String name, String cidr, String gateway) {
        byte[] err = new byte[400];
        check(configureInside(netnsFd, index, name, cidr, gateway, err), err);
    }

    /** The table {@code ip <table>}, or empty when there is none. */
    public static Optional<TableFacts> table(String table) {
        long[] out = new long[3];
        byte[] err = new byte[400];
        int rc = tableFacts(table, out, err);
        if (rc == -Errors.value("ENOENT")) return Optional.empty();
        check(rc, err);
        return Optional.of(new TableFacts(out[0], out[1] != 0, out[2] != 0));
    }

    /**
     * Table {@code ip <table>}, commented "quilt", masquerading what leaves {@code subnetCidr}: one
     * transaction. {@code replace} is the handle of Quilt's own table of that name, which goes in the
     * same transaction, or 0 when there is none (then any table of that name fails it with EEXIST).
     */
    public static void addNat(String table, String subnetCidr, long replace) {
        byte[] err = new byte[400];
        check(addNat(table, subnetCidr, replace, err), err);
    }

    /** Deletes the table with this handle; false when it is gone. */
    public static boolean deleteNat(TableFacts table, String name) {
        byte[] err = new byte[400];
        int rc = deleteNat(name, table.handle(), err);
        if (rc == -Errors.value("ENOENT")) return false;
        check(rc, err);
        return true;
    }

    /** An O_CLOEXEC fd of the process's network namespace; close with {@link Processes#closeFd}. */
    public static int namespaceOf(int pid) {
        return NativeException.check(openNamespace(pid), "open", "/proc/" + pid + "/ns/net");
    }
}
