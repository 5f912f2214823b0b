package dev.quilt.cli.runc;

import dev.quilt.domain.Capability;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Rlimit;
import dev.quilt.domain.oci.OciLinux;
import dev.quilt.domain.oci.OciMount;
import dev.quilt.domain.oci.OciProcess;
import dev.quilt.domain.oci.RuntimeSpec;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.oci.OciSpecCodec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code spec [--bundle DIR] [--rootless]}: writes a starting {@code config.json} into the bundle, the one
 * runc 1.1's {@code spec} writes (runc {@code libcontainer/specconv.Example}): {@code sh} on a terminal as
 * root in {@code /}, the capabilities AUDIT_WRITE, KILL and NET_BIND_SERVICE, RLIMIT_NOFILE 1024,
 * no_new_privs, a read-only {@code rootfs}, the hostname {@code runc}, runc's standard mounts, every
 * device denied, new pid, network, ipc, uts and mount namespaces, runc's masked and read-only paths.
 * {@code --rootless} turns it into runc's rootless spec ({@code specconv.ToRootless}): a user namespace
 * mapping the caller's uid and gid to 0, no network namespace, the host's {@code /sys} bound read-only
 * instead of a sysfs (and no cgroup mount under it), no {@code gid=5} for devpts, no cgroup limits.
 * An existing {@code config.json} is never overwritten (runc: "File config.json exists. Remove it first").
 */
@Command(name = "spec", description = "Write a new config.json into the bundle (runc spec's).")
final class SpecVerb implements Callable<Integer> {
    @Option(names = {"-b", "--bundle"}, paramLabel = "DIR", description = "the bundle (default: the current directory)")
    String bundle = ".";

    @Option(names = "--rootless", description = "a spec for a rootless container")
    boolean rootless;

    static final List<String> MASKED = List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
            "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
            "/proc/scsi");
    static final List<String> READONLY = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");

    @Override
    public Integer call() {
        Path dir = Path.of(bundle).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw QuiltException.invalid("bundle " + dir + " is not a directory; make it first");
        }
        Path file = dir.resolve("config.json");
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw QuiltException.conflict("file " + file + " exists; remove it first");
        }
        RuntimeSpec spec = rootless ? rootless(standard(), ids()) : standard();
        try {
            AtomicFiles.write(file, OciSpecCodec.write(spec));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return 0;
    }

    /** runc's example spec, as its model. */
    static RuntimeSpec standard() {
        Set<Capability> caps = EnumSet.of(Capability.AUDIT_WRITE, Capability.KILL, Capability.NET_BIND_SERVICE);
        OciProcess process = new OciProcess(true, Optional.empty(), new OciProcess.User(0, 0, Optional.empty(), List.of()),
                List.of("sh"), List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"),
                "/", Optional.of(new OciProcess.CapabilitySets(caps, caps, Set.of(), caps, caps)),
                List.of(new Rlimit("RLIMIT_NOFILE", 1024, 1024)), true, Optional.empty(), Optional.empty(),
                Optional.empty());
        List<OciMount> mounts = List.of(
                new OciMount("/proc", "proc", "proc", List.of()),
                new OciMount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
                new OciMount("/dev/pts", "devpts", "devpts",
                        List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
                new OciMount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
                new OciMount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
                new OciMount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")),
                new OciMount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", "ro")));
        List<OciLinux.NamespaceEntry> namespaces = new ArrayList<>();
        for (OciLinux.NamespaceType t : List.of(OciLinux.NamespaceType.PID, OciLinux.NamespaceType.NETWORK,
                OciLinux.NamespaceType.IPC, OciLinux.NamespaceType.UTS, OciLinux.NamespaceType.MOUNT)) {
            namespaces.add(new OciLinux.NamespaceEntry(t, Optional.empty()));
        }
        OciLinux.Resources denyAll = new OciLinux.Resources(List.of(new OciLinux.DeviceRule(false, Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.of("rwm"))), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
        OciLinux linux = new OciLinux(namespaces, List.of(), List.of(), List.of(), Optional.empty(), Optional.of(denyAll),
                Map.of(), Optional.empty(), MASKED, READONLY, Optional.empty(), Optional.empty());
        return new RuntimeSpec(OciState.OCI_VERSION, Optional.of(process), Optional.of(new RuntimeSpec.Root("rootfs", true)),
                Optional.of("runc"), Optional.empty(), mounts, Optional.of(linux), Optional.empty(), Map.of());
    }

    /** The caller's effective uid and gid: the owner of {@code /proc/self}. */
    private static long[] ids() {
        try {
            Path self = Path.of("/proc/self");
            return new long[] {((Number) Files.getAttribute(self, "unix:uid")).longValue(),
                    ((Number) Files.getAttribute(self, "unix:gid")).longValue()};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** runc's rootless changes to {@code spec}, for a caller with effective uid {@code ids[0]} and gid {@code ids[1]}. */
    static RuntimeSpec rootless(RuntimeSpec spec, long[] ids) {
        OciLinux l = spec.linux().orElseThrow();
        List<OciLinux.NamespaceEntry> namespaces = new ArrayList<>();
        for (OciLinux.NamespaceEntry n : l.namespaces()) {
            if (n.type() != OciLinux.NamespaceType.NETWORK && n.type() != OciLinux.NamespaceType.USER) {
                namespaces.add(n);
            }
        }
        namespaces.add(new OciLinux.NamespaceEntry(OciLinux.NamespaceType.USER, Optional.empty()));
        List<OciMount> mounts = new ArrayList<>();
        for (OciMount m : spec.mounts()) {
            if (m.destination().equals("/sys")) {
                mounts.add(new OciMount("/sys", "none", "/sys", List.of("rbind", "nosuid", "noexec", "nodev", "ro")));
            } else if (m.destination().equals("/sys/fs/cgroup")) {
                continue; // under the host's /sys, bound above
            } else if (m.type().orElse("").equals("devpts")) {
                mounts.add(new OciMount(m.destination(), m.type().get(), m.source().orElse("devpts"),
                        m.options().stream().filter(o -> !o.startsWith("gid=")).toList()));
            } else {
                mounts.add(m);
            }
        }
        OciLinux linux = new OciLinux(namespaces, List.of(new OciMount.IdMapping(0, ids[0], 1)),
                List.of(new OciMount.IdMapping(0, ids[1], 1)), l.devices(), l.cgroupsPath(), Optional.empty(), l.sysctl(),
                l.seccomp(), l.maskedPaths(), l.readonlyPaths(), l.rootfsPropagation(), l.mountLabel());
        return new RuntimeSpec(spec.ociVersion(), spec.process(), spec.root(), spec.hostname(), spec.domainname(), mounts,
                Optional.of(linux), spec.hooks(), spec.annotations());
    }
}
