package dev.quilt.usecases;

import dev.quilt.domain.ContainerName;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RuncTerms;
import dev.quilt.domain.oci.RuntimeSpec;

import java.util.List;
import java.util.Optional;

/**
 * A container from an OCI bundle: its parsed {@code config.json} ({@code spec}), the
 * bundle's directory ({@code bundle}, absolute: a relative {@code root.path} is the
 * bundle's, as in runc), an optional name, and {@code args}, which, when not empty,
 * replace {@code process.args} the way {@code ctr run IMAGE ID CMD...} fills in the
 * command of a {@code ctr oci spec}. Nothing else of the spec is overridden. {@code terms} are runc's create
 * flags ({@code quilt-runc create}), or {@link RuncTerms#QUILT}.
 */
public record BundleRequest(RuntimeSpec spec, String bundle, Optional<ContainerName> name, List<String> args,
                            RuncTerms terms) {
    /** {@code quilt create --bundle}: the rootfs under an overlay of the container's own. */
    public BundleRequest(RuntimeSpec spec, String bundle, Optional<ContainerName> name, List<String> args) {
        this(spec, bundle, name, args, RuncTerms.QUILT);
    }

    public BundleRequest {
        if (terms == null) terms = RuncTerms.QUILT;
        args = List.copyOf(args);
        if (bundle == null || !bundle.startsWith("/")) {
            throw QuiltException.invalid("bundle '" + bundle + "' must be an absolute path");
        }
        dev.quilt.domain.PersistPolicy.annotated(spec.annotations()); // dev.quilt.persist: true|false, else refused
    }

    /**
     * {@code root.path} as a host path: an absolute one as given, a relative one under
     * the bundle; {@code .} and {@code ..} are resolved lexically (runc's
     * {@code filepath.Join}), never through the file system.
     */
    public String rootPath(String path) {
        String joined = path.startsWith("/") ? path : bundle + "/" + path;
        java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
        for (String p : joined.split("/")) {
            if (p.isEmpty() || p.equals(".")) continue;
            if (p.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(p);
            }
        }
        return "/" + String.join("/", parts);
    }
}
