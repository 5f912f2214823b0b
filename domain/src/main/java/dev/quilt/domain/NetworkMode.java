package dev.quilt.domain;

/** How a container is networked: {@code --network bridge|none|host}. */
public enum NetworkMode {
    /** its own namespace, a veth on the root's bridge, an address from its subnet */
    BRIDGE,
    /** its own namespace with only lo; no network code runs */
    NONE,
    /** the host's namespace */
    HOST;

    public static NetworkMode parse(String s) {
        return switch (s) {
            case "bridge" -> BRIDGE;
            case "none" -> NONE;
            case "host" -> HOST;
            default -> throw QuiltException.invalid("unknown network '" + Identifiers.printable(s)
                    + "': use bridge, none or host");
        };
    }

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
