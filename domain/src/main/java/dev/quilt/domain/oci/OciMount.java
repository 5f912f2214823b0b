package dev.quilt.domain.oci;

import dev.quilt.domain.QuiltException;

import java.util.List;
import java.util.Optional;

/**
 * config.md "Mounts": {@code destination} in the container (absolute; runc also takes a
 * relative one as below {@code /}), {@code type} ({@code bind}, {@code tmpfs},
 * {@code proc}…; a bind may leave it out and say {@code bind}/{@code rbind} in its
 * options), {@code source} a host path or the filesystem's name, {@code options} as
 * mount(8) takes them, {@code uidMappings}/{@code gidMappings} for an idmapped mount
 * (config.md "Mounts", 1.1).
 */
public record OciMount(String destination, Optional<String> type, Optional<String> source, List<String> options,
                       List<IdMapping> uidMappings, List<IdMapping> gidMappings) {
    public OciMount {
        options = List.copyOf(options);
        uidMappings = List.copyOf(uidMappings);
        gidMappings = List.copyOf(gidMappings);
        if (destination == null || destination.isEmpty()) {
            throw QuiltException.invalid("the destination must not be empty");
        }
    }

    /** A mount with no id mappings. */
    public OciMount(String destination, String type, String source, List<String> options) {
        this(destination, Optional.of(type), Optional.of(source), options, List.of(), List.of());
    }

    /**
     * config-linux.md "User namespace mappings": container ids {@code containerID} ..
     * {@code containerID+size-1} are host ids {@code hostID} .. (uint32 each).
     */
    public record IdMapping(long containerID, long hostID, long size) {
        public IdMapping {
            Ids.requireU32("containerID", containerID);
            Ids.requireU32("hostID", hostID);
            Ids.requireU32("size", size);
        }
    }
}
