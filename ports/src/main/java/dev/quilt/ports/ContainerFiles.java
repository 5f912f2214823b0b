package dev.quilt.ports;

import dev.quilt.domain.PathStat;
import dev.quilt.domain.ProcessRef;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * Files into and out of a running (or paused) container as tar, resolved inside the container's own root
 * (Engine API 1.41 "Containers: archive"; the path-resolution class of docker cp's CVE-2018-15664 and
 * CVE-2019-14271 is why: no path of a request or of a tar entry may reach outside that root, whatever symlinks
 * the container made). Paths are absolute in the container. Failures are {@link dev.quilt.domain.QuiltException}s:
 * not found (the path is missing), invalid input (put under a non-directory; a tar entry that climbs, is absolute
 * or goes through a symlink; a body that is no tar), conflict (the container's init has exited).
 */
public interface ContainerFiles {
    /** Which container: its init (pid and start time) and whether it has its own user namespace to join. */
    record Target(ProcessRef init, boolean userNamespace) {}

    /** docker's {@code noOverwriteDirNonDir} and {@code copyUIDGID} query parameters of PUT. */
    record PutOptions(boolean noOverwriteDirNonDir, boolean copyUidGid) {}

    /** The path's lstat(2), its name the path's base name ({@code /} for the root). */
    PathStat stat(Target target, String path);

    /** Writes a tar of {@code path} to {@code tar}, its top entry the path's base name (docker's layout). */
    void get(Target target, String path, OutputStream tar);

    /** Extracts the tar (plain, gzip, bzip2 or xz) read from {@code tar} under the directory {@code path}. */
    void put(Target target, String path, InputStream tar, PutOptions options);
}
