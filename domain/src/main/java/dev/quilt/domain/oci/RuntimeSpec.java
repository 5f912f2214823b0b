package dev.quilt.domain.oci;

import dev.quilt.domain.QuiltException;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An OCI runtime-spec (1.0.2 to 1.2) {@code config.json}, as immutable values: the
 * top level of config.md ({@code ociVersion}, {@code process}, {@code root},
 * {@code hostname}, {@code domainname}, {@code mounts}, {@code hooks},
 * {@code annotations}) and config-linux.md's {@code linux}. Fields the spec marks
 * OPTIONAL are {@link Optional} or empty; a JSON null reads as absent, as Go's decoder
 * in runc treats it. Unknown fields are not kept (the spec requires ignoring them).
 * Every face builds one: {@code quilt run} from flags, a bundle's config.json, a request.
 */
public record RuntimeSpec(String ociVersion, Optional<OciProcess> process, Optional<Root> root,
                          Optional<String> hostname, Optional<String> domainname, List<OciMount> mounts,
                          Optional<OciLinux> linux, Optional<OciHooks> hooks, Map<String, String> annotations) {
    /** The version Quilt writes. */
    public static final String VERSION = "1.2.0";

    public RuntimeSpec {
        if (ociVersion == null || ociVersion.isEmpty()) {
            throw QuiltException.invalid("ociVersion must not be empty (e.g. 1.2.0)");
        }
        mounts = List.copyOf(mounts);
        annotations = Map.copyOf(annotations);
        for (String k : annotations.keySet()) {
            if (k.isEmpty()) throw QuiltException.invalid("an annotation key must not be empty");
        }
    }

    /**
     * config.md "Root": {@code path} the container's root filesystem, absolute or
     * relative to the bundle; {@code readonly} mounts it read-only.
     */
    public record Root(String path, boolean readonly) {
        public Root {
            if (path == null || path.isEmpty()) {
                throw QuiltException.invalid("root.path must not be empty (e.g. rootfs)");
            }
        }
    }
}
