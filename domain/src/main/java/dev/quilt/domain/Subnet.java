package dev.quilt.domain;

/**
 * An IPv4 subnet for a container network, e.g. {@code 10.42.0.0/16}. The first
 * host address is the gateway (the bridge); the network and broadcast
 * addresses are never handed out.
 */
public record Subnet(Ipv4Address network, int prefix) {
    /** Smallest: a /30 holds one container. Largest: a /8. */
    public static final int MIN_PREFIX = 8, MAX_PREFIX = 30;

    public Subnet {
        if (prefix < MIN_PREFIX || prefix > MAX_PREFIX) {
            throw QuiltException.invalid("invalid subnet " + network + "/" + prefix + ": the prefix must be "
                    + MIN_PREFIX + " to " + MAX_PREFIX);
        }
        if ((network.bits() & ~mask(prefix)) != 0) {
            Ipv4Address base = new Ipv4Address(network.bits() & mask(prefix));
            throw QuiltException.invalid("invalid subnet " + network + "/" + prefix + ": host bits are set; did you mean "
                    + base + "/" + prefix + "?");
        }
        int first = network.bits() >>> 24;
        if (first == 0 || first == 127 || first >= 224) {
            throw QuiltException.invalid("invalid subnet " + network + "/" + prefix
                    + ": not a unicast range a bridge can route; use a private one such as 10.42.0.0/16");
        }
    }

    public static Subnet parse(String s) {
        int slash = s.indexOf('/');
        String p = slash < 0 ? "" : s.substring(slash + 1);
        if (slash < 0 || p.isEmpty() || p.length() > 2 || !p.chars().allMatch(Character::isDigit)) {
            throw QuiltException.invalid("invalid subnet '" + Identifiers.printable(s) + "': use a.b.c.d/prefix, e.g. 10.42.0.0/16");
        }
        return new Subnet(Ipv4Address.parse(s.substring(0, slash)), Integer.parseInt(p));
    }

    private static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    public long size() {
        return 1L << (32 - prefix);
    }

    public Ipv4Address gateway() {
        return network.plus(1);
    }

    public Ipv4Address broadcast() {
        return network.plus(size() - 1);
    }

    /** Addresses containers can have: all but network, gateway and broadcast. */
    public long hostCapacity() {
        return size() - 3;
    }

    public boolean contains(Ipv4Address a) {
        return (a.bits() & mask(prefix)) == network.bits();
    }

    public boolean overlaps(Subnet o) {
        int m = mask(Math.min(prefix, o.prefix));
        return (network.bits() & m) == (o.network.bits() & m);
    }

    /** Whether containers may have this address. */
    public boolean assignable(Ipv4Address a) {
        return contains(a) && !a.equals(network) && !a.equals(gateway()) && !a.equals(broadcast());
    }

    @Override
    public String toString() {
        return network + "/" + prefix;
    }
}
