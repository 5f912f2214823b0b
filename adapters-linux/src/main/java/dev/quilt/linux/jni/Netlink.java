package dev.quilt.linux.jni;

import java.nio.charset.StandardCharsets;

/**
 * Peer of native/src/jni/netlink.c: rtnetlink and nftables requests sent from
 * this process, each as one batch. The per-container requests run in
 * quilt-monitor from the same C code; they are here too so that each
 * message type is tested on its own.
 */
public final class Netlink {
    private Netlink() {}

    static native int ensureBridge(String name, String gatewayCidr, byte[] err);

    static native int linkIndex(String name);

    static native int deleteLink(String name, byte[] err);

    static native int addVeth(String host, String peer, String bridge, int netnsFd, byte[] mac, byte[] err);

    static native int configureInside(int netnsFd, int index, String name, String cidr, String gateway, byte[] err);

    static native int addNat(String table, String subnetCidr, byte[] err);

    static native int deleteNat(String table, byte[] err);

    static native int openNamespace(int pid);

    private static int check(int rc, byte[] err) {
        if (rc >= 0) return rc;
        int n = 0;
        while (n < err.length && err[n] != 0) n++;
        String what = new String(err, 0, n, StandardCharsets.UTF_8);
        throw new NativeException("netlink", what.isEmpty() ? "request" : what, -rc);
    }

    /** Creates the bridge when missing, with {@code gatewayCidr} (10.42.0.1/16) on it, up. Returns its ifindex. */
    public static int ensureBridge(String name, String gatewayCidr) {
        byte[] err = new byte[400];
        return check(ensureBridge(name, gatewayCidr, err), err);
    }

    /** The link's ifindex, or -1 when there is no such link. */
    public static int index(String name) {
        int rc = linkIndex(name);
        if (rc == -Errors.value("ENODEV")) return -1;
        return NativeException.check(rc, "ioctl(SIOCGIFINDEX)", name);
    }

    /** Deletes a link (a veth takes its peer with it); false when there was none. */
    public static boolean delete(String name) {
        byte[] err = new byte[400];
        int rc = deleteLink(name, err);
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

    /** Table {@code ip <table>} masquerading what leaves {@code subnetCidr}; replaces an older one. */
    public static void addNat(String table, String subnetCidr) {
        byte[] err = new byte[400];
        check(addNat(table, subnetCidr, err), err);
    }

    /** False when there was no such table. */
    public static boolean deleteNat(String table) {
        byte[] err = new byte[400];
        int rc = deleteNat(table, err);
        if (rc == -Errors.value("ENOENT")) return false;
        check(rc, err);
        return true;
    }

    /** An O_CLOEXEC fd of the process's network namespace; close with {@link Processes#closeFd}. */
    public static int namespaceOf(int pid) {
        return NativeException.check(openNamespace(pid), "open", "/proc/" + pid + "/ns/net");
    }
}
