package dev.quilt.linux.cgroup;

import java.nio.file.Path;
import java.util.List;

/**
 * The few operations a cgroup backend does on its file system. The kernel's
 * cgroupfs makes a directory's interface files itself and refuses what a
 * controller does not accept; {@link KernelCgroupFiles} passes everything
 * through, and tests put a tree with the same semantics in a temp dir behind it.
 */
public interface CgroupFiles {
    /** Makes a directory; one that exists already is fine. */
    void mkdir(Path dir);

    /** Removes a cgroup directory; one that is gone already is fine. */
    void rmdir(Path dir);

    /**
     * Removes a parent cgroup unless it is in use: true when it is gone, false
     * when it stays. The kernel refuses (EBUSY) while it has a child, and a
     * container may arrive, or leave, as we look; either way the parent is in use
     * or about to be, and the next removal of a container (or gc) tries again.
     */
    default boolean rmdirUnlessInUse(Path dir) {
        try {
            rmdir(dir);
            return true;
        } catch (RuntimeException e) {
            return !exists(dir);
        }
    }

    /** Writes {@code value} to an existing interface file, as {@code echo value > file} does. */
    void write(Path file, String value);

    String read(Path file);

    boolean exists(Path path);

    /** Names of the subdirectories (child cgroups). */
    List<String> children(Path dir);
}
