package dev.quilt.domain;

import java.util.List;

/**
 * One mount in the container, OCI {@code mounts[]}: {@code destination} an absolute
 * path in the container; {@code type} {@code bind}, {@code tmpfs}, {@code proc},
 * {@code sysfs}, {@code devpts}, {@code mqueue} or {@code cgroup}; {@code source} a
 * host path for a bind mount (else the filesystem's name); {@code options} as
 * mount(8) takes them ({@code ro}, {@code nosuid}, {@code rbind}, {@code size=64m},
 * {@code rprivate}…).
 */
public record MountSpec(String destination, String type, String source, List<String> options) {
    public MountSpec {
        options = List.copyOf(options);
        if (destination == null || !destination.startsWith("/")) {
            throw QuiltException.invalid("mount destination '" + destination + "' must be an absolute path");
        }
    }
}
