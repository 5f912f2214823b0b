package dev.quilt.cli;

import dev.quilt.domain.QuiltException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalNotFoundException;

/**
 * Who may talk to the server: the socket is mode 0660, owned by root and by group {@code quilt} when that group
 * exists (as dockerd's socket is root:docker 0660). Whoever can reach it can run containers as root, so no one else.
 */
final class SocketAccess {
    static final String DEFAULT_GROUP = "quilt";

    private SocketAccess() {}

    static void restrict(Path socket, String group) {
        try {
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
            String g = group != null ? group : DEFAULT_GROUP;
            GroupPrincipal principal;
            try {
                principal = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(g);
            } catch (UserPrincipalNotFoundException e) {
                if (group != null) throw QuiltException.invalid("--group " + group + ": no such group");
                return;
            }
            Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(principal);
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot set the access of " + socket + ": "
                    + dev.quilt.linux.IoErrors.why(e), e);
        }
    }
}
