package dev.quilt.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The mount flags users type, docker's and podman's shapes, turned into
 * {@link MountSpec}s: {@code -v HOST:CTR[:OPTS]} (a bind mount, {@code rbind} and
 * {@code rprivate} as docker makes it), {@code --tmpfs PATH[:OPTS]} (podman's
 * defaults {@code rw,noexec,nosuid,nodev}) and the tmpfs that {@code --read-only}
 * puts on {@code /run}, {@code /tmp} and {@code /var/tmp} (podman's
 * {@code --read-only-tmpfs}). Whether a host path exists is the caller's to check:
 * this is pure. Every refusal is one line saying what to type instead.
 */
public final class MountFlags {
    /** What a bind mount's options may say (mount(8)'s names; ro/rw as docker's {@code :ro}). */
    static final Set<String> BIND_OPTIONS = Set.of("ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec",
            "bind", "rbind", "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable",
            "runbindable");

    /** What a tmpfs's options may say besides the flags. */
    static final Set<String> TMPFS_FLAGS = Set.of("ro", "rw", "nosuid", "suid", "nodev", "dev", "noexec", "exec",
            "noatime", "relatime", "strictatime", "nodiratime", "sync", "async", "dirsync", "tmpcopyup",
            "notmpcopyup", "private", "rprivate", "shared", "rshared", "slave", "rslave");

    private static final Pattern SIZE = Pattern.compile("[0-9]+[kKmMgG%]?");
    private static final Pattern OCTAL = Pattern.compile("[0-7]{1,4}");
    private static final Pattern NUMBER = Pattern.compile("[0-9]+[kKmMgG]?");

    /** The tmpfs {@code --read-only} adds: the places programs expect to write. */
    public static final List<String> READ_ONLY_TMPFS = List.of("/run", "/tmp", "/var/tmp");

    private MountFlags() {}

    /** {@code HOST:CTR[:OPTS]}, a bind mount of an absolute host path. */
    public static MountSpec volume(String spec) {
        String[] parts = spec.split(":", -1);
        if (parts.length < 2 || parts.length > 3) {
            throw QuiltException.invalid("--volume '" + spec + "' must be HOST:CONTAINER[:ro|rw]");
        }
        String host = parts[0];
        String ctr = parts[1];
        if (host.isEmpty() || ctr.isEmpty()) {
            throw QuiltException.invalid("--volume '" + spec + "' must be HOST:CONTAINER[:ro|rw]");
        }
        if (!host.startsWith("/")) {
            throw QuiltException.invalid("volume source '" + host + "' must be an absolute host path (named volumes "
                    + "are not supported): use -v /path/on/host:" + ctr);
        }
        checkPath("volume source", host);
        checkDestination("volume", ctr);
        List<String> options = new ArrayList<>(List.of("rbind", "rprivate"));
        if (parts.length == 3) {
            for (String o : parts[2].split(",", -1)) {
                if (!BIND_OPTIONS.contains(o)) {
                    throw QuiltException.invalid("volume option '" + o + "' in '" + spec + "' is not one of ro, rw, "
                            + "nosuid, nodev, noexec, bind, rbind or a propagation (rprivate, rshared, rslave…)");
                }
                options.add(o);
            }
        }
        return new MountSpec(ctr, "bind", host, options);
    }

    /** {@code PATH[:OPTS]}: a fresh tmpfs, {@code rw,noexec,nosuid,nodev} unless OPTS says otherwise. */
    public static MountSpec tmpfs(String spec) {
        int colon = spec.indexOf(':');
        String path = colon < 0 ? spec : spec.substring(0, colon);
        checkDestination("--tmpfs", path);
        List<String> options = new ArrayList<>(List.of("rw", "noexec", "nosuid", "nodev"));
        if (colon >= 0) {
            for (String o : spec.substring(colon + 1).split(",", -1)) {
                options.add(tmpfsOption(spec, o));
            }
        }
        return new MountSpec(path, "tmpfs", "tmpfs", options);
    }

    /** The tmpfs of {@code --read-only} (podman's: writable, nosuid and nodev, programs may run from /tmp). */
    public static List<MountSpec> readOnlyTmpfs() {
        return READ_ONLY_TMPFS.stream()
                .map(p -> new MountSpec(p, "tmpfs", "tmpfs", List.of("rw", "nosuid", "nodev", "mode=1777")))
                .toList();
    }

    private static String tmpfsOption(String spec, String o) {
        if (TMPFS_FLAGS.contains(o)) return o;
        int eq = o.indexOf('=');
        String key = eq < 0 ? o : o.substring(0, eq);
        String value = eq < 0 ? "" : o.substring(eq + 1);
        boolean good = switch (key) {
            case "size" -> SIZE.matcher(value).matches();
            case "mode" -> OCTAL.matcher(value).matches();
            case "uid", "gid" -> value.matches("[0-9]+");
            case "nr_inodes", "nr_blocks" -> NUMBER.matcher(value).matches();
            default -> false;
        };
        if (!good) {
            throw QuiltException.invalid("--tmpfs option '" + o + "' in '" + spec + "' is not one of ro, rw, nosuid, "
                    + "nodev, noexec, exec, size=N[k|m|g|%], mode=OCTAL, uid=N, gid=N, nr_inodes=N");
        }
        return o;
    }

    /** {@code HOST[:CTR[:PERMS]]} of {@code --device}, before the host node is looked at. */
    public record DeviceFlag(String host, String container, String access) {
        public static DeviceFlag parse(String spec) {
            String[] parts = spec.split(":", -1);
            if (parts.length > 3 || parts[0].isEmpty()) {
                throw QuiltException.invalid("--device '" + spec + "' must be HOST[:CONTAINER[:PERMISSIONS]]");
            }
            String host = parts[0];
            if (!host.startsWith("/")) {
                throw QuiltException.invalid("device '" + host + "' must be an absolute host path, e.g. /dev/fuse");
            }
            checkPath("device", host);
            boolean named = parts.length > 1 && !parts[1].isEmpty();
            String ctr = named ? parts[1] : host;
            if (host.replaceAll("/+$", "").equals("/dev")) {
                throw QuiltException.invalid("'" + host + "' is not a device node; --device takes one such as /dev/fuse");
            }
            if (!named && !host.startsWith("/dev/")) {
                throw QuiltException.invalid("device '" + host + "' is not under /dev/; name its place in the "
                        + "container: --device " + host + ":/dev/NAME");
            }
            if (!ctr.startsWith("/dev/")) {
                throw QuiltException.invalid("device destination '" + ctr + "' must be under /dev/");
            }
            checkDestination("device", ctr);
            String access = parts.length > 2 ? parts[2] : "rwm";
            if (access.isEmpty() || !access.matches("[rwm]+")) {
                throw QuiltException.invalid("device permissions '" + access + "' must be made of r, w and m");
            }
            return new DeviceFlag(host, ctr, access);
        }
    }

    /**
     * Where the engine mounts the container's own filesystems, after the user's mounts (which they
     * would hide) and under which it masks paths: a mount there is refused, as runc refuses one
     * inside /proc. Nodes under /dev (a --device, a file bind) are fine; /dev itself is not.
     */
    private static final List<String> OWN_MOUNTS = List.of("/proc", "/sys", "/dev", "/dev/pts", "/dev/shm",
            "/dev/mqueue");

    private static void checkDestination(String what, String path) {
        if (!path.startsWith("/")) {
            throw QuiltException.invalid(what + " destination '" + path + "' must be an absolute path in the container");
        }
        checkPath(what + " destination", path);
        for (String part : path.split("/")) {
            if (part.equals("..")) {
                throw QuiltException.invalid(what + " '" + path + "' must not contain '..'");
            }
        }
        String clean = path.replaceAll("/+", "/").replaceAll("(.)/$", "$1");
        if (clean.equals("/")) {
            throw QuiltException.invalid(what + " '" + path + "' would cover the container's root; use --read-only "
                    + "or another directory");
        }
        for (String own : OWN_MOUNTS) {
            if (clean.equals(own) || (clean.startsWith(own + "/") && !own.equals("/dev"))) {
                throw QuiltException.invalid(what + " '" + path + "' is where the container's own " + own
                        + " is mounted; choose another destination");
            }
        }
    }

    private static void checkPath(String what, String path) {
        for (char c : path.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                throw QuiltException.invalid(what + " '" + path.replaceAll("\\p{Cntrl}", "?")
                        + "' holds a control character; rename it");
            }
        }
    }
}
