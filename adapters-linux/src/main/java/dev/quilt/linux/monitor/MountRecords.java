package dev.quilt.linux.monitor;

import dev.quilt.domain.DeviceSpec;
import dev.quilt.domain.MountSpec;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Security;
import dev.quilt.linux.jni.Protocol;

import java.util.List;
import java.util.Map;

/**
 * {@link Security}'s mount side as CONFIG records (tags 70-75, native
 * {@code monitor/mount_opts.h}): each extra mount as {@code TYPE\nDEST\nSOURCE\nOPTIONS},
 * each device as {@code c|b MAJOR MINOR MODE UID GID PATH}, the masked and read-only
 * paths, a read-only root, and a writable {@code /sys} when privileged.
 *
 * <p>A spec's mounts of what Quilt always makes ({@code proc} on {@code /proc}, the
 * {@code tmpfs} on {@code /dev}, {@code devpts}, {@code /dev/shm}, {@code mqueue},
 * {@code sysfs} on {@code /sys}, {@code cgroup} on {@code /sys/fs/cgroup}: every
 * {@code config.json} from {@code runc spec} or podman names them) are the built-in
 * ones, not mounted twice: a second tmpfs on {@code /dev} would hide its nodes.
 */
final class MountRecords {
    /** At most this many of each kind (native CONFIG_MAX_MOUNTS). */
    static final int MAX = 128;

    private static final Map<String, List<String>> BUILT_IN = Map.of(
            "/proc", List.of("proc"), "/dev", List.of("tmpfs", "bind"), "/dev/pts", List.of("devpts"),
            "/dev/shm", List.of("tmpfs", "bind"), "/dev/mqueue", List.of("mqueue", "bind"),
            "/sys", List.of("sysfs", "bind"), "/sys/fs/cgroup", List.of("cgroup", "cgroup2", "bind"));

    private MountRecords() {}

    static void put(MessageWriter w, Security s) {
        List<MountSpec> extra = s.mounts().stream().filter(m -> !builtIn(m)).toList();
        limit("mounts", extra.size());
        limit("devices", s.devices().size());
        limit("masked paths", s.maskedPaths().size());
        limit("read-only paths", s.readonlyPaths().size());
        for (MountSpec m : extra) {
            if (m.type().equals("cgroup") || m.type().equals("cgroup2")) {
                throw QuiltException.invalid("a cgroup mount on '" + m.destination() + "' is not supported; Quilt "
                        + "mounts the container's cgroups read-only on /sys/fs/cgroup");
            }
            String options = String.join(",", m.options());
            for (String field : List.of(m.type(), m.destination(), m.source(), options)) {
                if (field.indexOf('\n') >= 0 || field.indexOf('\0') >= 0) {
                    throw QuiltException.invalid("mount on '" + m.destination().replace('\n', '?')
                            + "' holds a newline or NUL; rename it");
                }
            }
            w.put(Protocol.T_MOUNT, m.type() + "\n" + m.destination() + "\n" + m.source() + "\n" + options);
        }
        for (DeviceSpec d : s.devices()) {
            w.put(Protocol.T_DEVICE, d.type() + " " + d.major() + " " + d.minor() + " "
                    + Integer.toOctalString(d.fileMode() & 07777) + " " + d.uid() + " " + d.gid() + " " + d.path());
        }
        for (String p : s.maskedPaths()) w.put(Protocol.T_MASKED, p);
        for (String p : s.readonlyPaths()) w.put(Protocol.T_READONLY, p);
        if (s.readonlyRootfs()) w.put(Protocol.T_READONLY_ROOT, 1);
        if (s.privileged()) w.put(Protocol.T_SYS_RW, 1);
    }

    /** Whether Quilt makes this mount itself. */
    static boolean builtIn(MountSpec m) {
        String dest = m.destination().replaceAll("/+$", "");
        return BUILT_IN.getOrDefault(dest, List.of()).contains(m.type());
    }

    private static void limit(String what, int n) {
        if (n > MAX) throw QuiltException.invalid("a container may have at most " + MAX + " " + what + ", not " + n);
    }
}
