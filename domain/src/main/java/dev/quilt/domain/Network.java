package dev.quilt.domain;

import java.util.regex.Pattern;

/**
 * A state root's container network: a Linux bridge, named for the network,
 * with the subnet's first address as the gateway, and NAT for what leaves it.
 */
public record Network(String bridge, Subnet subnet) {
    /** A Linux interface name: at most 15 bytes, none of '/', ':', whitespace. */
    private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,14}");

    /** What a root uses until told otherwise. */
    public static final Network DEFAULT = new Network("quilt0", Subnet.parse("10.42.0.0/16"));

    public Network {
        if (!IFNAME.matcher(bridge).matches()) {
            throw QuiltException.invalid("invalid bridge name '" + Identifiers.printable(bridge)
                    + "': use 1 to 15 letters, digits, '_', '.' or '-'");
        }
    }

    public String name() {
        return bridge;
    }

    public boolean isDefault() {
        return equals(DEFAULT);
    }
}
