package dev.quilt.cli;

import dev.quilt.domain.ContainerName;
import dev.quilt.domain.HealthCheck;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.LogLimit;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ReadyPolicy;
import dev.quilt.domain.Resources;
import dev.quilt.domain.User;
import dev.quilt.usecases.ContainerRequest;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What run and create share: how the container is made. */
final class ContainerOptions {
    @Option(names = "--name", paramLabel = "NAME", description = "a unique name for the container")
    String name;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY[=VALUE]", description = "set an environment variable")
    List<String> env = new ArrayList<>();

    @Option(names = "--hostname", paramLabel = "NAME", description = "the container's hostname")
    String hostname;

    @Option(names = {"-w", "--workdir"}, paramLabel = "DIR", description = "working directory inside the container")
    String workdir = "/";

    @Option(names = {"-u", "--user"}, paramLabel = "UID[:GID]", description = "numeric user to run as")
    String user;

    @Option(names = "--init", description = "run Quilt's init as pid 1, the command as its child (reaps zombies)")
    boolean init;

    @Option(names = "--rm", description = "remove the container when it exits (detached: at the next 'quilt gc')")
    boolean remove;

    @Option(names = "--network", paramLabel = "MODE",
            description = "bridge (default: an address on the root's bridge), none (only lo) or host")
    String network;

    @Option(names = "--no-network", description = "the same as --network none")
    boolean noNetwork;

    @Option(names = {"-m", "--memory"}, paramLabel = "SIZE",
            description = "memory limit: 512m, 1g (a bare number is MiB); over it, the OOM killer acts")
    String memory;

    @Option(names = "--memory-swap", paramLabel = "SIZE",
            description = "memory plus swap (default: twice --memory; -1: unlimited swap)")
    String memorySwap;

    @Option(names = "--cpus", paramLabel = "N", description = "CPU quota in CPUs, e.g. 0.5 or 2")
    String cpus;

    @Option(names = {"-c", "--cpu-shares"}, paramLabel = "N",
            description = "relative CPU weight under contention, 2 to 262144 (1024: one share)")
    Integer cpuShares;

    @Option(names = "--pids-limit", paramLabel = "N", description = "most tasks at once (default 4096; -1: no limit)")
    String pidsLimit;

    @Option(names = "--health-check", paramLabel = "CMD",
            description = "a shell command run inside (sh -c); the container is healthy when it exits 0")
    String healthCheck;

    @Option(names = "--health-interval", paramLabel = "DURATION", description = "time between checks once ready (default 30s)")
    String healthInterval;

    @Option(names = "--health-timeout", paramLabel = "DURATION", description = "a check that runs longer fails (default 30s)")
    String healthTimeout;

    @Option(names = "--health-start-interval", paramLabel = "DURATION",
            description = "time between checks while the container becomes ready (default 100ms)")
    String healthStartInterval;

    @Option(names = "--health-retries", paramLabel = "N", description = "failures in a row that make it unhealthy (default 3)")
    Integer healthRetries;

    @Option(names = "--ready-timeout", paramLabel = "DURATION",
            description = "deadline for every readiness phase to hold (default 10s); then it fails and is removed")
    String readyTimeout;

    @Option(names = "--keep-on-failure", description = "keep a container that did not become ready, for 'quilt inspect'")
    boolean keepOnFailure;

    @Option(names = "--log-max-size", paramLabel = "SIZE",
            description = "detached: rotate the log past this size, keeping one older file (default 16m; -1: no cap)")
    String logMaxSize;

    @Option(names = {"-l", "--label"}, paramLabel = "KEY[=VALUE]", description = "metadata on the container (docker's"
            + " --label; KEY alone is KEY=); quilt.ttl=DURATION removes it DURATION after it started,"
            + " quilt.idle-timeout=DURATION stops it after DURATION unused (quilt.ttl.action, quilt.idle.action:"
            + " stop|remove): these act while a 'quilt serve' runs for the root")
    List<String> labels = new java.util.ArrayList<>();

    @Option(names = "--persist", description = "rm checkpoints it first while it runs, and the next run/create with"
            + " its --name restores that checkpoint (a fresh one when it cannot, saying why); the label quilt.persist=true")
    boolean persist;

    @Mixin
    SecurityOptions security = new SecurityOptions();

    private Optional<HealthCheck> health() {
        if (healthCheck == null) {
            if (healthInterval != null || healthTimeout != null || healthStartInterval != null || healthRetries != null) {
                throw QuiltException.invalid("--health-interval, --health-timeout, --health-start-interval and "
                        + "--health-retries need --health-check CMD");
            }
            return Optional.empty();
        }
        return Optional.of(HealthCheck.fromFlags(healthCheck, healthInterval, healthTimeout, healthStartInterval,
                healthRetries));
    }

    private NetworkMode networkMode() {
        if (noNetwork && network != null && !network.equals("none")) {
            throw QuiltException.invalid("--no-network and --network " + network + " contradict each other");
        }
        return noNetwork ? NetworkMode.NONE : network == null ? NetworkMode.BRIDGE : NetworkMode.parse(network);
    }

    /**
     * The request these flags make for {@code caller}: {@code -e KEY} takes KEY's value from its environment, a
     * relative seccomp profile path is its working directory's.
     */
    ContainerRequest request(RunArguments args, boolean stdinOpen, boolean initWhenNoCommand, Invocation caller) {
        boolean noCommand = args.command().isEmpty();
        List<String> command = noCommand && !initWhenNoCommand ? List.of("/bin/sh") : args.command();
        return new ContainerRequest(args.target(), Optional.ofNullable(name).map(ContainerName::of), command, env,
                caller::getenv, Optional.ofNullable(hostname).map(Hostname::new), workdir,
                user == null ? User.ROOT : User.parse(user), remove, stdinOpen, init || (noCommand && initWhenNoCommand),
                networkMode(), Resources.fromFlags(memory, memorySwap, cpus, cpuShares, pidsLimit), health(),
                ReadyPolicy.fromFlags(readyTimeout, keepOnFailure), LogLimit.fromFlag(logMaxSize),
                security.security(networkMode(), caller)).withLabels(persisted(persist, name, labels(labels)));
    }

    /** {@code labels} with {@code quilt.persist=true} when {@code --persist} is given (issue 16, item 7). */
    static java.util.Map<String, String> persisted(boolean persist, String name, java.util.Map<String, String> labels) {
        if (!persist) return labels;
        if (name == null) {
            throw QuiltException.invalid("--persist needs --name: the next run or create finds the checkpoint by name");
        }
        String given = labels.get(dev.quilt.domain.PersistPolicy.LABEL);
        if (given != null && !dev.quilt.domain.PersistPolicy.asked(labels)) {
            throw QuiltException.invalid("--persist and --label " + dev.quilt.domain.PersistPolicy.LABEL + "=" + given
                    + " contradict each other");
        }
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>(labels);
        out.put(dev.quilt.domain.PersistPolicy.LABEL, "true");
        return out;
    }

    /** {@code --label K=V} as docker reads it: the first {@code =} splits; {@code K} alone is {@code K=}; a later K wins. */
    static java.util.Map<String, String> labels(List<String> flags) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (String f : flags) {
            int eq = f.indexOf('=');
            String k = eq < 0 ? f : f.substring(0, eq);
            if (k.isBlank()) throw QuiltException.invalid("--label '" + f + "' needs a key: use --label KEY=VALUE");
            if (f.indexOf('\0') >= 0) throw QuiltException.invalid("--label must not contain a NUL byte");
            out.put(k, eq < 0 ? "" : f.substring(eq + 1));
        }
        return out;
    }
}
