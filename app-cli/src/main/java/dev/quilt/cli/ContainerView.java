package dev.quilt.cli;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.Cpus;
import dev.quilt.domain.Endpoint;
import dev.quilt.domain.Durations;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.Health;
import dev.quilt.domain.HealthCheck;
import dev.quilt.domain.HealthResult;
import dev.quilt.domain.PhaseMark;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.RecordedExit;
import dev.quilt.domain.Resources;
import dev.quilt.linux.LinuxPaths;

import java.time.Instant;
import dev.quilt.domain.RootFs;

import java.util.List;
import java.util.Optional;

/**
 * A container as inspect and ps --json show it. {@code monitor} is "running"
 * while a created or running container has its monitor, "gone" when its init
 * runs on after the monitor was killed (no exit will be recorded), and absent
 * once it has stopped. {@code restartCount}: how many times it was run again after it exited (docker's
 * {@code RestartCount}). {@code image} is the image's digest, or {@code rootfs} the directory an OCI
 * bundle's {@code root.path} names.
 */
record ContainerView(String id, String name, String status, Integer pid, Integer monitorPid, String monitor, String created,
                     String started, String exited, Integer exitCode, Integer exitSignal, Boolean oomKilled,
                     String error, String image, String rootfs, List<String> command, boolean init, String hostname, boolean autoRemove,
                     int restartCount,
                     NetworkView network, ResourcesView resources, List<PhaseView> readiness, HealthView health,
                     SecurityView security, Paths paths, java.util.Map<String, String> labels,
                     RestoredView restored) {

    /**
     * Which path a persisted create took and why (issue 16, item 7): {@code path} {@code restore} or {@code fresh},
     * {@code from} the checkpoint tried ({@code NAME/CHECKPOINT}), {@code reason} one line. Absent for a container
     * that was not made by a persisted create.
     */
    record RestoredView(String from, String path, String reason) {
        static RestoredView of(Container c) {
            return dev.quilt.domain.Restored.of(c.spec().labels())
                    .map(r -> new RestoredView(r.from().orElse(null), r.path().word(), r.reason())).orElse(null);
        }
    }

    /**
     * The confinement as the command gets it: each capability set by OCI name, no_new_privs, the seccomp
     * profile ("default", "unconfined", or the file it came from), masked and read-only paths, rlimits
     * (-1 unlimited), additional groups, sysctls, whether --privileged was asked, and the user namespace:
     * "host" (none), or "private" with its uid and gid maps as CONTAINER:HOST:SIZE (podman's --uidmap form).
     */
    record SecurityView(boolean privileged, CapsView capabilities, boolean noNewPrivileges, String seccomp,
                        List<String> maskedPaths, List<String> readonlyPaths, List<RlimitView> rlimits,
                        List<Integer> additionalGids, java.util.Map<String, String> sysctls,
                        boolean readonlyRootfs, List<MountView> mounts, List<DeviceView> devices, UsernsView userns) {
        /** An extra mount (-v, --tmpfs, --read-only's tmpfs, a bundle's), in OCI's terms. */
        record MountView(String destination, String type, String source, List<String> options) {}

        /** A --device node and the access its cgroup rule gives. */
        record DeviceView(String path, String type, long major, long minor, String access) {}

        record UsernsView(String mode, List<String> uidMappings, List<String> gidMappings) {
            static UsernsView of(dev.quilt.domain.UserNamespace u) {
                return switch (u) {
                    case dev.quilt.domain.UserNamespace.Host h -> new UsernsView("host", List.of(), List.of());
                    case dev.quilt.domain.UserNamespace.Auto a -> new UsernsView("auto:size=" + a.size(), List.of(), List.of());
                    case dev.quilt.domain.UserNamespace.Mapped m -> new UsernsView("private",
                            m.uids().stream().map(Object::toString).toList(), m.gids().stream().map(Object::toString).toList());
                };
            }
        }

        record CapsView(List<String> bounding, List<String> effective, List<String> permitted,
                        List<String> inheritable, List<String> ambient) {}

        record RlimitView(String type, long soft, long hard) {}

        static SecurityView of(dev.quilt.domain.Security s) {
            dev.quilt.domain.Capabilities c = s.capabilities();
            String seccomp = switch (s.seccomp()) {
                case dev.quilt.domain.Seccomp.Default d -> "default";
                case dev.quilt.domain.Seccomp.Unconfined u -> "unconfined";
                case dev.quilt.domain.Seccomp.Profile p -> p.origin();
            };
            return new SecurityView(s.privileged(), new CapsView(names(c.bounding()), names(c.effective()),
                    names(c.permitted()), names(c.inheritable()), names(c.ambient())), s.noNewPrivileges(), seccomp,
                    s.maskedPaths(), s.readonlyPaths(),
                    s.rlimits().stream().map(r -> new RlimitView(r.type(), r.soft(), r.hard())).toList(),
                    s.additionalGids(), new java.util.TreeMap<>(s.sysctls()), s.readonlyRootfs(),
                    s.mounts().stream().map(m -> new MountView(m.destination(), m.type(), m.source(), m.options())).toList(),
                    s.devices().stream().map(d -> new DeviceView(d.path(), String.valueOf(d.type()), d.major(), d.minor(),
                            d.access())).toList(), UsernsView.of(s.userns()));
        }

        private static List<String> names(java.util.Set<dev.quilt.domain.Capability> set) {
            return set.stream().sorted().map(dev.quilt.domain.Capability::ociName).toList();
        }
    }

    /** One readiness phase: when it held and how long its own work took. */
    record PhaseView(String phase, String at, double millis, Boolean skipped) {
        static PhaseView of(PhaseMark m) {
            return new PhaseView(m.phase().word(), m.at().toString(), m.took().toNanos() / 1e6,
                    m.skipped() ? Boolean.TRUE : null);
        }
    }

    /** The check as given, the status it has led to, and its last run. */
    record HealthView(String command, String interval, String timeout, String startInterval, int retries,
                      String status, int failingStreak, LastCheck last) {
        record LastCheck(int exitCode, Integer exitSignal, Boolean timedOut, String output, String start, String end) {
            static LastCheck of(HealthResult r) {
                return new LastCheck(r.exit().code(), r.exit().signal() > 0 ? r.exit().signal() : null,
                        r.timedOut() ? Boolean.TRUE : null, r.output(), r.start().toString(), r.end().toString());
            }
        }

        static HealthView of(Container c) {
            if (c.spec().health().isEmpty()) return null;
            HealthCheck h = c.spec().health().get();
            Health now = c.health().orElse(Health.STARTING);
            return new HealthView(h.command(), Durations.format(h.interval()), Durations.format(h.timeout()),
                    Durations.format(h.startInterval()), h.retries(), now.status().word(), now.failingStreak(),
                    now.last().map(LastCheck::of).orElse(null));
        }
    }

    /** The limits as given: bytes, CPUs, shares, tasks; null is no limit. */
    record ResourcesView(Long memory, Long memorySwap, Double cpus, Integer cpuShares, Long pidsLimit) {
        static ResourcesView of(Resources r) {
            return new ResourcesView(r.memory().orElse(null), r.memorySwap().orElse(null),
                    r.cpus().map(Cpus::count).orElse(null), r.cpuShares().orElse(null), r.pids().orElse(null));
        }
    }

    record Paths(String state, String log, String layer) {}

    /**
     * mode always; the rest on a bridge network. A stopped container has given its address back (its
     * monitor did at the exit), so it shows none, as docker shows a stopped container's.
     */
    record NetworkView(String mode, String bridge, String ipAddress, Integer prefixLength, String gateway,
                       String macAddress, String hostLink, Double setupMillis) {
        static NetworkView of(Container c) {
            Optional<Endpoint> e = c.endpoint().filter(x -> c.status() != dev.quilt.domain.Status.STOPPED);
            return new NetworkView(c.spec().network().word(), c.endpoint().map(Endpoint::bridge).orElse(null),
                    e.map(x -> x.address().toString()).orElse(null), e.map(Endpoint::prefix).orElse(null),
                    e.map(x -> x.gateway().toString()).orElse(null), e.map(Endpoint::mac).orElse(null),
                    e.map(Endpoint::hostLink).orElse(null),
                    c.readiness().networkSetup().map(d -> d.toNanos() / 1e6).orElse(null));
        }
    }

    static ContainerView of(Container c, Optional<RecordedExit> recorded, boolean monitorGone, LinuxPaths paths) {
        boolean live = c.status().isLive();
        return new ContainerView(c.id().value(), c.name().map(ContainerName::value).orElse(null), c.status().word(),
                c.init().map(ProcessRef::pid).orElse(null), c.monitor().map(ProcessRef::pid).orElse(null),
                !live ? null : monitorGone ? "gone" : "running",
                c.createdAt().toString(), c.startedAt().map(Instant::toString).orElse(null),
                c.exitedAt().map(Instant::toString).orElse(null), c.exit().map(ExitStatus::code).orElse(null),
                c.exit().map(ExitStatus::signal).filter(s -> s > 0).orElse(null),
                recorded.map(RecordedExit::oomKilled).orElse(null), recorded.flatMap(RecordedExit::error).orElse(null),
                c.spec().root() instanceof RootFs.Image i ? i.digest().value() : null,
                c.spec().root() instanceof RootFs.Directory d ? d.path() : null, c.spec().process().args(),
                c.spec().init(), c.spec().hostname().value(), c.autoRemove(), c.restartCount(), NetworkView.of(c),
                ResourcesView.of(c.spec().resources()),
                c.readiness().marks().stream().map(PhaseView::of).toList(), HealthView.of(c),
                SecurityView.of(c.spec().security()),
                new Paths(paths.containerState(c.id()).toString(), paths.log(c.id()).toString(),
                        paths.containerLayer(c.id()).toString()), c.spec().labels(), RestoredView.of(c));
    }
}

/** A container whose record cannot be read, as ps --json shows it: {@code status} is {@code broken}, {@code error} why. */
record BrokenView(String id, String status, String error, ContainerView.Paths paths) {
    static BrokenView of(dev.quilt.domain.ContainerRecord.Broken b, LinuxPaths paths) {
        return new BrokenView(b.id().value(), "broken", b.reason(), new ContainerView.Paths(
                paths.containerState(b.id()).toString(), paths.log(b.id()).toString(),
                paths.containerLayer(b.id()).toString()));
    }
}
