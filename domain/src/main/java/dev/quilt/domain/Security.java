package dev.quilt.domain;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a container is confined, in the OCI runtime spec's terms: {@code process}'s
 * capabilities, noNewPrivileges, rlimits, additional gids and umask; {@code linux}'s
 * seccomp, sysctl, devices, maskedPaths and readonlyPaths; {@code root.readonly};
 * and the extra {@code mounts} (bind, tmpfs). {@link #DEFAULT} is at least as tight
 * as podman's defaults; every loosening is a flag the user typed. {@code privileged}
 * records that {@code --privileged} was asked (all capabilities, no seccomp, no
 * masked or read-only paths, a writable /sys and every host device allowed).
 * {@code deviceRules} is a bundle's device policy, OCI {@code linux.resources.devices}
 * in its order (deny and allow), which runc applies to the devices cgroup whether or not
 * a node is made, followed by runc's default allowance; empty is the engine's own policy
 * (everything denied, runc's default allowance, then each of {@code devices} with its access).
 */
public record Security(Capabilities capabilities, boolean noNewPrivileges, Seccomp seccomp, List<Rlimit> rlimits,
                       List<Integer> additionalGids, Optional<Integer> umask, Map<String, String> sysctls,
                       List<MountSpec> mounts, List<DeviceSpec> devices, List<String> maskedPaths,
                       List<String> readonlyPaths, boolean readonlyRootfs, boolean privileged, UserNamespace userns,
                       List<DeviceCgroupRule> deviceRules) {
    /** podman's (containers/common) masked paths: read as empty, or an empty read-only tmpfs for a directory. */
    public static final List<String> DEFAULT_MASKED = List.of("/proc/acpi", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/proc/interrupts", "/sys/firmware", "/sys/dev/block", "/sys/devices/virtual/powercap",
            "/sys/fs/selinux");

    /** podman's read-only paths (OCI {@code linux.readonlyPaths}). */
    public static final List<String> DEFAULT_READONLY = List.of("/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq",
            "/proc/sys", "/proc/sysrq-trigger");

    /** podman's defaults: its capability set, no_new_privs, the default seccomp profile, its masks. */
    public static final Security DEFAULT = new Security(Capabilities.DEFAULT, true, Seccomp.DEFAULT, List.of(),
            List.of(), Optional.empty(), Map.of(), List.of(), List.of(), DEFAULT_MASKED, DEFAULT_READONLY, false,
            false);

    /** Without a user namespace. */
    public Security(Capabilities capabilities, boolean noNewPrivileges, Seccomp seccomp, List<Rlimit> rlimits,
                    List<Integer> additionalGids, Optional<Integer> umask, Map<String, String> sysctls,
                    List<MountSpec> mounts, List<DeviceSpec> devices, List<String> maskedPaths,
                    List<String> readonlyPaths, boolean readonlyRootfs, boolean privileged) {
        this(capabilities, noNewPrivileges, seccomp, rlimits, additionalGids, umask, sysctls, mounts, devices,
                maskedPaths, readonlyPaths, readonlyRootfs, privileged, UserNamespace.HOST);
    }

    /** With the engine's own device policy (no bundle's {@code linux.resources.devices}). */
    public Security(Capabilities capabilities, boolean noNewPrivileges, Seccomp seccomp, List<Rlimit> rlimits,
                    List<Integer> additionalGids, Optional<Integer> umask, Map<String, String> sysctls,
                    List<MountSpec> mounts, List<DeviceSpec> devices, List<String> maskedPaths,
                    List<String> readonlyPaths, boolean readonlyRootfs, boolean privileged, UserNamespace userns) {
        this(capabilities, noNewPrivileges, seccomp, rlimits, additionalGids, umask, sysctls, mounts, devices,
                maskedPaths, readonlyPaths, readonlyRootfs, privileged, userns, List.of());
    }

    public Security {
        java.util.Objects.requireNonNull(userns, "userns");
        deviceRules = List.copyOf(deviceRules);
        if (!(userns instanceof UserNamespace.Host) && !devices.isEmpty()) {
            // the kernel refuses mknod in a user namespace
            throw QuiltException.invalid("--device does not go with --userns or --uidmap: a user namespace may not "
                    + "make device nodes; drop one of them");
        }
        rlimits = List.copyOf(rlimits);
        additionalGids = List.copyOf(additionalGids);
        sysctls = Map.copyOf(sysctls);
        mounts = List.copyOf(mounts);
        devices = List.copyOf(devices);
        maskedPaths = List.copyOf(maskedPaths);
        readonlyPaths = List.copyOf(readonlyPaths);
        for (int g : additionalGids) {
            if (g < 0) throw QuiltException.invalid("group id " + g + " must not be negative");
        }
        if (umask.isPresent() && (umask.get() < 0 || umask.get() > 0777)) {
            throw QuiltException.invalid("umask " + Integer.toOctalString(umask.get()) + " is not between 0 and 0777");
        }
    }

    /** These with {@code mounts} after its own (the CLI's -v and --tmpfs come after a spec's). */
    public Security withMounts(List<MountSpec> more) {
        List<MountSpec> all = new java.util.ArrayList<>(mounts);
        all.addAll(more);
        return new Security(capabilities, noNewPrivileges, seccomp, rlimits, additionalGids, umask, sysctls, all,
                devices, maskedPaths, readonlyPaths, readonlyRootfs, privileged, userns, deviceRules);
    }

    /** These with {@code more} device nodes after its own. */
    public Security withDevices(List<DeviceSpec> more) {
        List<DeviceSpec> all = new java.util.ArrayList<>(devices);
        all.addAll(more);
        return new Security(capabilities, noNewPrivileges, seccomp, rlimits, additionalGids, umask, sysctls, mounts,
                all, maskedPaths, readonlyPaths, readonlyRootfs, privileged, userns, deviceRules);
    }

    /** These in a user namespace ({@code --userns}, {@code --uidmap}), or none ({@link UserNamespace#HOST}). */
    public Security withUserns(UserNamespace u) {
        return new Security(capabilities, noNewPrivileges, seccomp, rlimits, additionalGids, umask, sysctls, mounts,
                devices, maskedPaths, readonlyPaths, readonlyRootfs, privileged, u, deviceRules);
    }

    /** These with the root read-only ({@code --read-only}, OCI {@code root.readonly}). */
    public Security withReadonlyRootfs(boolean readonly) {
        return new Security(capabilities, noNewPrivileges, seccomp, rlimits, additionalGids, umask, sysctls, mounts,
                devices, maskedPaths, readonlyPaths, readonly, privileged, userns, deviceRules);
    }

    /** These with a bundle's device policy ({@link #deviceRules}), in the bundle's order. */
    public Security withDeviceRules(List<DeviceCgroupRule> rules) {
        return new Security(capabilities, noNewPrivileges, seccomp, rlimits, additionalGids, umask, sysctls, mounts,
                devices, maskedPaths, readonlyPaths, readonlyRootfs, privileged, userns, rules);
    }
}
