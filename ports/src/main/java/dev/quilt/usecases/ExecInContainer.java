package dev.quilt.usecases;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Capability;
import dev.quilt.domain.Container;
import dev.quilt.domain.Environment;
import dev.quilt.domain.ExecveLimits;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Rlimit;
import dev.quilt.domain.Security;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;
import dev.quilt.domain.oci.OciProcess;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.ContainerExec;
import dev.quilt.ports.SpawnFailedException;
import dev.quilt.ports.HostLimits;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.IntConsumer;

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

    /**
     * runc's exec ({@code quilt-runc exec}; runc 1.1 {@code exec.go} getProcess). Either {@code process}, an OCI
     * {@code process} object (config.md "Process") taken as the whole process: its args, env exactly as given
     * (runc adds nothing of the container's), cwd, user and additionalGids, terminal, and, when given, its
     * capabilities and rlimits (else the container's), and its noNewPrivileges; or {@code args} with the
     * container's own process under the flags: {@code env} on top of its environment, {@code cwd}, {@code uid} and
     * {@code gid} (each on its own, as runc's {@code --user UID[:GID]} sets them),
     * {@code additionalGids} added to its own, each of {@code caps} added to all five capability sets as runc
     * 1.1 does, {@code noNewPrivileges} to set it, {@code tty}. No TERM is added (runc adds none). The seccomp
     * profile, masks and mounts are always the container's. A terminal with {@code detach} needs a console
     * socket, as runc refuses it ("cannot allocate tty if runc will detach without setting console socket"),
     * and a console socket needs a terminal. With {@code process}, {@code tty} is ignored as runc ignores it
     * (conmon 2.1 passes {@code --tty} beside a process whose {@code terminal} says the same).
     */
    public record RuncRequest(Optional<OciProcess> process, List<String> args, List<String> env, Optional<String> cwd,
                              Optional<Integer> uid, Optional<Integer> gid, List<Integer> additionalGids, List<String> caps,
                              boolean noNewPrivileges, boolean tty, ContainerExec.Handoff handoff) {
        public RuncRequest {
            args = List.copyOf(args);
            env = List.copyOf(env);
            additionalGids = List.copyOf(additionalGids);
            caps = List.copyOf(caps);
            for (String c : caps) Capability.parse(c);
            for (String e : env) { // runc refuses an entry without '=' ("invalid environment variable")
                if (e.indexOf('=') <= 0) throw QuiltException.invalid("--env '" + e + "' is not KEY=VALUE");
            }
            for (int g : additionalGids) {
                if (g < 0) throw QuiltException.invalid("--additional-gids " + g + " must not be negative");
            }
            if (process.isPresent()) {
                if (!args.isEmpty() || !env.isEmpty() || cwd.isPresent() || uid.isPresent() || gid.isPresent()
                        || !additionalGids.isEmpty()
                        || !caps.isEmpty() || noNewPrivileges) {
                    throw QuiltException.invalid("--process gives the whole process: leave out the command and "
                            + "--env, --cwd, --user, --additional-gids, --cap and --no-new-privs, or drop --process");
                }
            } else if (args.isEmpty()) {
                throw QuiltException.invalid("no command given: add one after the container's id, or give --process FILE");
            }
            boolean terminal = process.map(OciProcess::terminal).orElse(tty);
            if (terminal && handoff.detach() && handoff.consoleSocket().isEmpty()) {
                throw QuiltException.invalid("a terminal with --detach needs --console-socket: a detached exec "
                        + "relays nothing; give the socket that takes the pty master, or drop the terminal");
            }
            if (!terminal && handoff.consoleSocket().isPresent()) {
                throw QuiltException.invalid("--console-socket needs a terminal: add --tty (or process.terminal), "
                        + "or drop --console-socket");
            }
        }

        /** Whether the command gets a terminal: {@code process.terminal}, or {@code --tty}. */
        public boolean terminal() {
            return process.map(OciProcess::terminal).orElse(tty);
        }
    }

    /**
     * Runs {@code req} in the running container {@code ref} through the one exec path; {@code started} gets the
     * command's host pid once it has exec'd. Detached: returns empty, the command left to the caller's nearest
     * child subreaper; otherwise its exit. Refusals as for {@link #exec}.
     */
    public Optional<ExitStatus> execRunc(String ref, RuncRequest req, IntConsumer started) {
        Container c = lookup.get(ref);
        if (c.status() != Status.RUNNING || c.init().isEmpty()) throw notRunning(c, c.status());
        ProcessSpec own = c.spec().process();
        Security security = c.spec().security();
        ProcessSpec process;
        if (req.process().isPresent()) {
            OciProcess p = req.process().get();
            if (p.args().isEmpty()) throw QuiltException.invalid("process.args is empty: give the command to run");
            for (int i = 0; i < p.env().size(); i++) {
                String e = p.env().get(i);
                if (e.indexOf('=') <= 0) {
                    throw QuiltException.invalid("process.env[" + i + "] is not KEY=VALUE");
                }
            }
            process = new ProcessSpec(p.args(), p.env(), p.cwd(), new User(id("process.user.uid", p.user().uid()),
                    id("process.user.gid", p.user().gid())), p.terminal());
            List<Integer> gids = new ArrayList<>();
            for (int i = 0; i < p.user().additionalGids().size(); i++) {
                gids.add(id("process.user.additionalGids[" + i + "]", p.user().additionalGids().get(i)));
            }
            Capabilities caps = p.capabilities().map(k -> new Capabilities(k.bounding(), k.effective(), k.permitted(),
                    k.inheritable(), k.ambient())).orElse(security.capabilities());
            security = confined(security, caps, p.noNewPrivileges(),
                    p.rlimits().isEmpty() ? security.rlimits() : p.rlimits(), gids);
        } else {
            process = new ProcessSpec(req.args(), Environment.overlay(own.env(), req.env(), k -> Optional.empty()),
                    req.cwd().orElse(own.cwd()), new User(req.uid().orElse(own.user().uid()),
                    req.gid().orElse(own.user().gid())), req.tty());
            List<Integer> gids = new ArrayList<>(security.additionalGids());
            gids.addAll(req.additionalGids());
            security = confined(security, withCaps(security.capabilities(), req.caps()),
                    security.noNewPrivileges() || req.noNewPrivileges(), security.rlimits(), gids);
        }
        ExecveLimits.check(process.args(), process.env(), host.argMax());
        try {
            return exec.handOff(new ContainerExec.Target(c.init().get(), c.spec().namespaces(),
                    cgroups.placement(c.id(), Cgroups.pathOf(c.spec())), c.id(), security), process, req.terminal(), req.handoff(), started);
        } catch (SpawnFailedException e) {
            if (!e.initGone()) throw e;
            Status now = lookup.observe(c.id()).map(Container::status).orElse(Status.STOPPED);
            throw notRunning(c, now == Status.RUNNING ? Status.STOPPED : now);
        }
    }

    /** runc 1.1's {@code exec --cap}: each one added to the bounding, effective, permitted, inheritable and ambient sets. */
    static Capabilities withCaps(Capabilities own, List<String> caps) {
        if (caps.isEmpty()) return own;
        EnumSet<Capability> added = EnumSet.noneOf(Capability.class);
        for (String c : caps) added.add(Capability.parse(c));
        return new Capabilities(plus(own.bounding(), added), plus(own.effective(), added), plus(own.permitted(), added),
                plus(own.inheritable(), added), plus(own.ambient(), added));
    }

    private static Set<Capability> plus(Set<Capability> s, Set<Capability> more) {
        EnumSet<Capability> out = EnumSet.noneOf(Capability.class);
        out.addAll(s);
        out.addAll(more);
        return out;
    }

    private static Security confined(Security own, Capabilities caps, boolean noNewPrivileges, List<Rlimit> rlimits,
                                     List<Integer> gids) {
        return new Security(caps, noNewPrivileges, own.seccomp(), rlimits, gids, own.umask(), own.sysctls(),
                own.mounts(), own.devices(), own.maskedPaths(), own.readonlyPaths(), own.readonlyRootfs(),
                own.privileged(), own.userns());
    }

    /** A uid or gid of the process JSON: the kernel's ids here are below 2^31. */
    private static int id(String field, long v) {
        if (v > Integer.MAX_VALUE) throw QuiltException.invalid(field + " " + v + " is above 2147483647");
        return (int) v;
    }

    public ExitStatus exec(String ref, Request req) {
        return exec(ref, req, dev.quilt.ports.Stdio.INHERITED);
    }

    /**
     * {@link #exec(String, Request)} with {@code stdio} as the command's stdin, stdout and stderr instead of this
     * process's (the fast CLI's client fds); with {@code req.tty()} and {@code req.stdinOpen()} {@code stdio.in()}
     * must be a terminal, as for {@code exec}.
     */
    public ExitStatus exec(String ref, Request req, dev.quilt.ports.Stdio stdio) {
        Prepared p = prepare(ref, req);
        try {
            return exec.run(p.target(), p.process(), stdio, req.stdinOpen(), req.tty());
        } catch (SpawnFailedException e) {
            throw ended(p.container(), e);
        }
    }

    /**
     * The Docker API's exec: the command started in a running container with {@code stdio} (the server's socket
     * pairs), returned once it has exec'd, not waited for. Refusals and failures as {@link #exec(String, Request)};
     * {@code options.stdinOpen()} and {@code options.tty()} must say what {@code req} says.
     */
    public ContainerExec.Session start(String ref, Request req, dev.quilt.ports.Stdio stdio,
                                       ContainerExec.Options options) {
        return start(lookup.get(ref), req, stdio, options);
    }

    /**
     * As {@link #start(String, Request, Stdio, ContainerExec.Options)} for a container its caller has just
     * observed ({@link ContainerLookup#get}: status read fresh from its records, its processes and its freezer), so
     * a face that refuses a stopped container before it answers (the API's exec start, before it takes the
     * connection over) reads the records once, not twice. A container that stops after it was observed is refused
     * as it is found joining it (its init gone: the same conflict).
     */
    public ContainerExec.Session start(Container observed, Request req, dev.quilt.ports.Stdio stdio,
                                       ContainerExec.Options options) {
        if (options.stdinOpen() != req.stdinOpen() || options.tty() != req.tty()) {
            throw new IllegalArgumentException("the options' stdin and tty must be the request's");
        }
        Prepared p = prepare(observed, req);
        try {
            return exec.start(p.target(), p.process(), stdio, options);
        } catch (SpawnFailedException e) {
            throw ended(p.container(), e);
        }
    }

    /**
     * Refuses now what {@link #start} would refuse for its size: the command and the environment it would run with in
     * {@code c} (the container's, {@code req}'s on top) that execve cannot take ({@link ExecveLimits}: a string of
     * MAX_ARG_STRLEN or more, or all of them past the host's ARG_MAX). For a face that keeps a request to start later
     * (the API's exec create), so it is refused where it is made, not at its start.
     *
     * @throws ExecveLimits.Refused naming the part
     */
    public void checkLimits(Container c, Request req) {
        ExecveLimits.check(req.args(), Environment.forExec(c.spec().process().env(), req.env(), req.callerEnv(),
                req.tty()), host.argMax());
    }

    /** The container found running, the command as it will run, and where it goes. */
    private record Prepared(Container container, ProcessSpec process, ContainerExec.Target target) {}

    private Prepared prepare(String ref, Request req) {
        return prepare(lookup.get(ref), req);
    }

    private Prepared prepare(Container c, Request req) {
        if (c.status() != Status.RUNNING || c.init().isEmpty()) throw notRunning(c, c.status());
        ProcessSpec own = c.spec().process();
        ProcessSpec process = new ProcessSpec(req.args(),
                Environment.forExec(own.env(), req.env(), req.callerEnv(), req.tty()),
                req.cwd().orElse(own.cwd()), req.user().orElse(own.user()), req.tty());
        ExecveLimits.check(process.args(), process.env(), host.argMax());
        Security security = confinement(c.spec().security(), req);
        return new Prepared(c, process, new ContainerExec.Target(c.init().get(), namespacesOf(c.spec()),
                cgroups.placement(c.id(), Cgroups.pathOf(c.spec())), c.id(), security));
    }

    /** A failure to join: the container's end (its init ended while we joined it) is the usual conflict. */
    private RuntimeException ended(Container c, SpawnFailedException e) {
        if (!e.initGone()) return e;
        // its init ended while we joined it; it is stopped, or stopping (its monitor records it now)
        Status now = lookup.observe(c.id()).map(Container::status).orElse(Status.STOPPED);
        return notRunning(c, now == Status.RUNNING ? Status.STOPPED : now);
    }

    /** "container 'x' is stopped; exec needs a running one", the same whenever it is found out. */
    private static QuiltException notRunning(Container c, Status s) {
        String hint = s == Status.CREATED ? " (quilt start " + c.displayName() + ")"
                : s == Status.PAUSED ? " (quilt unpause " + c.displayName() + ")" : "";
        return QuiltException.conflict("container '" + c.displayName() + "' is " + s.word()
                + "; exec needs a running one" + hint);
    }

    /**
     * The namespaces a process joins to be in the container: those it made and those its bundle joined by
     * path ({@code linux.namespaces[].path}), which are the init's all the same; one left out would leave the
     * process in the host's.
     */
    public static java.util.Set<dev.quilt.domain.Namespace> namespacesOf(dev.quilt.domain.ContainerSpec spec) {
        java.util.EnumSet<dev.quilt.domain.Namespace> all = java.util.EnumSet.noneOf(dev.quilt.domain.Namespace.class);
        all.addAll(spec.namespaces());
        spec.bundle().ifPresent(b -> all.addAll(b.namespacePaths().keySet()));
        return all;
    }
}
