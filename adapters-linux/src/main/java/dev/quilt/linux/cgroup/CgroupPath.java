package dev.quilt.linux.cgroup;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a container's cgroup is below a hierarchy's root (runtime-spec config-linux.md "Cgroups Path",
 * as runc's cgroupfs manager reads it): Quilt's own {@code <parent>/<id>} without a
 * {@code linux.cgroupsPath}; an absolute one from the hierarchy's root ({@code /kubepods/pod1/c1} is
 * {@code <mount>/kubepods/pod1/c1}); a relative one under this root's parent ({@code <parent>/a/b}).
 */
final class CgroupPath {
    private CgroupPath() {}

    /** The location relative to each hierarchy's mount point; a path with {@code ..} or nothing in it is refused. */
    static Path of(String parent, ContainerId id, Optional<String> cgroupsPath) {
        if (cgroupsPath.isEmpty()) return Path.of(parent, id.value());
        String p = cgroupsPath.get();
        Path rel = p.startsWith("/") ? Path.of(p.substring(1)) : Path.of(parent).resolve(p);
        if (rel.toString().isEmpty() || rel.normalize().startsWith("..") || !rel.normalize().equals(rel)
                || p.contains("//")) {
            throw QuiltException.invalid("linux.cgroupsPath '" + p + "' must name a cgroup below the root, without"
                    + " '..', '.' or empty components");
        }
        return rel;
    }

    /** The directories between the hierarchy's root and {@code dir} (itself {@code <mount>/rel}), outermost first. */
    static List<Path> ancestors(Path dir, Path rel) {
        Path mount = mountOf(dir, rel);
        List<Path> out = new ArrayList<>();
        for (int i = 1; i < rel.getNameCount(); i++) out.add(mount.resolve(rel.subpath(0, i)));
        return out;
    }

    /**
     * The directories strictly between {@code <mount>/<parent>} and {@code dir}, innermost first, when
     * {@code rel} is under the parent (a relative cgroupsPath): Quilt's to remove once empty. None otherwise.
     */
    static List<Path> oursOnTheWay(Path dir, Path rel, String parent) {
        Path p = Path.of(parent);
        if (!rel.startsWith(p) || rel.getNameCount() <= p.getNameCount() + 1) return List.of();
        Path mount = mountOf(dir, rel);
        List<Path> out = new ArrayList<>();
        for (int i = rel.getNameCount() - 1; i > p.getNameCount(); i--) out.add(mount.resolve(rel.subpath(0, i)));
        return out;
    }

    private static Path mountOf(Path dir, Path rel) {
        Path mount = dir;
        for (int i = 0; i < rel.getNameCount(); i++) mount = mount.getParent();
        return mount;
    }

    /** A leaf at a bundle's cgroupsPath that exists already: someone else's, which Quilt neither takes nor removes. */
    static QuiltException taken(Path dir) {
        return QuiltException.invalid("cgroup " + dir + " exists already (linux.cgroupsPath): quilt makes a"
                + " container's cgroup itself and will not take or later remove one it did not make; give another"
                + " path or remove that cgroup");
    }
}
