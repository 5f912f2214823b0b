package dev.quilt.linux.cgroup;

import dev.quilt.ports.Cgroups;

import java.util.Optional;

/**
 * The contract again with the v1 freezer ({@code freezer.state}) where the hybrid
 * host would use its cgroup2 tree's {@code cgroup.freeze}: what a pure v1 host runs.
 */
class CgroupsV1FreezerIT extends CgroupsV1IT {
    @Override
    protected Cgroups cgroups() {
        LinuxCgroups.Hierarchies h = LinuxCgroups.hierarchies(LinuxCgroups.MOUNTINFO);
        return new CgroupsV1(h.controllers(), h.all(), parent(), new KernelCgroupFiles(), Optional.empty(), Optional.empty());
    }
}
