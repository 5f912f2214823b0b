package dev.quilt.domain;

import dev.quilt.domain.oci.OciHooks;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A container made from an OCI bundle, and what its {@code config.json} and its creator asked
 * that only bundles ask: the fields of the OCI state ({@code bundle}, {@code annotations};
 * runtime.md "State"), namespaces to join rather than make ({@code linux.namespaces[].path}),
 * the cgroup path ({@code linux.cgroupsPath}), the hooks (config.md "POSIX-platform Hooks")
 * and runc's create flags ({@link RuncTerms}).
 *
 * @param path           the bundle's directory, absolute
 * @param annotations    {@code config.json}'s annotations, as given
 * @param namespacePaths a namespace per type to join (setns(2)) instead of a new one, e.g. the
 *                       pod sandbox's {@code /proc/PID/ns/ipc} under Kubernetes
 * @param cgroupsPath    where the container's cgroup goes in each hierarchy, as given
 * @param hooks          the hooks to run at the spec's points
 * @param terms          runc's create flags and how the root is taken
 * @param keepHostname   {@code config.json} gives no {@code hostname}: the uts namespace keeps the name it has
 *                       (runc sets one only when given; a new uts namespace starts with a copy of the host's)
 * @param oomScoreAdj    {@code process.oomScoreAdj}, -1000 to 1000, written to {@code /proc/self/oom_score_adj}
 * @param stateId        the {@code id} its OCI state (and so its hooks' stdin) names it by: the name its creator
 *                       gave ({@code quilt-runc create ID}'s ID, {@code quilt create --bundle --name}'s name);
 *                       empty: Quilt's own ID
 *                       before the process runs (runc's order: with the rlimits, while still privileged)
 */
public record Bundle(String path, Map<String, String> annotations, Map<Namespace, String> namespacePaths,
                     Optional<String> cgroupsPath, OciHooks hooks, RuncTerms terms, boolean keepHostname,
                     Optional<Integer> oomScoreAdj, Optional<String> stateId) {
    public static final OciHooks NO_HOOKS = new OciHooks(List.of(), List.of(), List.of(), List.of(), List.of(),
            List.of());

    /** A bundle that gives its hostname (or none is wanted) and no oom_score_adj. */
    public Bundle(String path, Map<String, String> annotations, Map<Namespace, String> namespacePaths,
                  Optional<String> cgroupsPath, OciHooks hooks, RuncTerms terms) {
        this(path, annotations, namespacePaths, cgroupsPath, hooks, terms, false, Optional.empty(), Optional.empty());
    }

    public Bundle {
        if (path == null || !path.startsWith("/")) {
            throw QuiltException.invalid("bundle '" + path + "' must be an absolute path");
        }
        annotations = Map.copyOf(annotations);
        namespacePaths = namespacePaths.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(namespacePaths));
        for (String p : namespacePaths.values()) {
            if (p == null || !p.startsWith("/")) throw QuiltException.invalid("namespace path '" + p + "' must be absolute");
        }
        if (hooks == null) hooks = NO_HOOKS;
        if (terms == null) terms = RuncTerms.QUILT;
        if (oomScoreAdj == null) oomScoreAdj = Optional.empty();
        if (stateId == null) stateId = Optional.empty();
        oomScoreAdj.ifPresent(o -> {
            if (o < -1000 || o > 1000) throw QuiltException.invalid("oomScoreAdj " + o + " is not between -1000 and 1000");
        });
    }
}
