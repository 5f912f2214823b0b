package dev.quilt.domain;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A container's place on its network: its address, the gateway, eth0's MAC
 * and the name of the host end of its veth. The MAC is derived from the
 * address, so an address handed out again comes with the same MAC and no
 * neighbour's ARP cache is ever wrong about it.
 */
public record Endpoint(String bridge, Ipv4Address address, int prefix, Ipv4Address gateway, String mac, String hostLink) {

    public static Endpoint of(Network network, Ipv4Address address, ContainerId id) {
        if (!network.subnet().assignable(address)) {
            throw QuiltException.invalid("address " + address + " is not assignable in " + network.subnet());
        }
        return new Endpoint(network.bridge(), address, network.subnet().prefix(), network.subnet().gateway(),
                macOf(address), hostLinkOf(id));
    }

    /** 02:51 (locally administered, "Q") then the four bytes of the address. */
    public static String macOf(Ipv4Address a) {
        return "02:51:" + HexFormat.ofDelimiter(":").formatHex(a.bytes());
    }

    /**
     * The host end of a container's veth: "qv" and twelve hex digits, 14 bytes
     * (IFNAMSIZ allows 15). A random ID gives its short form, as {@code ps}
     * shows it; any other ID its hash, so that "job-runner-1" and
     * "job-runner-2" do not share a link name.
     */
    public static String hostLinkOf(ContainerId id) {
        if (id.value().matches("[0-9a-f]{64}")) return "qv" + id.shortForm();
        try {
            String v = id.value();
            byte[] ascii = new byte[v.length()]; // IDs are ASCII by their pattern
            for (int i = 0; i < ascii.length; i++) ascii[i] = (byte) v.charAt(i);
            byte[] h = MessageDigest.getInstance("SHA-256").digest(ascii);
            return "qv" + HexFormat.of().formatHex(h, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JDK", e);
        }
    }

    /** 10.42.0.5/16 */
    public String cidr() {
        return address + "/" + prefix;
    }
}
