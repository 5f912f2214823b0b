package dev.quilt.domain;

import java.util.Optional;

/**
 * What runc's {@code create}/{@code run} flags ask of the engine beyond the bundle's
 * {@code config.json} (runc 1.1 {@code create --help}), and how the root is taken.
 *
 * @param rootInPlace   the bundle's rootfs is the container's root, written in place, as runc and crun do
 *                      ({@code quilt-runc}); false: it is the lower layer of an overlay of the container's own,
 *                      so it is never written ({@code quilt create --bundle})
 * @param consoleSocket {@code --console-socket}: the AF_UNIX socket that gets the pty master of a
 *                      {@code process.terminal} container (SCM_RIGHTS), as conmon and containerd's shim expect
 * @param preserveFds   {@code --preserve-fds N}: the caller's fds 3..3+N-1 are the process's fds 3..3+N-1
 * @param noPivot       {@code --no-pivot}: the root is entered with MS_MOVE + chroot, not pivot_root(2)
 * @param newKeyring    false with {@code --no-new-keyring}: the process keeps the caller's session keyring
 */
public record RuncTerms(boolean rootInPlace, Optional<String> consoleSocket, int preserveFds, boolean noPivot,
                        boolean newKeyring) {
    /** {@code quilt create --bundle}: an overlay over the bundle's rootfs, pivot_root, a keyring of its own. */
    public static final RuncTerms QUILT = new RuncTerms(false, Optional.empty(), 0, false, true);

    /** {@code quilt-runc create} with no flags: runc's defaults. */
    public static final RuncTerms RUNC = new RuncTerms(true, Optional.empty(), 0, false, true);

    public RuncTerms {
        if (preserveFds < 0) throw QuiltException.invalid("--preserve-fds " + preserveFds + " must be 0 or more");
        consoleSocket.ifPresent(s -> {
            if (s.isEmpty() || s.indexOf('\0') >= 0) {
                throw QuiltException.invalid("--console-socket needs the path of a unix socket");
            }
        });
    }
}
