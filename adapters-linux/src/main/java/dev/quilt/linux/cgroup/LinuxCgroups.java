package dev.quilt.linux.cgroup;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ResourceUsage;
import dev.quilt.domain.Resources;
import dev.quilt.ports.Cgroups;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Picks the backend the host has. A unified host ({@code cgroup.controllers} at
 * the top of /sys/fs/cgroup) gets v2. Anything else is read from mountinfo: the
 * v1 hierarchies by their controllers. A hybrid host's cgroup2 mount (systemd's
 * /sys/fs/cgroup/unified, often with no controller at all) is not where limits
 * live, so it is v1 there; the container still gets a cgroup in that tree, as in
 * every other hierarchy ({@link Hierarchies}).
 */
public final class LinuxCgroups {
    public static final Path ROOT = Path.of("/sys/fs/cgroup");
    public static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private LinuxCgroups() {}

    public static Cgroups probe(String parent) {
        return probe(ROOT, MOUNTINFO, parent, new KernelCgroupFiles());
    }

    /** {@code lockFile}: the state root's guard of its parent cgroup ({@link ParentGuard}). */
    public static Cgroups probe(String parent, Path lockFile) {
        return probe(ROOT, MOUNTINFO, parent, new KernelCgroupFiles(), Optional.of(lockFile));
    }

    public static Cgroups probe(Path root, Path mountinfo, String parent, CgroupFiles files) {
        return probe(root, mountinfo, parent, files, Optional.empty());
    }

    private static Cgroups probe(Path root, Path mountinfo, String parent, CgroupFiles files, Optional<Path> lockFile) {
        if (files.exists(root.resolve("cgroup.controllers"))) return new CgroupsV2(root, parent, files, lockFile);
        Hierarchies h = hierarchies(mountinfo);
        if (h.controllers().containsKey("memory")) {
            return new CgroupsV1(h.controllers(), h.all(), parent, files, lockFile, h.unified());
        }
        return new Missing(root);
    }

    /**
     * What mountinfo says of a v1 (or hybrid) host. {@code controllers}: the
     * mount point of each hierarchy that holds a controller Quilt writes to
     * ({@link CgroupsV1#CONTROLLERS}, and cpuset, whose cpus and mems a child must
     * be given). {@code all}: the mount point of every hierarchy, each once
     * (a hierarchy mounted twice is one superblock): every v1 one, controllers
     * or named ({@code name=systemd}), and the cgroup2 tree of a hybrid host. A
     * container joins every one of them before it unshares its cgroup namespace:
     * in a hierarchy it did not join, its namespace's root would be the host's.
     * {@code unified}: a hybrid host's cgroup2 mount, where the container is paused.
     */
    record Hierarchies(Map<String, Path> controllers, List<Path> all, Optional<Path> unified) {
        Hierarchies(Map<String, Path> controllers, List<Path> all) {
            this(controllers, all, Optional.empty());
        }

        Hierarchies {
            controllers = Map.copyOf(controllers);
            all = List.copyOf(all);
        }
    }

    /** Controller name to mount point, for every cgroup (v1) mount whose options name our controllers. */
    static Map<String, Path> v1Mounts(Path mountinfo) {
        return hierarchies(mountinfo).controllers();
    }

    static Hierarchies hierarchies(Path mountinfo) {
        List<String> lines;
        try {
            lines = Files.readAllLines(mountinfo);
        } catch (IOException e) {
            throw KernelCgroupFiles.failed("read", mountinfo, e);
        }
        Map<String, Path> controllers = new HashMap<>();
        Map<String, Path> bySuperblock = new LinkedHashMap<>();
        Optional<Path> unified = Optional.empty();
        for (String line : lines) {
            // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
            int dash = line.indexOf(" - ");
            if (dash < 0) continue;
            String[] pre = line.substring(0, dash).split(" ");
            String[] post = line.substring(dash + 3).split(" ");
            if (pre.length < 5 || post.length < 3) continue;
            boolean v1 = post[0].equals("cgroup");
            if (!v1 && !post[0].equals("cgroup2")) continue;
            Path mountPoint = Path.of(unescape(pre[4]));
            bySuperblock.putIfAbsent(pre[2], mountPoint);
            if (!v1) {
                if (unified.isEmpty()) unified = Optional.of(bySuperblock.get(pre[2]));
                continue;
            }
            for (String opt : post[2].split(",")) {
                if (CgroupsV1.CONTROLLERS.contains(opt) || opt.equals(CgroupsV1.CPUSET)) {
                    controllers.putIfAbsent(opt, mountPoint);
                }
            }
        }
        return new Hierarchies(controllers, List.copyOf(bySuperblock.values()), unified);
    }

    /** mountinfo writes space, tab, newline and backslash as \ooo. */
    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** A host with no cgroup hierarchy: nothing can be limited, and saying so is the only honest answer. */
    private record Missing(Path root) implements Cgroups {
        @Override
        public Placement create(ContainerId id, Resources limits) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "no cgroup hierarchy is mounted at " + root
                    + "; mount cgroup2 there (mount -t cgroup2 none " + root + ") so limits can hold");
        }

        @Override
        public Optional<ResourceUsage> usage(ContainerId id) {
            return Optional.empty();
        }

        @Override
        public Placement placement(ContainerId id) {
            return Placement.NONE;
        }

        @Override
        public void remove(ContainerId id, Duration deadline) {
        }

        @Override
        public void removeParentIfUnused() {
        }

        @Override
        public int signalAll(ContainerId id, int signal) {
            return 0;
        }

        @Override
        public Set<ContainerId> present() {
            return Set.of();
        }

        private QuiltException none() {
            return new QuiltException(QuiltException.Kind.SYSTEM, "no cgroup hierarchy is mounted at " + root
                    + ", so there is no freezer and no limit to change; mount cgroup2 there (mount -t cgroup2 none " + root + ")");
        }

        @Override
        public void freeze(ContainerId id, Duration deadline) {
            throw none();
        }

        @Override
        public void thaw(ContainerId id) {
            throw none();
        }

        @Override
        public boolean isFrozen(ContainerId id) {
            return false;
        }

        @Override
        public List<Integer> pids(ContainerId id) {
            return List.of();
        }

        @Override
        public long oomKills(ContainerId id) {
            return 0;
        }

        @Override
        public void update(ContainerId id, dev.quilt.domain.ResourceUpdate change) {
            throw none();
        }
    }
}
