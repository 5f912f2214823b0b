package dev.quilt.domain;

import java.util.Optional;
import java.util.Set;

/**
 * Which address to hand out next: the lowest assignable one not in use. Reuse
 * is safe because an address always comes with the same MAC ({@link Endpoint#macOf}).
 */
public final class AddressPool {
    private AddressPool() {}

    public static Optional<Ipv4Address> firstFree(Subnet subnet, Set<Ipv4Address> used) {
        for (long i = 2; i < subnet.size() - 1; i++) {
            Ipv4Address a = subnet.network().plus(i);
            if (!used.contains(a)) return Optional.of(a);
        }
        return Optional.empty();
    }

    /** The one line for a full network. */
    public static QuiltException exhausted(Network network) {
        return new QuiltException(QuiltException.Kind.CONFLICT, "network '" + network.name() + "' has no free address ("
                + network.subnet() + "); remove containers you no longer need (quilt rm), or use a larger --subnet");
    }
}
