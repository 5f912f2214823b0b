package dev.quilt.domain;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The one spec every face builds: an OCI config.json's process, root, hostname
 * and namespaces, with an image or a bundle's rootfs directory as the overlay's lower layer. With {@code init}, pid 1 is
 * Quilt's own init, which runs the command (if any) as its child and reaps orphans. {@code quilt run} makes it
 * from flags; later faces make it from a bundle or a JSON request. {@code resources}
 * are the cgroup limits the init is placed under before the command runs;
 * {@code health} its health check, if any; {@code ready} how long it may take
 * to become ready and what happens if it does not; {@code log} the cap of its
 * log when it runs detached; {@code security} how it is confined (capabilities,
 * seccomp, masks, extra mounts…), {@link Security#DEFAULT} unless flags loosen it; {@code bundle} what an
 * OCI bundle's container asks beyond that (empty for {@code quilt run}); {@code labels} the user's key/value
 * metadata (docker's {@code Labels}, {@code --label}), kept in order; Quilt reads its own {@code quilt.*} keys
 * (a TTL, an idle timeout) from there.
 */
public record ContainerSpec(ProcessSpec process, RootFs root, Hostname hostname, Set<Namespace> namespaces,
                            boolean stdinOpen, boolean init, NetworkMode network, Resources resources,
                            Optional<HealthCheck> health, ReadyPolicy ready, LogLimit log, Security security,
                            Optional<Bundle> bundle, java.util.Map<String, String> labels) {
    /** What {@code quilt run} isolates by default; user namespaces are opt-in. */
    public static final Set<Namespace> DEFAULT_NAMESPACES = Set.copyOf(EnumSet.of(
            Namespace.PID, Namespace.MOUNT, Namespace.UTS, Namespace.IPC, Namespace.NETWORK, Namespace.CGROUP));

    /** A spec with no health check and the default readiness deadline. */
    public ContainerSpec(ProcessSpec process, Digest image, Hostname hostname, Set<Namespace> namespaces,
                         boolean stdinOpen, boolean init, NetworkMode network, Resources resources) {
        this(process, image, hostname, namespaces, stdinOpen, init, network, resources, Optional.empty(),
                ReadyPolicy.DEFAULT);
    }

    /** A spec with the default log cap and the default confinement. */
    public ContainerSpec(ProcessSpec process, Digest image, Hostname hostname, Set<Namespace> namespaces,
                         boolean stdinOpen, boolean init, NetworkMode network, Resources resources,
                         Optional<HealthCheck> health, ReadyPolicy ready) {
        this(process, image, hostname, namespaces, stdinOpen, init, network, resources, health, ready,
                LogLimit.DEFAULT, Security.DEFAULT);
    }

    /** A spec with the default confinement. */
    public ContainerSpec(ProcessSpec process, Digest image, Hostname hostname, Set<Namespace> namespaces,
                         boolean stdinOpen, boolean init, NetworkMode network, Resources resources,
                         Optional<HealthCheck> health, ReadyPolicy ready, LogLimit log) {
        this(process, image, hostname, namespaces, stdinOpen, init, network, resources, health, ready, log,
                Security.DEFAULT);
    }

    /** A spec whose root is the image {@code image}. */
    public ContainerSpec(ProcessSpec process, Digest image, Hostname hostname, Set<Namespace> namespaces,
                         boolean stdinOpen, boolean init, NetworkMode network, Resources resources,
                         Optional<HealthCheck> health, ReadyPolicy ready, LogLimit log, Security security) {
        this(process, new RootFs.Image(image), hostname, namespaces, stdinOpen, init, network, resources, health,
                ready, log, security);
    }

    /** A spec that is not an OCI bundle's. */
    public ContainerSpec(ProcessSpec process, RootFs root, Hostname hostname, Set<Namespace> namespaces,
                         boolean stdinOpen, boolean init, NetworkMode network, Resources resources,
                         Optional<HealthCheck> health, ReadyPolicy ready, LogLimit log, Security security) {
        this(process, root, hostname, namespaces, stdinOpen, init, network, resources, health, ready, log, security,
                Optional.empty());
    }

    /** A spec with no labels. */
    public ContainerSpec(ProcessSpec process, RootFs root, Hostname hostname, Set<Namespace> namespaces,
                         boolean stdinOpen, boolean init, NetworkMode network, Resources resources,
                         Optional<HealthCheck> health, ReadyPolicy ready, LogLimit log, Security security,
                         Optional<Bundle> bundle) {
        this(process, root, hostname, namespaces, stdinOpen, init, network, resources, health, ready, log, security,
                bundle, java.util.Map.of());
    }

    /** This spec with {@code labels} instead of its own. */
    public ContainerSpec withLabels(java.util.Map<String, String> labels) {
        return new ContainerSpec(process, root, hostname, namespaces, stdinOpen, init, network, resources, health,
                ready, log, security, bundle, labels);
    }

    /** This spec with {@code resources} instead of its own (an update of a live container's limits). */
    public ContainerSpec withResources(Resources resources) {
        return new ContainerSpec(process, root, hostname, namespaces, stdinOpen, init, network, resources, health,
                ready, log, security, bundle, labels);
    }

    public ContainerSpec {
        labels = labels == null ? java.util.Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(labels));
        if (bundle == null) bundle = Optional.empty();
        if (root == null) throw QuiltException.invalid("a container needs a root: an image or a directory");
        // the network mode decides the network namespace: the host's, or one of its own
        EnumSet<Namespace> ns = namespaces.isEmpty() ? EnumSet.noneOf(Namespace.class) : EnumSet.copyOf(namespaces);
        if (network == NetworkMode.HOST) ns.remove(Namespace.NETWORK);
        else ns.add(Namespace.NETWORK);
        // the confinement decides the user namespace: one of its own when ids are mapped
        if (security == null || security.userns() instanceof UserNamespace.Host) ns.remove(Namespace.USER);
        else ns.add(Namespace.USER);
        namespaces = Set.copyOf(ns);
        if (!init && process.args().isEmpty()) {
            throw QuiltException.invalid("no command given: add one after '--'");
        }
        if (!namespaces.contains(Namespace.MOUNT)) {
            throw QuiltException.invalid("a container needs its own mount namespace");
        }
    }
}
