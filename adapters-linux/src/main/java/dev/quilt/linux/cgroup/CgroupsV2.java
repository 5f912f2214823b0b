package dev.quilt.linux.cgroup;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ResourceUpdate;
import dev.quilt.domain.ResourceUsage;
import dev.quilt.domain.Resources;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Watches;
import dev.quilt.ports.Cgroups;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * cgroup v2: one directory, {@code <mount>/<parent>/<id>}, with cpu, memory and
 * pids enabled from the root down. The monitor clones the init straight into it
 * ({@code CLONE_INTO_CGROUP}). Removal writes {@code cgroup.kill} and waits, on
 * inotify, for {@code cgroup.events} to say {@code populated 0}.
 */
public final class CgroupsV2 implements Cgroups {
    static final List<String> CONTROLLERS = List.of("cpu", "memory", "pids");

    private final Path mount;
    private final String parent;
    private final CgroupFiles files;

    private final ParentGuard guard;

    public CgroupsV2(Path mount, String parent, CgroupFiles files) {
        this(mount, parent, files, Optional.empty());
    }

    /** {@code lockFile}: where processes sharing this parent agree on its removal ({@link ParentGuard}). */
    public CgroupsV2(Path mount, String parent, CgroupFiles files, Optional<Path> lockFile) {
        this.guard = ParentGuard.of(parent, lockFile);
        this.mount = mount;
        this.parent = parent;
        this.files = files;
    }

    private static Set<String> words(String s) {
        return Arrays.stream(s.strip().split("\\s+")).filter(w -> !w.isEmpty()).collect(Collectors.toSet());
    }

    /** Turns on our controllers for the children of {@code dir}, if they are not on already. */
    private void delegate(Path dir) {
        Set<String> on = words(files.read(dir.resolve("cgroup.subtree_control")));
        List<String> off = CONTROLLERS.stream().filter(c -> !on.contains(c)).toList();
        if (!off.isEmpty()) {
            files.write(dir.resolve("cgroup.subtree_control"),
                    off.stream().map(c -> "+" + c).collect(Collectors.joining(" ")));
        }
    }

    private void ensureParent() {
        Set<String> available = words(files.read(mount.resolve("cgroup.controllers")));
        List<String> missing = CONTROLLERS.stream().filter(c -> !available.contains(c)).toList();
        if (!missing.isEmpty()) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "the cgroup v2 tree at " + mount + " lacks the "
                    + String.join(", ", missing) + " controller(s); they are bound to a v1 hierarchy or disabled on the kernel command line");
        }
        delegate(mount);
        Path p = mount.resolve(parent);
        files.mkdir(p);
        try {
            delegate(p);
        } catch (RuntimeException e) {
            // the root's last container was removed meanwhile and took the parent: the caller makes it again
            if (files.exists(p)) throw e;
        }
    }

    @Override
    public Placement create(ContainerId id, Resources r) {
        return create(id, r, dev.quilt.domain.Security.DEFAULT, Optional.empty());
    }

    @Override
    public Placement create(ContainerId id, Resources r, dev.quilt.domain.Security security,
                            Optional<String> cgroupsPath) {
        Path rel = CgroupPath.of(parent, id, cgroupsPath);
        Path d = mount.resolve(rel);
        try {
            guard.whileMaking(() -> {
                ensureParent();
                // the directories on the way, each delegating our controllers to its children
                for (Path a : CgroupPath.ancestors(d, rel)) {
                    files.mkdir(a);
                    delegate(a);
                }
                if (cgroupsPath.isPresent() && files.exists(d)) throw CgroupPath.taken(d);
                files.mkdir(d);
                return null;
            });
        } catch (RuntimeException e) {
            guard.ifNoOneMaking(() -> CgroupPath.oursOnTheWay(d, rel, parent).forEach(files::rmdirUnlessInUse));
            throw e;
        }
        try {
            files.write(d.resolve("memory.max"), r.memory().map(String::valueOf).orElse("max"));
            if (r.memory().isPresent()) {
                Path swap = d.resolve("memory.swap.max");
                String value = r.memorySwap().map(s -> String.valueOf(s - r.memory().get())).orElse("max");
                if (files.exists(swap)) {
                    files.write(swap, value);
                } else if (r.memorySwap().isPresent() && !r.memorySwap().get().equals(r.memory().get() * 2)) {
                    throw QuiltException.invalid("this kernel does not account swap (no memory.swap.max),"
                            + " so --memory-swap cannot be enforced");
                }
            }
            if (r.cpus().isPresent()) {
                files.write(d.resolve("cpu.max"), r.cpus().get().quotaMicros() + " " + r.cpus().get().periodMicros());
            }
            if (r.cpuShares().isPresent()) {
                files.write(d.resolve("cpu.weight"), Long.toString(Resources.weightOf(r.cpuShares().get())));
            }
            files.write(d.resolve("pids.max"), r.pids().map(String::valueOf).orElse("max"));
        } catch (RuntimeException e) {
            try {
                files.rmdir(d);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            guard.ifNoOneMaking(() -> CgroupPath.oursOnTheWay(d, rel, parent).forEach(files::rmdirUnlessInUse));
            throw e;
        }
        return new Placement(Optional.of(d.toString()), List.of(), Optional.empty());
    }

    @Override
    public Placement placement(ContainerId id) {
        return placement(id, Optional.empty());
    }

    @Override
    public Placement placement(ContainerId id, Optional<String> cgroupsPath) {
        Path d = mount.resolve(CgroupPath.of(parent, id, cgroupsPath));
        return files.exists(d) ? new Placement(Optional.of(d.toString()), List.of(), Optional.empty()) : Placement.NONE;
    }

    @Override
    public Optional<ResourceUsage> usage(ContainerId id) {
        return usage(id, Optional.empty());
    }

    @Override
    public Optional<ResourceUsage> usage(ContainerId id, Optional<String> cgroupsPath) {
        Path d = mount.resolve(CgroupPath.of(parent, id, cgroupsPath));
        if (!files.exists(d)) return Optional.empty();
        Map<String, Long> cpu = StatFile.parse(files.read(d.resolve("cpu.stat")));
        return Optional.of(new ResourceUsage(
                StatFile.number(files.read(d.resolve("memory.current"))),
                StatFile.limit(files.read(d.resolve("memory.max"))),
                cpu.getOrDefault("usage_usec", 0L) * 1000, cpu.getOrDefault("user_usec", 0L) * 1000,
                cpu.getOrDefault("system_usec", 0L) * 1000, cpu.getOrDefault("nr_periods", 0L),
                cpu.getOrDefault("nr_throttled", 0L), cpu.getOrDefault("throttled_usec", 0L) * 1000,
                StatFile.number(files.read(d.resolve("pids.current"))),
                StatFile.limit(files.read(d.resolve("pids.max")))));
    }

    @Override
    public void remove(ContainerId id, Duration deadline) {
        remove(id, Optional.empty(), deadline);
    }

    @Override
    public void remove(ContainerId id, Optional<String> cgroupsPath, Duration deadline) {
        Path rel = CgroupPath.of(parent, id, cgroupsPath);
        Path d = mount.resolve(rel);
        if (files.exists(d)) {
            if (files.exists(d.resolve("cgroup.kill"))) {
                killAndAwaitEmpty(d, deadline);
            } else { // before Linux 5.14
                CgroupKiller.killAll("cgroup " + id.shortForm(),
                        () -> CgroupKiller.pids(files.read(d.resolve("cgroup.procs"))), () -> { }, () -> { }, deadline);
            }
            files.rmdir(d);
        }
        // under our parent, the directories a relative cgroupsPath made on the way are ours too
        guard.ifNoOneMaking(() -> CgroupPath.oursOnTheWay(d, rel, parent).forEach(files::rmdirUnlessInUse));
        removeParentIfUnused();
    }

    @Override
    public int signalAll(ContainerId id, int signal) {
        return signalAll(id, Optional.empty(), signal);
    }

    @Override
    public int signalAll(ContainerId id, Optional<String> cgroupsPath, int signal) {
        Path d = mount.resolve(CgroupPath.of(parent, id, cgroupsPath));
        return CgroupKiller.signalAll(() -> files.exists(d) ? CgroupKiller.pids(files.read(d.resolve("cgroup.procs")))
                : Set.of(), signal);
    }

    @Override
    public void removeParentIfUnused() {
        guard.ifNoOneMaking(() -> files.rmdirUnlessInUse(mount.resolve(parent)));
    }

    private boolean populated(Path d) {
        return StatFile.parse(files.read(d.resolve("cgroup.events"))).getOrDefault("populated", 0L) != 0;
    }

    /** cgroup.kill reaches forks in flight too; the kernel notes the last exit in cgroup.events. */
    private void killAndAwaitEmpty(Path d, Duration deadline) {
        long until = System.nanoTime() + deadline.toNanos();
        int inotify = Watches.inotify();
        try {
            Watches.watch(inotify, d.resolve("cgroup.events").toString(), Watches.mask("IN_MODIFY"));
            if (!populated(d)) return;
            files.write(d.resolve("cgroup.kill"), "1");
            while (populated(d)) {
                long left = Math.max(0, (until - System.nanoTime()) / 1_000_000);
                if (Watches.await(new int[] {inotify}, left) == Watches.TIMED_OUT) {
                    throw new QuiltException(QuiltException.Kind.SYSTEM, "processes in " + d + " did not die within "
                            + deadline.toSeconds() + " s of cgroup.kill; look for a task in D state (ps -eo pid,stat,comm)");
                }
                Watches.drainEvents(inotify);
            }
        } finally {
            Processes.closeFd(inotify);
        }
    }

    private Path existing(ContainerId id, Optional<String> cgroupsPath) {
        Path d = mount.resolve(CgroupPath.of(parent, id, cgroupsPath));
        if (!files.exists(d)) throw QuiltException.notFound("container " + id.shortForm() + " has no cgroup (" + d + ")");
        return d;
    }

    @Override
    public void freeze(ContainerId id, Duration deadline) {
        freeze(id, Optional.empty(), deadline);
    }

    @Override
    public void freeze(ContainerId id, Optional<String> cgroupsPath, Duration deadline) {
        Freezers.freezeV2(files, existing(id, cgroupsPath), "cgroup " + id.shortForm(), deadline);
    }

    @Override
    public void thaw(ContainerId id) {
        thaw(id, Optional.empty());
    }

    @Override
    public void thaw(ContainerId id, Optional<String> cgroupsPath) {
        Freezers.thawV2(files, existing(id, cgroupsPath));
    }

    @Override
    public boolean isFrozen(ContainerId id) {
        return isFrozen(id, Optional.empty());
    }

    @Override
    public boolean isFrozen(ContainerId id, Optional<String> cgroupsPath) {
        Path d = mount.resolve(CgroupPath.of(parent, id, cgroupsPath));
        return files.exists(d) && Freezers.requestedV2(files, d);
    }

    @Override
    public List<Integer> pids(ContainerId id) {
        return pids(id, Optional.empty());
    }

    @Override
    public List<Integer> pids(ContainerId id, Optional<String> cgroupsPath) {
        Path d = mount.resolve(CgroupPath.of(parent, id, cgroupsPath));
        if (!files.exists(d)) return List.of();
        return CgroupKiller.pids(files.read(d.resolve("cgroup.procs"))).stream().sorted().toList();
    }

    @Override
    public long oomKills(ContainerId id) {
        return oomKills(id, Optional.empty());
    }

    @Override
    public long oomKills(ContainerId id, Optional<String> cgroupsPath) {
        Path events = mount.resolve(CgroupPath.of(parent, id, cgroupsPath)).resolve("memory.events");
        return files.exists(events) ? StatFile.parse(files.read(events)).getOrDefault("oom_kill", 0L) : 0;
    }

    @Override
    public void update(ContainerId id, ResourceUpdate u) {
        update(id, Optional.empty(), u);
    }

    /**
     * memory.max and memory.swap.max (swap alone: memory plus swap less memory, as runc
     * converts it), cpu.max ({@code quota period}; one of them given keeps the other),
     * cpu.weight from shares, pids.max.
     */
    @Override
    public void update(ContainerId id, Optional<String> cgroupsPath, ResourceUpdate u) {
        Path d = existing(id, cgroupsPath);
        if (u.memorySwap().isPresent()) {
            Path swap = d.resolve("memory.swap.max");
            if (!files.exists(swap)) {
                throw QuiltException.invalid("this kernel does not account swap (no memory.swap.max), so memory-swap cannot be changed");
            }
            long swapTotal = u.memorySwap().get();
            Optional<Long> memory = u.memory().isPresent() ? u.memory().filter(m -> m != -1)
                    : StatFile.limit(files.read(d.resolve("memory.max")));
            String value;
            if (swapTotal == -1) value = "max";
            else if (memory.isEmpty()) {
                throw QuiltException.invalid("memory-swap " + swapTotal + " needs a memory limit as well");
            } else value = Long.toString(swapTotal - memory.get());
            u.memory().ifPresent(m -> files.write(d.resolve("memory.max"), ResourceUpdate.limit(m)));
            files.write(swap, value);
        } else {
            u.memory().ifPresent(m -> files.write(d.resolve("memory.max"), ResourceUpdate.limit(m)));
        }
        if (u.cpuQuota().isPresent() || u.cpuPeriod().isPresent()) {
            String[] now = files.read(d.resolve("cpu.max")).strip().split("\\s+");
            String quota = u.cpuQuota().map(ResourceUpdate::limit).orElse(now[0]);
            String period = u.cpuPeriod().map(String::valueOf).orElse(now.length > 1 ? now[1] : "100000");
            files.write(d.resolve("cpu.max"), quota + " " + period);
        }
        u.cpuShares().ifPresent(s -> files.write(d.resolve("cpu.weight"), Long.toString(Resources.weightOf(s.intValue()))));
        u.pids().ifPresent(p -> files.write(d.resolve("pids.max"), ResourceUpdate.limit(p)));
    }

    @Override
    public Set<ContainerId> present() {
        Set<ContainerId> out = new HashSet<>();
        for (String name : files.children(mount.resolve(parent))) ContainerId.parse(name).ifPresent(out::add);
        return out;
    }
}
