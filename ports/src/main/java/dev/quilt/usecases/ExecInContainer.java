package dev.quilt.usecases;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Container;
import dev.quilt.domain.Environment;
import dev.quilt.domain.ExecveLimits;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Security;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.ContainerExec;
import dev.quilt.ports.SpawnFailedException;
import dev.quilt.ports.HostLimits;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code quilt exec}: a command in a running container. It inherits the
 * container's environment, cwd and user unless told otherwise; {@code -e}
 * entries go on top, as for run. With a terminal it gets TERM=xterm unless
 * the container or {@code -e} sets TERM, as with docker; a command too large
 * for execve is refused before anything runs. A container that is not running is one
 * conflict, whether it had stopped before we looked or ended while quilt-exec
 * joined it (then the helper finds its init gone: ESRCH).
 */
public final class ExecInContainer {
    private final ContainerLookup lookup;
    private final Cgroups cgroups;
    private final ContainerExec exec;
    private final HostLimits host;

    public ExecInContainer(ContainerLookup lookup, Cgroups cgroups, ContainerExec exec, HostLimits host) {
        this.host = host;
        this.lookup = lookup;
        this.cgroups = cgroups;
        this.exec = exec;
    }

    /**
     * What the caller asked for; empty means the container's own. {@code privileged} gives the command every
     * capability (docker's and podman's {@code exec --privileged}; the container's seccomp profile and
     * no_new_privs stay); {@code capAdd}/{@code capDrop} adjust the container's set as {@code run}'s do.
     */
    public record Request(List<String> args, List<String> env, Function<String, Optional<String>> callerEnv,
                          Optional<String> cwd, Optional<User> user, boolean stdinOpen, boolean tty,
                          boolean privileged, List<String> capAdd, List<String> capDrop) {
        public Request {
            args = List.copyOf(args);
            env = List.copyOf(env);
            capAdd = List.copyOf(capAdd);
            capDrop = List.copyOf(capDrop);
            if (args.isEmpty()) throw QuiltException.invalid("no command given: add one after '--'");
        }

        /** The container's own confinement. */
        public Request(List<String> args, List<String> env, Function<String, Optional<String>> callerEnv,
                       Optional<String> cwd, Optional<User> user, boolean stdinOpen, boolean tty) {
            this(args, env, callerEnv, cwd, user, stdinOpen, tty, false, List.of(), List.of());
        }
    }

    /** The container's confinement with exec's flags on top. */
    static Security confinement(Security own, Request req) {
        Capabilities caps = req.privileged() ? Capabilities.ALL : own.capabilities();
        if (req.capAdd().isEmpty() && req.capDrop().isEmpty() && !req.privileged()) return own;
        caps = caps.adjusted(req.capAdd(), req.capDrop());
        return new Security(caps, own.noNewPrivileges(), own.seccomp(), own.rlimits(), own.additionalGids(),
                own.umask(), own.sysctls(), own.mounts(), own.devices(), own.maskedPaths(), own.readonlyPaths(),
                own.readonlyRootfs(), own.privileged() || req.privileged());
    }

    public ExitStatus exec(String ref, Request req) {
        Container c = lookup.get(ref);
        if (c.status() != Status.RUNNING || c.init().isEmpty()) throw notRunning(c, c.status());
        ProcessSpec own = c.spec().process();
        ProcessSpec process = new ProcessSpec(req.args(),
                Environment.forExec(own.env(), req.env(), req.callerEnv(), req.tty()),
                req.cwd().orElse(own.cwd()), req.user().orElse(own.user()), req.tty());
        ExecveLimits.check(process.args(), process.env(), host.argMax());
        try {
            Security security = confinement(c.spec().security(), req);
            return exec.run(new ContainerExec.Target(c.init().get(), c.spec().namespaces(), cgroups.placement(c.id()),
                            c.id(), security),
                    process, req.stdinOpen(), req.tty());
        } catch (SpawnFailedException e) {
            if (!e.initGone()) throw e;
            // its init ended while we joined it; it is stopped, or stopping (its monitor records it now)
            Status now = lookup.observe(c.id()).map(Container::status).orElse(Status.STOPPED);
            throw notRunning(c, now == Status.RUNNING ? Status.STOPPED : now);
        }
    }

    /** "container 'x' is stopped; exec needs a running one", the same whenever it is found out. */
    private static QuiltException notRunning(Container c, Status s) {
        String hint = s == Status.CREATED ? " (quilt start " + c.displayName() + ")"
                : s == Status.PAUSED ? " (quilt unpause " + c.displayName() + ")" : "";
        return QuiltException.conflict("container '" + c.displayName() + "' is " + s.word()
                + "; exec needs a running one" + hint);
    }
}
