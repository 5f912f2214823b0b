package dev.quilt.cli;

import dev.quilt.domain.DeviceSpec;
import dev.quilt.domain.MountFlags;
import dev.quilt.domain.MountSpec;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Security;
import dev.quilt.usecases.ContainerRequest;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What run and create share about the container's file system: {@code -v},
 * {@code --tmpfs}, {@code --read-only}, {@code --device}. The shapes are parsed by
 * {@link MountFlags} (pure); here the host is looked at: a volume's source must
 * exist, a device must be a host device node, whose type, numbers, mode and owner
 * the container's node copies (as docker does).
 */
public final class MountOptions {
    /** S_IFMT, S_IFCHR and S_IFBLK of stat(2)'s st_mode. */
    private static final int S_IFMT = 0170000, S_IFCHR = 0020000, S_IFBLK = 0060000;

    @Option(names = {"-v", "--volume"}, paramLabel = "HOST:CTR[:ro|rw]",
            description = "bind a host file or directory (absolute path, must exist) into the container")
    List<String> volumes = new ArrayList<>();

    @Option(names = "--tmpfs", paramLabel = "PATH[:OPTS]",
            description = "mount a fresh tmpfs (default rw,noexec,nosuid,nodev; OPTS e.g. size=64m,mode=1777)")
    List<String> tmpfs = new ArrayList<>();

    @Option(names = "--read-only", description = "make the root read-only (tmpfs on /run, /tmp and /var/tmp stay writable)")
    boolean readOnly;

    @Option(names = "--device", paramLabel = "HOST[:CTR[:PERMS]]",
            description = "make a host device node in the container's /dev and allow it (PERMS of r, w, m; default rwm)")
    List<String> devices = new ArrayList<>();

    /**
     * The Engine API's form of these flags ({@code HostConfig.Binds}, {@code Tmpfs} as {@code PATH[:OPTS]},
     * {@code ReadonlyRootfs}, {@code Devices} as {@code HOST[:CTR[:PERMS]]}): {@code req} with them added, by the
     * same rules as {@code -v}, {@code --tmpfs}, {@code --read-only} and {@code --device}.
     *
     * @throws dev.quilt.domain.QuiltException invalid input, as the flags are refused
     */
    public static ContainerRequest fromApi(ContainerRequest req, List<String> binds, List<String> tmpfs,
                                           boolean readonlyRootfs, List<String> devices) {
        MountOptions m = new MountOptions();
        m.volumes = new ArrayList<>(binds);
        m.tmpfs = new ArrayList<>(tmpfs);
        m.readOnly = readonlyRootfs;
        m.devices = new ArrayList<>(devices);
        return m.apply(req);
    }

    /** The request with these mounts and devices added to its security. */
    ContainerRequest apply(ContainerRequest req) {
        if (volumes.isEmpty() && tmpfs.isEmpty() && !readOnly && devices.isEmpty()) return req;
        List<MountSpec> mounts = new ArrayList<>();
        if (readOnly) {
            for (MountSpec m : MountFlags.readOnlyTmpfs()) {
                // a --tmpfs or -v of the same place is the user's choice
                if (tmpfs.stream().noneMatch(t -> t.split(":", 2)[0].equals(m.destination()))
                        && volumes.stream().noneMatch(v -> v.split(":", -1).length > 1
                        && v.split(":", -1)[1].equals(m.destination()))) {
                    mounts.add(m);
                }
            }
        }
        for (String t : tmpfs) mounts.add(MountFlags.tmpfs(t));
        for (String v : volumes) {
            MountSpec m = MountFlags.volume(v);
            if (!Files.exists(Path.of(m.source()))) {
                throw QuiltException.invalid("volume source '" + m.source() + "' does not exist: create it first");
            }
            mounts.add(m);
        }
        List<DeviceSpec> nodes = new ArrayList<>();
        for (String d : devices) nodes.add(device(MountFlags.DeviceFlag.parse(d)));
        Security s = req.security().withMounts(mounts).withDevices(nodes);
        if (readOnly) s = s.withReadonlyRootfs(true);
        return req.withSecurity(s);
    }

    private static DeviceSpec device(MountFlags.DeviceFlag flag) {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(Path.of(flag.host()), "unix:mode,rdev,uid,gid");
        } catch (IOException | UnsupportedOperationException e) {
            throw QuiltException.invalid("device '" + flag.host() + "' does not exist on this host");
        }
        int mode = (Integer) a.get("mode");
        int type = mode & S_IFMT;
        if (type != S_IFCHR && type != S_IFBLK) {
            throw QuiltException.invalid("'" + flag.host() + "' is not a device node; --device takes one such as /dev/fuse");
        }
        long rdev = (Long) a.get("rdev");
        // glibc's gnu_dev_major/minor
        long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
        long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
        return new DeviceSpec(flag.container(), type == S_IFCHR ? 'c' : 'b', major, minor & 0xffffffffL,
                mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"), flag.access());
    }
}
