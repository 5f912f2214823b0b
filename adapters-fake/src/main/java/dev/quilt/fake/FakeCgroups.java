package dev.quilt.fake;

import dev.quilt.domain.ContainerId;
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
