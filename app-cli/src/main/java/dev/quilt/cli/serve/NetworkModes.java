package dev.quilt.cli.serve;

import dev.quilt.domain.NetworkMode;

import java.util.Optional;
import java.util.function.Predicate;

/**
 * A create body's {@code HostConfig.NetworkMode} as Quilt's network: {@code bridge} and {@code default} (docker's
 * name for it) are the root's bridge, {@code none} only a loopback, {@code host} the host's namespace. Empty for
 * any other name, which the create refuses (400) unless a resolver here knows it: the seam for user-defined
 * network names (docker-compose's {@code PROJECT_default}).
 */
public final class NetworkModes {
    private NetworkModes() {}

    /** The mode {@code name} means; an empty or absent name is docker's default, the bridge. */
    public static Optional<NetworkMode> resolve(String name) {
        if (name == null) return Optional.of(NetworkMode.BRIDGE);
        return switch (name) {
            case "", "default", "bridge" -> Optional.of(NetworkMode.BRIDGE);
            case "none" -> Optional.of(NetworkMode.NONE);
            case "host" -> Optional.of(NetworkMode.HOST);
            default -> Optional.empty();
        };
    }

    /**
     * As {@link #resolve(String)}, and a name {@code userDefined} knows (a network made with
     * {@code POST /networks/create}: {@link NetworkNames#resolves}) is another name for the root's bridge.
     */
    public static Optional<NetworkMode> resolve(String name, Predicate<String> userDefined) {
        return resolve(name).or(() -> userDefined.test(name) ? Optional.of(NetworkMode.BRIDGE) : Optional.empty());
    }
}
