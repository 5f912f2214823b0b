package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.Cpus;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ResourceUpdate;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.ResourceUsage;
import dev.quilt.domain.Resources;
import dev.quilt.ports.Cgroups;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Cgroups as entries in the fake kernel; a container's init is its one member. */
public final class FakeCgroups implements Cgroups {
    private final FakeKernel kernel;

    public FakeCgroups(FakeKernel kernel) {
        this.kernel = kernel;
    }

    @Override
    public Placement create(ContainerId id, Resources limits) {
        kernel.maybeFail("cgroups.create");
        synchronized (kernel) {
            kernel.cgroups().put(id, limits);
        }
        return new Placement(Optional.of("/fake/" + id.value()), List.of(), Optional.empty());
    }

    @Override
    public Placement placement(ContainerId id) {
        synchronized (kernel) {
            return kernel.cgroups().containsKey(id)
                    ? new Placement(Optional.of("/fake/" + id.value()), List.of(), Optional.empty()) : Placement.NONE;
        }
    }

    @Override
    public Optional<ResourceUsage> usage(ContainerId id) {
        synchronized (kernel) {
            Resources r = kernel.cgroups().get(id);
            if (r == null) return Optional.empty();
            long members = kernel.initOf(id).filter(p -> p.exit().isEmpty()).isPresent() ? 1 : 0;
            return Optional.of(new ResourceUsage(0, r.memory(), 0, 0, 0, 0, 0, 0, members, r.pids()));
        }
    }

    @Override
    public void remove(ContainerId id, Duration deadline) {
        kernel.maybeFail("cgroups.remove");
        Optional<FakeKernel.FakeProcess> member;
        synchronized (kernel) {
            if (!kernel.cgroups().containsKey(id)) return;
            member = kernel.initOf(id);
        }
        // what cgroup.kill does to whatever is left: the monitor sees a SIGKILL
        member.ifPresent(init -> kernel.exit(init, ExitStatus.killedBy(9), Optional.empty()));
        synchronized (kernel) {
            kernel.cgroups().remove(id);
            kernel.frozen().remove(id);
        }
    }

    private Resources limits(ContainerId id) {
        Resources r = kernel.cgroups().get(id);
        if (r == null) throw QuiltException.notFound("container " + id.shortForm() + " has no cgroup");
        return r;
    }

    /** As cgroup v2's freezer, at once: a fatal signal still ends a frozen member. */
    @Override
    public void freeze(ContainerId id, Duration deadline) {
        kernel.maybeFail("cgroups.freeze");
        synchronized (kernel) {
            limits(id);
            kernel.frozen().add(id);
        }
    }

    @Override
    public void thaw(ContainerId id) {
        kernel.maybeFail("cgroups.thaw");
        synchronized (kernel) {
            limits(id);
            kernel.frozen().remove(id);
        }
    }

    @Override
    public boolean isFrozen(ContainerId id) {
        synchronized (kernel) {
            return kernel.frozen().contains(id);
        }
    }

    @Override
    public List<Integer> pids(ContainerId id) {
        synchronized (kernel) {
            if (!kernel.cgroups().containsKey(id)) return List.of();
            return kernel.initOf(id).filter(p -> p.exit().isEmpty()).map(p -> List.of(p.pid)).orElse(List.of());
        }
    }

    /** The fake kernel has no OOM killer. */
    @Override
    public long oomKills(ContainerId id) {
        return 0;
    }

    /** Writes the change into the recorded limits; what the kernel would refuse (swap below memory) is refused. */
    @Override
    public void update(ContainerId id, ResourceUpdate u) {
        kernel.maybeFail("cgroups.update");
        synchronized (kernel) {
            Resources r = limits(id);
            Optional<Long> memory = u.memory().isPresent() ? u.memory().filter(m -> m != -1) : r.memory();
            Optional<Long> swap = u.memorySwap().isPresent() ? u.memorySwap().filter(m -> m != -1) : r.memorySwap();
            if (memory.isEmpty()) swap = Optional.empty();
            if (swap.isPresent() && swap.get() < memory.get()) {
                throw QuiltException.invalid("memory-swap " + swap.get() + " is less than memory " + memory.get()
                        + "; give --memory-swap as well");
            }
            Optional<Cpus> cpus = r.cpus();
            if (u.cpuQuota().isPresent() || u.cpuPeriod().isPresent()) {
                long period = u.cpuPeriod().orElse(cpus.map(Cpus::periodMicros).orElse(Cpus.PERIOD));
                long quota = u.cpuQuota().orElse(cpus.map(Cpus::quotaMicros).orElse(-1L));
                cpus = quota == -1 ? Optional.empty() : Optional.of(new Cpus(quota, period));
            }
            Optional<Integer> shares = u.cpuShares().map(Long::intValue).or(r::cpuShares);
            Optional<Long> pids = u.pids().isPresent() ? u.pids().filter(p -> p != -1) : r.pids();
            kernel.cgroups().put(id, new Resources(memory, swap, cpus, shares, pids));
        }
    }

    /** The fake's cgroup holds its init alone: a default action ends it, as {@code kill} of the init does. */
    @Override
    public int signalAll(ContainerId id, int signal) {
        kernel.maybeFail("cgroups.signalAll");
        Optional<FakeKernel.FakeProcess> member;
        synchronized (kernel) {
            if (!kernel.cgroups().containsKey(id)) return 0;
            member = kernel.initOf(id).filter(p -> p.exit().isEmpty());
        }
        member.ifPresent(init -> kernel.exit(init, ExitStatus.killedBy(signal), Optional.empty()));
        return member.isPresent() ? 1 : 0;
    }

    /** The fake keeps its cgroups in one map: there is no parent to remove. */
    @Override
    public void removeParentIfUnused() {
    }

    @Override
    public Set<ContainerId> present() {
        return kernel.cgroupSnapshot();
    }

    // the fake kernel has one cgroup per container wherever it is: a linux.cgroupsPath changes no behaviour here

    @Override
    public Placement create(ContainerId id, Resources limits, dev.quilt.domain.Security security,
                            Optional<String> cgroupsPath) {
        return create(id, limits, security);
    }

    @Override
    public Optional<ResourceUsage> usage(ContainerId id, Optional<String> cgroupsPath) {
        return usage(id);
    }

    @Override
    public Placement placement(ContainerId id, Optional<String> cgroupsPath) {
        return placement(id);
    }

    @Override
    public void remove(ContainerId id, Optional<String> cgroupsPath, Duration deadline) {
        remove(id, deadline);
    }
}
