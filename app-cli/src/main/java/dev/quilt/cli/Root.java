package dev.quilt.cli;

import dev.quilt.domain.QuiltException;
import dev.quilt.ports.Privileges;

/** The check commands make before they touch namespaces, mounts or the state root. */
final class Root {
    private Root() {}

    static void require(Privileges privileges, String command) {
        if (!privileges.isRoot()) {
            throw new QuiltException(QuiltException.Kind.PERMISSION,
                    "'quilt " + command + "' must be run as root (try: sudo quilt " + command + " ...)");
        }
    }
}
