package dev.quilt.domain;

/**
 * A device node made in the container's {@code /dev} and allowed by its devices
 * cgroup, OCI {@code linux.devices[]} plus the matching {@code linux.resources.devices}
 * rule: {@code type} {@code c} or {@code b}; {@code major}/{@code minor} the node's
 * numbers; {@code fileMode} its permission bits; {@code access} the cgroup access
 * ({@code rwm}, a subset of it).
 */
public record DeviceSpec(String path, char type, long major, long minor, int fileMode, int uid, int gid,
                         String access) {
    public DeviceSpec {
        if (path == null || !path.startsWith("/dev/")) {
            throw QuiltException.invalid("device path '" + path + "' must be under /dev/");
        }
        if (type != 'c' && type != 'b') throw QuiltException.invalid("device '" + path + "' is neither c nor b");
        if (access.isEmpty() || !access.matches("[rwm]+")) {
            throw QuiltException.invalid("device access '" + access + "' must be made of r, w and m");
        }
    }
}
