package dev.quilt.ports;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Network;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Subnet;

/**
 * The host's side of container networking: the bridge with its NAT, and each
 * container's link. Quilt reuses, changes and deletes only what it made: a
 * link is its bridge only when the kernel says it is of kind bridge and
 * carries Quilt's mark; anything else of that name is refused and left alone.
 * Several state roots may share one bridge; each records its use, and the
 * bridge goes only with its last user.
 */
public interface HostNetwork {
    /** What the host holds under a network's bridge name. */
    enum BridgeState {
        /** no link of that name */
        ABSENT("absent"),
        /** Quilt's bridge, up, with the network's gateway and its NAT */
        READY("ready"),
        /** Quilt's bridge, not (or no longer) all there: the next {@link #ensure} finishes it */
        INCOMPLETE("incomplete"),
        /** a link of that name that is not a bridge: never touched */
        NOT_A_BRIDGE("not a bridge"),
        /** a bridge Quilt did not make: never touched */
        FOREIGN("not made by quilt");

        private final String word;

        BridgeState(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }

        /** A bridge of Quilt's is there, complete or not. */
        public boolean quiltBridge() {
            return this == READY || this == INCOMPLETE;
        }
    }

    /** What {@link #remove} did with the bridge and its NAT. */
    record Removal(Outcome outcome, String detail) {
        public enum Outcome { REMOVED, ABSENT, KEPT }

        public static Removal removed() {
            return new Removal(Outcome.REMOVED, "");
        }

        public static Removal absent() {
            return new Removal(Outcome.ABSENT, "");
        }

        /** Left in place; {@code why} is a lowercase phrase: "another quilt root uses it". */
        public static Removal kept(String why) {
            return new Removal(Outcome.KEPT, why);
        }
    }

    /**
     * Makes sure the bridge is Quilt's, up, with the gateway address, forwarding
     * on and outbound NAT in place, and records that this root uses it; cheap
     * when all of that holds. Throws a one-line {@code QuiltException} naming
     * the link when it cannot, and changes nothing of the host then: a link of
     * that name that is not Quilt's bridge, an nftables table of that name that
     * is not Quilt's, or another root using the bridge with another subnet.
     */
    void ensure(Network network);

    /**
     * This root stops using the network. The bridge and its NAT table go only
     * when Quilt made them, no other root uses the bridge and no link is
     * plugged into it; otherwise they stay, and the result says why.
     */
    Removal remove(Network network);

    /** Whether this root is recorded as a user of the network's bridge. */
    boolean uses(Network network);

    /** What the host holds under the network's bridge name now. */
    BridgeState state(Network network);

    /** Deletes the host end of the container's veth if it is still there (and is a veth). */
    void unplug(ContainerId id);

    /** {@link #ensure}'s refusal of a link of the bridge's name that is not a bridge. */
    static QuiltException notABridge(String link) {
        return QuiltException.conflict("link '" + link + "' exists and is not a bridge; choose another name with"
                + " 'quilt network create --bridge'");
    }

    /** {@link #ensure}'s refusal of a bridge that Quilt did not make. */
    static QuiltException foreignBridge(String link) {
        return QuiltException.conflict("bridge '" + link + "' exists and was not made by quilt; choose another name"
                + " with 'quilt network create --bridge'");
    }

    /** {@link #ensure}'s refusal of a bridge that another root uses with another subnet. */
    static QuiltException sharedWithAnotherSubnet(Network wanted, String otherRoot, Subnet theirs) {
        return QuiltException.conflict("bridge '" + wanted.bridge() + "' is used by another quilt root (" + otherRoot
                + ") with subnet " + theirs + "; use that subnet, or another name with 'quilt network create --bridge'");
    }
}
