package dev.quilt.linux.monitor;

import dev.quilt.domain.Bundle;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Endpoint;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.NetworkMode;
import dev.quilt.domain.Phase;
import dev.quilt.domain.PhaseMark;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RootFs;
import dev.quilt.domain.Readiness;
import dev.quilt.domain.UserNamespace;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.jni.Errors;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Protocol;
import dev.quilt.linux.jni.Sockets;
import dev.quilt.linux.jni.StartGate;
import dev.quilt.linux.net.EtcFiles;
import dev.quilt.ports.Cgroups;
import dev.quilt.ports.NotReadyException;
import dev.quilt.ports.ProcessSpawner;
import dev.quilt.ports.SeccompFilters;
import dev.quilt.ports.SpawnFailedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Starts a container through quilt-monitor: posix_spawn of the monitor (never a
 * fork of the JVM), one CONFIG message over a SOCK_SEQPACKET pair, then READY
 * or FAIL back. The monitor forks once to be nobody's child; we reap the half
 * that exits at once. Waiting for the exit is a blocking read of EXIT.
 * READY carries the readiness phases' events as the monitor saw them: when the
 * clone returned (spawned) and when both netlink batches were acknowledged
 * (network); waiting for it is a poll(2) on the socket bounded by the deadline.
 * {@link Mode#HANDED_OFF} gives runc's process tree (native/src/monitor/tree.h): the init is the child of our
 * caller's nearest subreaper, its stdio is the caller's (or, with {@code process.terminal}, a pty whose master
 * goes to the console socket), and the caller's fds 3..3+N-1 of {@code --preserve-fds N} are its own.
 */
public final class MonitorSpawner implements ProcessSpawner {
    private final LinuxPaths paths;
    private final NativeLibrary lib;
    private final SeccompFilters seccomp;
    private final CallerFds caller;

    /**
     * What whoever runs Quilt hands a {@link Mode#HANDED_OFF} or {@link Mode#FOREGROUND} container, as runc's caller
     * does: its stdio
     * (stdin, stdout, stderr) and, for {@code --preserve-fds N}, the fd that becomes the process's
     * {@code 3 + index} (index 0..N-1).
     */
    public interface CallerFds {
        int[] stdio();

        int preserved(int index);

        /** Our own: fds 0, 1, 2 and 3..3+N-1, inherited from our caller as runc's are. */
        CallerFds INHERITED = new CallerFds() {
            @Override
            public int[] stdio() {
                return new int[] {0, 1, 2};
            }

            @Override
            public int preserved(int index) {
                return 3 + index;
            }
        };
    }

    /** {@code seccomp} compiles the container's profile for its init to load last before execve. */
    public MonitorSpawner(LinuxPaths paths, NativeLibrary lib, SeccompFilters seccomp) {
        this(paths, lib, seccomp, CallerFds.INHERITED);
    }

    /** As above, a handed-off container taking its stdio and preserved fds from {@code caller}. */
    public MonitorSpawner(LinuxPaths paths, NativeLibrary lib, SeccompFilters seccomp, CallerFds caller) {
        this.paths = paths;
        this.lib = lib;
        this.seccomp = seccomp;
        this.caller = caller;
    }

    /**
     * The caller's fds of {@code --preserve-fds}, each checked open; runc passes whatever is there, but a fd
     * that is not open would fail the create later with a bare EBADF.
     */
    private int[] preservedFds(ContainerSpec spec, Mode mode) {
        int n = spec.bundle().map(b -> b.terms().preserveFds()).orElse(0);
        int[] fds = new int[n];
        for (int i = 0; i < n; i++) {
            fds[i] = caller.preserved(i);
            if (!Files.exists(Path.of("/proc/self/fd/" + fds[i]), LinkOption.NOFOLLOW_LINKS)) {
                throw QuiltException.invalid("--preserve-fds " + n + ": fd " + (3 + i) + " is not open; pass only"
                        + " as many as the caller opened after stdio");
            }
        }
        if (mode == Mode.HANDED_OFF && spec.security().userns() instanceof UserNamespace.Mapped) {
            // clone(2): CLONE_PARENT with CLONE_NEWUSER is EINVAL (native/src/monitor/tree.h)
            throw QuiltException.invalid("a user namespace is not supported with runc's process tree yet; leave the"
                    + " user namespace out of config.json");
        }
        return fds;
    }

    @Override
    public Launched launch(ContainerId id, ContainerSpec spec, Optional<Endpoint> endpoint, Cgroups.Placement cgroup,
                           Mode mode, Instant deadline) {
        return start(id, spec, endpoint, cgroup, mode, deadline, Optional.empty());
    }

    /**
     * The monitor in restore mode ({@code native/src/monitor/restore.c}): the same CONFIG as a detached launch
     * plus the restore records; CRIU gets the time left to {@code deadline}, and we wait two seconds more to
     * hear how it ended (the monitor kills it at the deadline).
     */
    @Override
    public Launched restore(ContainerId id, ContainerSpec spec, Optional<Endpoint> endpoint, Cgroups.Placement cgroup,
                            Restore from, Instant deadline) {
        if (spec.security().userns() instanceof UserNamespace.Mapped) {
            throw QuiltException.invalid("restore of a container with a user namespace is not supported yet");
        }
        return start(id, spec, endpoint, cgroup, Mode.DETACHED, deadline, Optional.of(from));
    }

    private Launched start(ContainerId id, ContainerSpec spec, Optional<Endpoint> endpoint, Cgroups.Placement cgroup,
                           Mode mode, Instant deadline, Optional<Restore> restore) {
        Instant begun = Instant.now();
        int[] preserved = preservedFds(spec, mode);
        if (mode.gated()) StartGate.create(paths.execFifo(id).toString());
        // the rootfs in place (runc's way) gets no /etc files of ours: the client binds its own in mounts
        if (!inPlace(spec)) {
            try {
                EtcFiles.write(paths.etcFiles(id), spec.hostname(), spec.network(), endpoint);
            } catch (IOException e) {
                throw new QuiltException(QuiltException.Kind.SYSTEM, "write " + paths.etcFiles(id) + " failed: "
                        + dev.quilt.linux.IoErrors.why(e), e);
            }
        }
        MessageWriter cfg = config(id, spec, endpoint, cgroup, mode);
        if (restore.isPresent()) restoreRecords(cfg, id, spec, restore.get(), begun, deadline);
        Instant heard = restore.isPresent() ? deadline.plusSeconds(2) : deadline;
        int[] pair = Sockets.pair();
        int ours = pair[0];
        int firstHalf;
        try {
            // a foreground container's stdio is its caller's too: ours in the CLI, the fast CLI's caller's in the server
            firstHalf = mode == Mode.HANDED_OFF || mode == Mode.FOREGROUND
                    ? Processes.spawn(lib.monitor().toString(), pair[1], Processes.SPAWN_SETSID, caller.stdio())
                    : Processes.spawn(lib.monitor().toString(), pair[1], Processes.SPAWN_SETSID);
        } catch (RuntimeException e) {
            Processes.closeFd(ours);
            throw e;
        } finally {
            Processes.closeFd(pair[1]);
        }
        MonitorConnection conn = new MonitorConnection(id, ours);
        try {
            Sockets.send(ours, cfg.array(), cfg.length(), "quilt-monitor");
            if (preserved.length > 0) Sockets.sendFds(ours, preserved, "quilt-monitor");
            Processes.await(firstHalf); // it forks and exits as soon as it has the config
            // past the deadline the init (in its cgroup from its first instruction on v2, from before GO on
            // v1) is the caller's to remove with the cgroup; its monitor follows it out
            Message reply = conn.receive(heard).orElseThrow(() -> new NotReadyException(Phase.SPAWNED,
                    "phase spawned did not hold by its deadline"));
            if (reply.type() == Protocol.MSG_READY) {
                return conn.launched(new ProcessRef((int) reply.number(Protocol.T_PID), reply.number(Protocol.T_START_TIME)),
                        new ProcessRef((int) reply.number(Protocol.T_MONITOR_PID), reply.number(Protocol.T_MONITOR_START)),
                        readiness(reply, begun), mode == Mode.HANDED_OFF);
            }
            if (reply.type() == Protocol.MSG_FAIL) throw failure(reply);
            throw new QuiltException(QuiltException.Kind.SYSTEM, "quilt-monitor sent message " + reply.type()
                    + " before the container started");
        } catch (RuntimeException e) {
            conn.close();
            throw e;
        }
    }

    private MessageWriter config(ContainerId id, ContainerSpec spec, Optional<Endpoint> endpoint, Cgroups.Placement cgroup,
                                 Mode mode) {
        Path layer = paths.containerLayer(id);
        String lower = switch (spec.root()) {
            case RootFs.Image i -> paths.imageRootfs(i.digest()).toString();
            case RootFs.Directory d -> d.path();
        };
        MessageWriter w = new MessageWriter(Protocol.MSG_CONFIG)
                .put(Protocol.T_ID, id.value())
                .put(Protocol.T_STATE_DIR, paths.containerState(id).toString())
                .put(Protocol.T_LOWER, lower);
        if (inPlace(spec)) {
            w.put(Protocol.T_MERGED, lower).put(Protocol.T_ROOT_IN_PLACE, 1);
        } else {
            w.put(Protocol.T_UPPER, layer.resolve("upper").toString())
                    .put(Protocol.T_WORK, layer.resolve("work").toString())
                    .put(Protocol.T_MERGED, layer.resolve("merged").toString())
                    .put(Protocol.T_ETC_DIR, paths.etcFiles(id).toString());
        }
        if (spec.bundle().map(Bundle::keepHostname).orElse(false)) {
            w.put(Protocol.T_KEEP_HOSTNAME, 1);
        } else {
            w.put(Protocol.T_HOSTNAME, spec.hostname().value());
        }
        w.put(Protocol.T_CWD, spec.process().cwd())
                .put(Protocol.T_UID, spec.process().user().uid())
                .put(Protocol.T_GID, spec.process().user().gid())
                .put(Protocol.T_STDIN_NULL, spec.stdinOpen() && mode == Mode.FOREGROUND || mode == Mode.HANDED_OFF ? 0 : 1);
        spec.bundle().ifPresent(b -> {
            b.namespacePaths().forEach((ns, path) -> w.put(Protocol.T_NS_PATH, Protocol.kernelName(ns) + " " + path));
            if (b.terms().noPivot()) w.put(Protocol.T_NO_PIVOT, 1);
            b.oomScoreAdj().ifPresent(o -> w.put(Protocol.T_OOM_SCORE_ADJ, o));
        });
        endpoint.ifPresent(e -> w.put(Protocol.T_NET_BRIDGE, e.bridge())
                .put(Protocol.T_NET_VETH, e.hostLink())
                .put(Protocol.T_NET_ADDRESS, e.cidr())
                .put(Protocol.T_NET_GATEWAY, e.gateway().toString())
                .put(Protocol.T_NET_MAC, e.mac().replace(":", ""))
                .put(Protocol.T_NET_LEASES, paths.network().toString()));
        if (spec.network() == NetworkMode.NONE) w.put(Protocol.T_LOOPBACK, 1);
        MountRecords.put(w, spec.security());
        cgroup.unified().ifPresent(d -> w.put(Protocol.T_CGROUP_V2, d));
        for (String d : cgroup.controllers()) w.put(Protocol.T_CGROUP_V1, d);
        cgroup.memory().ifPresent(d -> w.put(Protocol.T_CGROUP_MEMORY_V1, d));
        if (mode == Mode.HANDED_OFF) w.put(Protocol.T_HANDED_OFF, 1); // stdio the caller's: no log
        spec.bundle().ifPresent(b -> {
            b.terms().consoleSocket().ifPresent(s -> w.put(Protocol.T_CONSOLE_SOCKET, s));
            if (b.terms().preserveFds() > 0) w.put(Protocol.T_PRESERVE_FDS, b.terms().preserveFds());
        });
        if (mode != Mode.FOREGROUND && mode != Mode.HANDED_OFF) {
            w.put(Protocol.T_LOG_PATH, paths.log(id).toString());
            w.put(Protocol.T_LOG_MAX, spec.log().maxBytes());
        }
        if (mode.gated()) w.put(Protocol.T_EXEC_FIFO, paths.execFifo(id).toString());
        long flags = 0;
        for (Namespace ns : spec.namespaces()) flags |= Protocol.cloneFlag(ns);
        w.put(Protocol.T_NS_FLAGS, flags);
        if (spec.init()) {
            w.put(Protocol.T_INIT_PATH, lib.init().toString());
            w.put(Protocol.T_ARG, "quilt-init");
            if (!spec.process().args().isEmpty()) w.put(Protocol.T_ARG, "--");
        }
        for (String a : spec.process().args()) w.put(Protocol.T_ARG, a);
        for (String e : spec.process().env()) w.put(Protocol.T_ENV, e);
        ConfineRecords.put(w, id, spec.security(), seccomp,
                spec.bundle().map(b -> b.terms().newKeyring()).orElse(true));
        spec.bundle().ifPresent(b -> HookRecords.put(w, id, b));
        if (spec.security().userns() instanceof UserNamespace.Mapped m) {
            w.put(Protocol.T_UID_MAP, m.uids().stream().map(UserNamespace.IdMapping::line).collect(Collectors.joining()));
            w.put(Protocol.T_GID_MAP, m.gids().stream().map(UserNamespace.IdMapping::line).collect(Collectors.joining()));
        } else if (spec.security().userns() instanceof UserNamespace.Auto) {
            throw new IllegalStateException("--userns auto reached the spawner without its range");
        }
        return w;
    }

    /**
     * CRIU's terms: the binary, the images, the keys of what was external at the dump, the container's cgroup
     * path below each hierarchy's root (CRIU's {@code --cgroup-root}: the restored cgroup mounts show it alone),
     * and the time left.
     */
    private void restoreRecords(MessageWriter w, ContainerId id, ContainerSpec spec, Restore r, Instant begun,
                                Instant deadline) {
        w.put(Protocol.T_RESTORE_CRIU, dev.quilt.linux.checkpoint.CriuBinary.find().path());
        w.put(Protocol.T_RESTORE_IMAGES, r.images().toAbsolutePath().toString());
        r.externals().netKey().ifPresent(k -> w.put(Protocol.T_RESTORE_NET_KEY, k));
        for (var p : r.externals().stdioPipes()) w.put(Protocol.T_RESTORE_PIPE, p.fd() + " " + p.inode());
        String root = Cgroups.pathOf(spec).map(p -> p.startsWith("/") ? p : "/" + p)
                .orElse("/" + paths.cgroupParent() + "/" + id.value());
        w.put(Protocol.T_RESTORE_CGROUP_ROOT, root);
        w.put(Protocol.T_RESTORE_DEADLINE_MS, Math.max(1, Duration.between(begun, deadline).toMillis()));
        if (r.tcpEstablished()) w.put(Protocol.T_RESTORE_TCP, 1);
    }

    /** The bundle's rootfs is the root itself, bound in place (runc's way), not an overlay's lower layer. */
    private static boolean inPlace(ContainerSpec spec) {
        return spec.bundle().map(b -> b.terms().rootInPlace()).orElse(false) && spec.root() instanceof RootFs.Directory;
    }

    /** spawned: from our start to the clone (the caller may count from earlier); network: the netlink batches' own time, or skipped. */
    private static Readiness readiness(Message m, Instant begun) {
        Instant spawned = wall(m.number(Protocol.T_SPAWNED_AT));
        Readiness r = Readiness.NONE.then(PhaseMark.held(Phase.SPAWNED, spawned, Duration.between(begun, spawned)));
        Optional<String> done = m.get(Protocol.T_NET_DONE_AT);
        if (done.isEmpty()) return r.then(PhaseMark.skipped(Phase.NETWORK, spawned));
        return r.then(PhaseMark.held(Phase.NETWORK, wall(Long.parseLong(done.get())),
                Duration.ofNanos(m.number(Protocol.T_NET_NANOS))));
    }

    private static Instant wall(long nanos) {
        return Instant.ofEpochSecond(0, nanos);
    }

    static SpawnFailedException failure(Message m) {
        int stepNumber = (int) m.number(Protocol.T_STEP);
        int errno = (int) m.number(Protocol.T_ERRNO);
        String object = m.get(Protocol.T_OBJECT).orElse("");
        SpawnFailedException.Step step = SpawnFailedException.Step.CONFIG;
        for (SpawnFailedException.Step s : SpawnFailedException.Step.values()) {
            if (Protocol.step("QUILT_STEP_" + s.name()) == stepNumber) step = s;
        }
        String name = Errors.name(errno);
        if (step == SpawnFailedException.Step.RESTORE) {
            if (name.equals("ETIMEDOUT")) throw new NotReadyException(Phase.SPAWNED, object);
            return new SpawnFailedException(step, name, "criu restore failed: " + object);
        }
        // a hook's line names the hook and how it failed (runc's "error running createRuntime hook #0 ...")
        if (step == SpawnFailedException.Step.HOOK) return new SpawnFailedException(step, name, object);
        if (step == SpawnFailedException.Step.IDMAP
                && (name.equals("EINVAL") || name.equals("EPERM") || name.equals("EOPNOTSUPP"))) {
            // the kernel or the file system of the image store refused: say what --userns needs
            return new SpawnFailedException(step, Errors.name(errno), "--userns needs idmapped mounts, which the file"
                    + " system of " + object + " does not support: " + Errors.text(errno)
                    + "; run without --userns, or keep the root on a file system that supports them (ext4, xfs, btrfs, tmpfs)");
        }
        String what = object.isEmpty() ? "" : " \"" + object + "\"";
        return new SpawnFailedException(step, Errors.name(errno), step.word() + what + ": " + Errors.text(errno)
                + hint(step, Errors.name(errno)));
    }

    /** What the kernel's bare errno means for the steps where it is not plain (setrlimit(2), sysctl files). */
    private static String hint(SpawnFailedException.Step step, String errno) {
        if (step == SpawnFailedException.Step.RLIMIT && errno.equals("EPERM")) {
            return " (a hard limit above quilt's own needs CAP_SYS_RESOURCE, and nofile cannot pass fs.nr_open)";
        }
        if (step == SpawnFailedException.Step.SYSCTL && errno.equals("ENOENT")) return " (no such sysctl)";
        if (step == SpawnFailedException.Step.SYSCTL && errno.equals("EINVAL")) return " (the kernel refused the value)";
        if (step == SpawnFailedException.Step.JOIN_NAMESPACE && errno.equals("EINVAL")) {
            return " (not a namespace of the type linux.namespaces gives it)";
        }
        return "";
    }

    static ExitStatus exitOf(Message m) {
        int signal = (int) m.number(Protocol.T_SIGNAL);
        return signal > 0 ? ExitStatus.killedBy(signal) : ExitStatus.exited((int) m.number(Protocol.T_EXIT_CODE));
    }
}
