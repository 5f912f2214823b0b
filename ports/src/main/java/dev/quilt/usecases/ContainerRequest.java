package dev.quilt.usecases;

import dev.quilt.domain.ContainerName;
import dev.quilt.domain.HealthCheck;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.LogLimit;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.ReadyPolicy;
import dev.quilt.domain.Security;
import dev.quilt.domain.Resources;
import dev.quilt.domain.User;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What every face asks for when it wants a container: image, command and how
 * to run it. {@code env} entries are {@code K=V} or a bare {@code K}, which takes
 * the caller's value from {@code callerEnv}. {@code init} puts Quilt's init in
 * front of the command (with no command: the init alone, a persistent sandbox).
 * {@code network} says whether it gets an address on the root's bridge, only
 * a loopback, or the host's network; {@code resources} its cgroup limits;
 * {@code health} its health check; {@code ready} its readiness deadline;
 * {@code log} the cap of its log when detached; {@code security} how it is confined; {@code labels} the user's
 * metadata ({@link dev.quilt.domain.ContainerSpec#labels()}).
 */
public record ContainerRequest(Optional<String> image, Optional<ContainerName> name, List<String> args,
                               List<String> env, Function<String, Optional<String>> callerEnv,
                               Optional<Hostname> hostname, String cwd, User user, boolean remove, boolean stdinOpen,
                               boolean init, NetworkMode network, Resources resources, Optional<HealthCheck> health,
                               ReadyPolicy ready, LogLimit log, Security security, java.util.Map<String, String> labels) {
    public ContainerRequest {
        args = List.copyOf(args);
        env = List.copyOf(env);
        labels = labels == null ? java.util.Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(labels));
        dev.quilt.domain.Expiry.of(labels); // quilt.ttl and quilt.idle-timeout: refused at create when malformed
        if (dev.quilt.domain.PersistPolicy.asked(labels) && name.isEmpty()) { // malformed: refused by asked
            throw dev.quilt.domain.QuiltException.invalid("label " + dev.quilt.domain.PersistPolicy.LABEL
                    + "=true needs a container name: the next create finds the checkpoint by name");
        }
        if (dev.quilt.domain.PersistPolicy.asked(labels)) { // one its checkpoint would refuse: refused now
            dev.quilt.domain.PersistPolicy.cannotPersist(init, network, security).ifPresent(why -> {
                throw dev.quilt.domain.QuiltException.invalid(why);
            });
        }
    }

    /** A request with no labels. */
    public ContainerRequest(Optional<String> image, Optional<ContainerName> name, List<String> args,
                            List<String> env, Function<String, Optional<String>> callerEnv,
                            Optional<Hostname> hostname, String cwd, User user, boolean remove, boolean stdinOpen,
                            boolean init, NetworkMode network, Resources resources, Optional<HealthCheck> health,
                            ReadyPolicy ready, LogLimit log, Security security) {
        this(image, name, args, env, callerEnv, hostname, cwd, user, remove, stdinOpen, init, network, resources,
                health, ready, log, security, java.util.Map.of());
    }

    /** This request with {@code labels}. */
    public ContainerRequest withLabels(java.util.Map<String, String> labels) {
        return new ContainerRequest(image, name, args, env, callerEnv, hostname, cwd, user, remove, stdinOpen, init,
                network, resources, health, ready, log, security, labels);
    }

    /** A request with no health check and the default readiness deadline. */
    public ContainerRequest(Optional<String> image, Optional<ContainerName> name, List<String> args, List<String> env,
                            Function<String, Optional<String>> callerEnv, Optional<Hostname> hostname, String cwd,
                            User user, boolean remove, boolean stdinOpen, boolean init, NetworkMode network,
                            Resources resources) {
        this(image, name, args, env, callerEnv, hostname, cwd, user, remove, stdinOpen, init, network, resources,
                Optional.empty(), ReadyPolicy.DEFAULT);
    }

    /** A request with the default log cap. */
    public ContainerRequest(Optional<String> image, Optional<ContainerName> name, List<String> args, List<String> env,
                            Function<String, Optional<String>> callerEnv, Optional<Hostname> hostname, String cwd,
                            User user, boolean remove, boolean stdinOpen, boolean init, NetworkMode network,
                            Resources resources, Optional<HealthCheck> health, ReadyPolicy ready) {
        this(image, name, args, env, callerEnv, hostname, cwd, user, remove, stdinOpen, init, network, resources,
                health, ready, LogLimit.DEFAULT);
    }

    /** A request with the default confinement. */
    public ContainerRequest(Optional<String> image, Optional<ContainerName> name, List<String> args, List<String> env,
                            Function<String, Optional<String>> callerEnv, Optional<Hostname> hostname, String cwd,
                            User user, boolean remove, boolean stdinOpen, boolean init, NetworkMode network,
                            Resources resources, Optional<HealthCheck> health, ReadyPolicy ready, LogLimit log) {
        this(image, name, args, env, callerEnv, hostname, cwd, user, remove, stdinOpen, init, network, resources,
                health, ready, log, Security.DEFAULT);
    }

    /** This request confined as {@code security} says instead. */
    public ContainerRequest withSecurity(Security security) {
        return new ContainerRequest(image, name, args, env, callerEnv, hostname, cwd, user, remove, stdinOpen, init,
                network, resources, health, ready, log, security, labels);
    }
}
