package dev.quilt.linux.cgroup;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.DeviceCgroupRule;
import dev.quilt.domain.DeviceSpec;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ResourceUpdate;
import dev.quilt.domain.ResourceUsage;
import dev.quilt.domain.Security;
import dev.quilt.domain.Resources;
import dev.quilt.ports.Cgroups;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static dev.quilt.domain.DeviceCgroupRule.ANY;

/**
 * cgroup v1: one directory per hierarchy, each {@code <mount>/<parent>/<id>}, in
 * every hierarchy the host has mounted: the ones holding limits ({@code memory},
 * {@code cpu}, {@code cpuacct}, {@code pids}, {@code freezer}, {@code devices}; cpu
 * and cpuacct may share one) and all the others, which hold none ({@code blkio},
 * {@code cpuset}, {@code net_cls,net_prio}, {@code name=systemd}, …, and a hybrid
 * host's cgroup2 tree). The init unshares its cgroup namespace once it is in all of
 * them, so in none of them is its root the host's (a hierarchy left out would let
 * it mount that one and set {@code release_agent}: host root). The monitor writes
 * the init's pid into every one's {@code cgroup.procs} before the init may go on,
 * and {@code exec} joins every one. Removal freezes, kills and thaws, then waits on
 * pidfds: v1 has no {@code cgroup.kill}.
 */
public final class CgroupsV1 implements Cgroups {
    static final List<String> CONTROLLERS = List.of("memory", "cpu", "cpuacct", "pids", "freezer", "devices");

    /** A task may join a cpuset cgroup only once it has cpus and mems: copied from the parent. */
    static final String CPUSET = "cpuset";

    /**
     * What a container may open once everything is denied: the nodes its /dev
     * holds (null, zero, full, random, urandom, tty, ptmx and its ptys), as runc
     * allows by default. mknod stays allowed; opening anything else, say a host
     * disk made with mknod, is EPERM.
     */
    static final List<DeviceCgroupRule> ALLOWANCE = List.of(allow('c', ANY, ANY, "m"), allow('b', ANY, ANY, "m"),
            allow('c', 1, 3, "rwm"), allow('c', 1, 5, "rwm"), allow('c', 1, 7, "rwm"), allow('c', 1, 8, "rwm"),
            allow('c', 1, 9, "rwm"), allow('c', 5, 0, "rwm"), allow('c', 5, 2, "rwm"), allow('c', 136, ANY, "rwm"));

    /** {@link #ALLOWANCE} as {@code devices.allow} lines: {@code c *:* m}, {@code c 1:3 rwm}, … */
    static final List<String> DEVICES = ALLOWANCE.stream().map(DeviceCgroupRule::entry).toList();

    private final Map<String, Path> mounts;
    private final List<Path> hierarchies;
    private final String parent;
    private final CgroupFiles files;

    private final ParentGuard guard;
    /** A hybrid host's cgroup2 mount, whose core freezer pauses the container (see {@link Freezers}). */
    private final Optional<Path> unified;

    /** {@code mounts}: controller name to its hierarchy's mount point; those are all the hierarchies. */
    public CgroupsV1(Map<String, Path> mounts, String parent, CgroupFiles files) {
        this(mounts, List.copyOf(new LinkedHashSet<>(mounts.values())), parent, files, Optional.empty());
    }

    /**
     * {@code mounts}: controller name to its hierarchy's mount point; {@code hierarchies}:
     * the mount point of every hierarchy the container joins (those of {@code mounts} are
     * joined whether listed or not); {@code lockFile}: where processes sharing this
     * parent agree on its removal ({@link ParentGuard}).
     */
    public CgroupsV1(Map<String, Path> mounts, List<Path> hierarchies, String parent, CgroupFiles files,
                     Optional<Path> lockFile) {
        this(mounts, hierarchies, parent, files, lockFile, Optional.empty());
    }

    /**
     * As above on a hybrid host: {@code unified} is its cgroup2 mount (one of
     * {@code hierarchies}), whose {@code cgroup.freeze} pauses the container with an
     * event when it is frozen, where v1's freezer has none.
     */
    public CgroupsV1(Map<String, Path> mounts, List<Path> hierarchies, String parent, CgroupFiles files,
                     Optional<Path> lockFile, Optional<Path> unified) {
        this.unified = unified;
        this.guard = ParentGuard.of(parent, lockFile);
        this.mounts = Map.copyOf(mounts);
        this.hierarchies = List.copyOf(hierarchies);
        this.parent = parent;
        this.files = files;
    }

    private Path mount(String controller) {
        Path m = mounts.get(controller);
        if (m == null) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "this host has no cgroup v1 '" + controller
                    + "' hierarchy mounted; mount it under /sys/fs/cgroup (or boot with cgroup v2)");
        }
        return m;
    }

    private Path dir(String controller, ContainerId id) {
        return dir(controller, CgroupPath.of(parent, id, Optional.empty()));
    }

    private Path dir(String controller, Path rel) {
        return mount(controller).resolve(rel);
    }

    /** The distinct directories of a container, one per hierarchy, memory first, then those holding no limit. */
    private List<Path> dirs(ContainerId id) {
        return dirs(CgroupPath.of(parent, id, Optional.empty()));
    }

    /** {@link #dirs(ContainerId)} at {@code rel} below each hierarchy's root. */
    private List<Path> dirs(Path rel) {
        Set<Path> out = new LinkedHashSet<>();
        for (String c : CONTROLLERS) out.add(dir(c, rel));
        for (Path h : hierarchies) out.add(h.resolve(rel));
        return new ArrayList<>(out);
    }

    /** The mount points of every hierarchy, each once. */
    private Set<Path> allMounts() {
        Set<Path> out = new LinkedHashSet<>();
        for (String c : CONTROLLERS) {
            Path m = mounts.get(c);
            if (m != null) out.add(m);
        }
        out.addAll(hierarchies);
        return out;
    }

    /**
     * A new cpuset cgroup has no cpus and no mems, and the kernel refuses a task
     * in it (ENOSPC): it gets its parent's, as {@code cgroup.clone_children} would
     * give them (which Quilt does not set on the host's root). Values already there
     * (a parent another container made) are kept.
     */
    private void inheritCpuset(Path dir) {
        for (String name : List.of("cpus", "mems")) {
            Path mine = dir.resolve("cpuset." + name);
            if (!files.exists(mine)) mine = dir.resolve(name); // mounted with noprefix
            if (!files.read(mine).isBlank()) continue;
            String theirs = files.read(dir.getParent().resolve(mine.getFileName())).strip();
            if (!theirs.isEmpty()) files.write(mine, theirs);
        }
    }

    @Override
    public Placement create(ContainerId id, Resources r) {
        return create(id, r, Security.DEFAULT);
    }

    /**
     * What the container's devices cgroup gets, in order, each to {@code devices.allow} or {@code devices.deny}:
     * {@code a} allowed when privileged; else {@code a} denied, then a bundle's own rules
     * ({@link Security#deviceRules}, in its order) and runc's default allowance after them, as runc 1.1 appends
     * its default devices' rules to the spec's; or, without such rules, the default allowance and each of
     * {@link Security#devices} with its access.
     */
    static List<DeviceCgroupRule> devicePolicy(Security security) {
        if (security.privileged()) return List.of(new DeviceCgroupRule(true, 'a', ANY, ANY, "rwm"));
        List<DeviceCgroupRule> rules = new ArrayList<>();
        rules.add(new DeviceCgroupRule(false, 'a', ANY, ANY, "rwm"));
        rules.addAll(security.deviceRules());
        rules.addAll(ALLOWANCE);
        if (security.deviceRules().isEmpty()) {
            for (DeviceSpec d : security.devices()) rules.add(allow(d.type(), d.major(), d.minor(), d.access()));
        }
        return rules;
    }

    private static DeviceCgroupRule allow(char type, long major, long minor, String access) {
        return new DeviceCgroupRule(true, type, major, minor, access);
    }

    @Override
    public Placement create(ContainerId id, Resources r, Security security) {
        return create(id, r, security, Optional.empty());
    }

    @Override
    public Placement create(ContainerId id, Resources r, Security security, Optional<String> cgroupsPath) {
        Path rel = CgroupPath.of(parent, id, cgroupsPath);
        List<Path> dirs = dirs(rel);
        List<Path> made = new ArrayList<>();
        try {
            Optional<Path> cpuset = Optional.ofNullable(mounts.get(CPUSET)).map(m -> m.resolve(rel));
            guard.whileMaking(() -> {
                for (Path d : dirs) {
                    boolean inCpuset = cpuset.isPresent() && cpuset.get().equals(d);
                    // the directories on the way, each a cpuset with its parent's cpus and mems
                    for (Path a : CgroupPath.ancestors(d, rel)) {
                        files.mkdir(a);
                        if (inCpuset) inheritCpuset(a);
                    }
                    if (cgroupsPath.isPresent() && files.exists(d)) {
                        throw CgroupPath.taken(d);
                    }
                    files.mkdir(d);
                    made.add(d);
                    if (inCpuset) inheritCpuset(d);
                }
                return null;
            });
            Path mem = dir("memory", rel);
            if (r.memory().isPresent()) {
                files.write(mem.resolve("memory.limit_in_bytes"), Long.toString(r.memory().get()));
                Path memsw = mem.resolve("memory.memsw.limit_in_bytes");
                if (files.exists(memsw)) {
                    files.write(memsw, r.memorySwap().map(String::valueOf).orElse("-1"));
                } else if (r.memorySwap().isPresent() && !r.memorySwap().get().equals(r.memory().get() * 2)) {
                    throw QuiltException.invalid("this kernel does not account swap (no memory.memsw.limit_in_bytes;"
                            + " boot with swapaccount=1), so --memory-swap cannot be enforced");
                }
            }
            Path cpu = dir("cpu", rel);
            if (r.cpus().isPresent()) {
                files.write(cpu.resolve("cpu.cfs_period_us"), Long.toString(r.cpus().get().periodMicros()));
                files.write(cpu.resolve("cpu.cfs_quota_us"), Long.toString(r.cpus().get().quotaMicros()));
            }
            if (r.cpuShares().isPresent()) files.write(cpu.resolve("cpu.shares"), Integer.toString(r.cpuShares().get()));
            files.write(dir("pids", rel).resolve("pids.max"), r.pids().map(String::valueOf).orElse("max"));
            Path devices = dir("devices", rel);
            for (DeviceCgroupRule rule : devicePolicy(security)) {
                files.write(devices.resolve(rule.allow() ? "devices.allow" : "devices.deny"), rule.entry());
            }
        } catch (RuntimeException e) {
            for (Path d : made) {
                try {
                    files.rmdir(d);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            guard.ifNoOneMaking(() -> {
                for (Path d : dirs) CgroupPath.oursOnTheWay(d, rel, parent).forEach(files::rmdirUnlessInUse);
            });
            throw e;
        }
        return new Placement(Optional.empty(), dirs.stream().map(Path::toString).toList(),
                Optional.of(dir("memory", rel).toString()));
    }

    @Override
    public Placement placement(ContainerId id) {
        return placement(id, Optional.empty());
    }

    /**
     * Placements found, by the cgroup's path below the hierarchies' roots: every exec, readiness probe and health
     * check asks for its container's, and each look is a stat of every hierarchy's directory. A container's
     * directories are made with it (all hierarchies, or none: {@link #create} undoes a half-made set) and go with
     * its removal, which forgets the entry; a stale entry (a container removed by another process) only serves a
     * container that is no longer running, whose exec is refused before or as it joins.
     */
    private final java.util.concurrent.ConcurrentHashMap<Path, Placement> placed =
            new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public Placement placement(ContainerId id, Optional<String> cgroupsPath) {
        Path rel = CgroupPath.of(parent, id, cgroupsPath);
        Placement known = placed.get(rel);
        if (known != null) return known;
        List<Path> dirs = dirs(rel).stream().filter(files::exists).toList();
        if (dirs.isEmpty()) return Placement.NONE;
        Placement found = new Placement(Optional.empty(), dirs.stream().map(Path::toString).toList(),
                Optional.of(dir("memory", rel).toString()).filter(d -> files.exists(Path.of(d))));
        placed.put(rel, found);
        return found;
    }

    @Override
    public Optional<ResourceUsage> usage(ContainerId id) {
        return usage(id, Optional.empty());
    }

    @Override
    public Optional<ResourceUsage> usage(ContainerId id, Optional<String> cgroupsPath) {
        Path rel = CgroupPath.of(parent, id, cgroupsPath);
        Path mem = dir("memory", rel);
        if (!files.exists(mem)) return Optional.empty();
        Path cpu = dir("cpu", rel);
        Path acct = dir("cpuacct", rel);
        Path pids = dir("pids", rel);
        Map<String, Long> cpuStat = StatFile.parse(files.read(cpu.resolve("cpu.stat")));
        return Optional.of(new ResourceUsage(
                StatFile.number(files.read(mem.resolve("memory.usage_in_bytes"))),
                StatFile.limit(files.read(mem.resolve("memory.limit_in_bytes"))),
                StatFile.number(files.read(acct.resolve("cpuacct.usage"))),
                StatFile.number(files.read(acct.resolve("cpuacct.usage_user"))),
                StatFile.number(files.read(acct.resolve("cpuacct.usage_sys"))),
                cpuStat.getOrDefault("nr_periods", 0L), cpuStat.getOrDefault("nr_throttled", 0L),
                cpuStat.getOrDefault("throttled_time", 0L),
                StatFile.number(files.read(pids.resolve("pids.current"))),
                StatFile.limit(files.read(pids.resolve("pids.max")))));
    }

    @Override
    public void remove(ContainerId id, Duration deadline) {
        remove(id, Optional.empty(), deadline);
    }

    @Override
    public void remove(ContainerId id, Optional<String> cgroupsPath, Duration deadline) {
        Path rel = CgroupPath.of(parent, id, cgroupsPath);
        placed.remove(rel);
        List<Path> dirs = dirs(rel).stream().filter(files::exists).toList();
        Path freezer = dir("freezer", rel);
        // a monitor still placing its init writes the pid into one hierarchy after another: a
        // process that arrives after our last look makes rmdir fail (EBUSY), and is killed in the next round
        for (int round = 1; !dirs.isEmpty(); round++) {
            CgroupKiller.killAll("cgroup " + id.shortForm(), () -> members(dirs),
                    () -> { if (files.exists(freezer)) files.write(freezer.resolve("freezer.state"), "FROZEN"); },
                    () -> { if (files.exists(freezer)) files.write(freezer.resolve("freezer.state"), "THAWED"); },
                    deadline);
            try {
                for (Path d : dirs) files.rmdir(d);
                break;
            } catch (RuntimeException e) {
                if (round >= 3 || members(dirs).isEmpty()) throw e;
            }
        }
        // under our parent, the directories a relative cgroupsPath made on the way are ours too
        guard.ifNoOneMaking(() -> {
            for (Path d : dirs(rel)) {
                for (Path a : CgroupPath.oursOnTheWay(d, rel, parent)) files.rmdirUnlessInUse(a);
            }
        });
        removeParentIfUnused();
    }

    @Override
    public void removeParentIfUnused() {
        Set<Path> parents = new LinkedHashSet<>();
        for (Path m : allMounts()) parents.add(m.resolve(parent));
        guard.ifNoOneMaking(() -> parents.forEach(files::rmdirUnlessInUse));
    }

    @Override
    public int signalAll(ContainerId id, int signal) {
        return signalAll(id, Optional.empty(), signal);
    }

    @Override
    public int signalAll(ContainerId id, Optional<String> cgroupsPath, int signal) {
        List<Path> dirs = dirs(CgroupPath.of(parent, id, cgroupsPath));
        return CgroupKiller.signalAll(() -> members(dirs), signal);
    }

    private Set<Integer> members(List<Path> dirs) {
        Set<Integer> pids = new HashSet<>();
        for (Path d : dirs) {
            if (files.exists(d)) pids.addAll(CgroupKiller.pids(files.read(d.resolve("cgroup.procs"))));
        }
        return pids;
    }

    /** Where the container is paused: its cgroup2 directory on a hybrid host, else its v1 freezer cgroup. */
    private Optional<Path> unifiedDir(Path rel) {
        return unified.map(u -> u.resolve(rel)).filter(files::exists);
    }

    private Path existing(Path d, ContainerId id) {
        if (!files.exists(d)) throw QuiltException.notFound("container " + id.shortForm() + " has no cgroup (" + d + ")");
        return d;
    }

    @Override
    public void freeze(ContainerId id, Duration deadline) {
        freeze(id, Optional.empty(), deadline);
    }

    @Override
    public void freeze(ContainerId id, Optional<String> cgroupsPath, Duration deadline) {
        Path rel = CgroupPath.of(parent, id, cgroupsPath);
        Optional<Path> u = unifiedDir(rel);
        if (u.isPresent()) Freezers.freezeV2(files, u.get(), "cgroup " + id.shortForm(), deadline);
        else Freezers.freezeV1(files, existing(dir("freezer", rel), id));
    }

    @Override
    public void thaw(ContainerId id) {
        thaw(id, Optional.empty());
    }

    @Override
    public void thaw(ContainerId id, Optional<String> cgroupsPath) {
        Path rel = CgroupPath.of(parent, id, cgroupsPath);
        Optional<Path> u = unifiedDir(rel);
        if (u.isPresent()) Freezers.thawV2(files, u.get());
        else Freezers.thawV1(files, existing(dir("freezer", rel), id));
    }

    @Override
    public boolean isFrozen(ContainerId id) {
        return isFrozen(id, Optional.empty());
    }

    @Override
    public boolean isFrozen(ContainerId id, Optional<String> cgroupsPath) {
        Path rel = CgroupPath.of(parent, id, cgroupsPath);
        Optional<Path> u = unifiedDir(rel);
        if (u.isPresent()) return Freezers.requestedV2(files, u.get());
        Path f = dir("freezer", rel);
        return files.exists(f) && Freezers.frozenV1(files, f);
    }

    @Override
    public List<Integer> pids(ContainerId id) {
        return pids(id, Optional.empty());
    }

    @Override
    public List<Integer> pids(ContainerId id, Optional<String> cgroupsPath) {
        return members(dirs(CgroupPath.of(parent, id, cgroupsPath))).stream().sorted().toList();
    }

    @Override
    public long oomKills(ContainerId id) {
        return oomKills(id, Optional.empty());
    }

    @Override
    public long oomKills(ContainerId id, Optional<String> cgroupsPath) {
        Path control = dir("memory", CgroupPath.of(parent, id, cgroupsPath)).resolve("memory.oom_control");
        return files.exists(control) ? StatFile.parse(files.read(control)).getOrDefault("oom_kill", 0L) : 0;
    }

    @Override
    public void update(ContainerId id, ResourceUpdate u) {
        update(id, Optional.empty(), u);
    }

    /**
     * memory.limit_in_bytes and memory.memsw.limit_in_bytes in the order the kernel
     * accepts (memory may never exceed memory+swap: a rising memsw goes first, as runc
     * orders them), cpu.cfs_period_us then cpu.cfs_quota_us, cpu.shares, pids.max.
     */
    @Override
    public void update(ContainerId id, Optional<String> cgroupsPath, ResourceUpdate u) {
        Path rel = CgroupPath.of(parent, id, cgroupsPath);
        Path mem = existing(dir("memory", rel), id);
        Path memsw = mem.resolve("memory.memsw.limit_in_bytes");
        Path limit = mem.resolve("memory.limit_in_bytes");
        if (u.memorySwap().isPresent() && !files.exists(memsw)) {
            throw QuiltException.invalid("this kernel does not account swap (no memory.memsw.limit_in_bytes;"
                    + " boot with swapaccount=1), so memory-swap cannot be changed");
        }
        if (u.memorySwap().isPresent()) {
            long now = StatFile.limit(files.read(memsw)).orElse(-1L);
            long next = u.memorySwap().get();
            boolean rising = next == -1 || (now != -1 && next > now);
            if (rising) files.write(memsw, Long.toString(next));
            u.memory().ifPresent(m -> files.write(limit, Long.toString(m)));
            if (!rising) files.write(memsw, Long.toString(next));
        } else if (u.memory().isPresent()) {
            long m = u.memory().get();
            if (files.exists(memsw)) {
                Optional<Long> total = StatFile.limit(files.read(memsw));
                if (total.isPresent() && (m == -1 || m > total.get())) {
                    throw QuiltException.invalid("memory " + ResourceUpdate.limit(m) + " is above the container's memory+swap limit "
                            + total.get() + "; give memory-swap as well (-1 for unlimited)");
                }
            }
            files.write(limit, Long.toString(m));
        }
        Path cpu = existing(dir("cpu", rel), id);
        u.cpuPeriod().ifPresent(p -> files.write(cpu.resolve("cpu.cfs_period_us"), Long.toString(p)));
        u.cpuQuota().ifPresent(q -> files.write(cpu.resolve("cpu.cfs_quota_us"), Long.toString(q)));
        u.cpuShares().ifPresent(sh -> files.write(cpu.resolve("cpu.shares"), Long.toString(sh)));
        u.pids().ifPresent(p -> files.write(existing(dir("pids", rel), id).resolve("pids.max"), ResourceUpdate.limit(p)));
    }

    @Override
    public Set<ContainerId> present() {
        Set<ContainerId> out = new HashSet<>();
        for (Path m : allMounts()) {
            for (String name : files.children(m.resolve(parent))) {
                ContainerId.parse(name).ifPresent(out::add);
            }
        }
        return out;
    }
}
