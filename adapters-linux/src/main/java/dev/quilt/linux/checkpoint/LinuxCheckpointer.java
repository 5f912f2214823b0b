package dev.quilt.linux.checkpoint;

import dev.quilt.domain.Container;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.linux.IoErrors;
import dev.quilt.linux.ProcStat;
import dev.quilt.linux.jni.NativeException;
import dev.quilt.linux.jni.Processes;
import dev.quilt.linux.jni.Protocol;
import dev.quilt.linux.jni.Watches;
import dev.quilt.ports.Checkpointer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CRIU's CLI ({@code criu dump}), run as a child of the JVM in a process group of its own (our posix_spawn), with
 * the deadline as the bound of one epoll wait on its pidfd: never a poll; at the deadline its whole group is killed. The spike's
 * flags (docs/ARCHITECTURE.md, "Checkpoint and restore"): the network namespace external under
 * {@value #NET_KEY}, {@code --network-lock skip} (the namespace is the container's alone), stdio pipes recorded
 * by inode for the restore to replace.
 */
public final class LinuxCheckpointer implements Checkpointer {
    /** The key the container's network namespace is dumped as ({@code --external net[INODE]:KEY}). */
    public static final String NET_KEY = "quilt-net";
    private static final Pattern PIPE = Pattern.compile("pipe:\\[(\\d+)]");
    private static final Pattern VERSION = Pattern.compile("Version: (\\S+)");

    /** A checkpointer; {@code lib} is Quilt's native library, loaded (CRIU is spawned and waited for through it). */
    public LinuxCheckpointer(dev.quilt.linux.jni.NativeLibrary lib) {
        java.util.Objects.requireNonNull(lib, "the native library");
    }

    @Override
    public Criu criu() {
        CriuBinary bin = CriuBinary.find();
        String version = run(List.of(bin.path(), "--version"), Instant.now().plusSeconds(10))
                .lines().map(VERSION::matcher).filter(Matcher::find).map(m -> m.group(1)).findFirst()
                .orElse("unknown");
        String kernel;
        try {
            kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException e) {
            kernel = "unknown";
        }
        return new Criu(bin.path(), version, kernel);
    }

    @Override
    public CheckpointManifest.Externals dump(Container container, Path images, Options options, Instant deadline) {
        return dump(container, images, options, deadline, criu -> { });
    }

    @Override
    public CheckpointManifest.Externals dump(Container container, Path images, Options options, Instant deadline,
                                             java.util.function.Consumer<ProcessRef> started) {
        ProcessRef init = container.init().orElseThrow(() -> QuiltException.conflict("container '"
                + container.displayName() + "' has no init to checkpoint"));
        if (!ProcStat.alive(init)) {
            throw QuiltException.conflict("container '" + container.displayName() + "' is not running");
        }
        CriuBinary bin = CriuBinary.find();
        List<CheckpointManifest.PipeEnd> pipes = new ArrayList<>();
        for (int fd = 0; fd <= 2; fd++) {
            String target;
            try {
                target = Files.readSymbolicLink(Path.of("/proc/" + init.pid() + "/fd/" + fd)).toString();
            } catch (IOException e) {
                continue; // closed: nothing to hand back
            }
            if (target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console")) {
                throw QuiltException.invalid("checkpoint of a container with a terminal is not supported yet");
            }
            Matcher m = PIPE.matcher(target);
            if (m.matches()) pipes.add(new CheckpointManifest.PipeEnd(fd, Long.parseLong(m.group(1))));
        }
        long netns;
        try {
            netns = (Long) Files.getAttribute(Path.of("/proc/" + init.pid() + "/ns/net"), "unix:ino");
        } catch (IOException | UnsupportedOperationException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot read the network namespace of container '"
                    + container.displayName() + "': " + e.getMessage(), e);
        }
        try {
            Files.createDirectories(images);
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot make " + images + ": " + IoErrors.why(e), e);
        }
        List<String> cmd = new ArrayList<>(List.of(bin.path(), "dump", "--tree", String.valueOf(init.pid()),
                "--images-dir", images.toString(), "--log-file", "dump.log",
                "--external", "net[" + netns + "]:" + NET_KEY, "--network-lock", "skip",
                "--manage-cgroups=soft"));
        // a bind mount from the host (a bundle's: conmon's /etc/hosts, /etc/hostname, /run/.containerenv) is
        // external, keyed by its destination, as runc marks them; the restore maps each key back to a source
        for (dev.quilt.domain.MountSpec m : container.spec().security().mounts()) {
            if (m.type().equals("bind")) cmd.addAll(List.of("--external", "mnt[" + m.destination() + "]:" + m.destination()));
        }
        // CRIU freezes the tree with the cgroup's freezer (not ptrace alone, which waits for ever on a task that
        // is already frozen: a paused container, or one frozen for --leave-running); a frozen cgroup stays frozen
        freezer(init).ifPresent(f -> cmd.addAll(List.of("--freeze-cgroup", f.toString())));
        if (options.leaveRunning()) cmd.add("--leave-running");
        if (options.tcpEstablished()) cmd.add("--tcp-established");
        try {
            run(cmd, deadline, started);
        } catch (QuiltException e) {
            String errors = errors(images.resolve("dump.log"));
            throw new QuiltException(QuiltException.Kind.SYSTEM, "checkpoint of container '"
                    + container.displayName() + "' failed: " + (errors.isEmpty() ? e.getMessage() : errors), e);
        }
        return new CheckpointManifest.Externals(Optional.of(NET_KEY), pipes);
    }

    /**
     * The freezer of the init's cgroup, as Quilt's own freezer picks it (linux/cgroup/Freezers): the cgroup2
     * tree's {@code cgroup.freeze} where there is one (a v2 host, or a hybrid host's {@code unified} tree), else the
     * v1 freezer's directory.
     */
    static Optional<Path> freezer(ProcessRef init) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/" + init.pid() + "/cgroup"));
        } catch (IOException e) {
            return Optional.empty();
        }
        for (String l : lines) {
            if (!l.startsWith("0::")) continue;
            String rel = l.substring(3);
            for (String mount : List.of("/sys/fs/cgroup/unified", "/sys/fs/cgroup")) {
                Path dir = Path.of(mount + rel);
                if (Files.exists(dir.resolve("cgroup.freeze"))) return Optional.of(dir);
            }
        }
        for (String l : lines) {
            String[] f = l.split(":", 3);
            if (f.length == 3 && java.util.Arrays.asList(f[1].split(",")).contains("freezer")) {
                Path dir = Path.of("/sys/fs/cgroup/freezer" + f[2]);
                if (Files.exists(dir.resolve("freezer.state"))) return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    /** CRIU's "Error (...)" lines, less the two harmless ones every run logs here (RLIMIT_NOFILE, its tun probe). */
    static String errors(Path log) {
        try {
            return String.join("; ", Files.readAllLines(log).stream().filter(l -> l.contains("Error ("))
                    .filter(l -> !l.contains("RLIMIT_NOFILE") && !l.contains("Unable to create tun")).map(l -> l.substring(l.indexOf("Error ("))).toList());
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * Runs a command to its end or the deadline: its output, or a failure with its last line. The command runs in a
     * process group of its own ({@link Processes#spawnCommand}: our posix_spawn, not the JDK's launcher, whose start
     * reads a pipe of its own to its end and so can wait for ever on a pipe another spawn holds); its output goes to a
     * temp file, never a pipe, so no reader can be held open by a process it left behind. The wait is one epoll on
     * its pidfd bounded by the deadline (an event, no poll); at the deadline, or once it has ended, its whole group is
     * killed (SIGKILL: a child it left holding anything goes with it) while its pid is still held (a zombie, so the
     * group's id cannot be another's), and then it is reaped.
     */
    static String run(List<String> cmd, Instant deadline) {
        return run(cmd, deadline, p -> { });
    }

    private static String run(List<String> cmd, Instant deadline, java.util.function.Consumer<ProcessRef> started) {
        Path out;
        try {
            out = Files.createTempFile("quilt-criu-", ".out");
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot make a temp file: " + IoErrors.why(e), e);
        }
        String what = cmd.get(0) + (cmd.size() > 1 ? " " + cmd.get(1) : "");
        try {
            int pid;
            try {
                pid = Processes.spawnCommand(cmd, out);
            } catch (NativeException e) {
                throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot run " + cmd.get(0) + ": " + e.getMessage(), e);
            }
            boolean late;
            int pidfd = Processes.openPidfd(pid); // our unreaped child: its pid is ours until the waitpid below
            try {
                try {
                    ProcStat.startTime(pid).ifPresent(t -> started.accept(new ProcessRef(pid, t)));
                    long left = Duration.between(Instant.now(), deadline).toMillis();
                    late = left <= 0 || Watches.await(new int[] {pidfd}, left) == Watches.TIMED_OUT;
                } finally {
                    Processes.signalGroup(pid, Protocol.SIGKILL); // it, if late, and whatever it left in its group
                }
            } finally {
                Processes.closeFd(pidfd);
            }
            int status = Processes.await(pid);
            if (late) {
                throw new QuiltException(QuiltException.Kind.SYSTEM, what + " did not finish by its deadline; killed it");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            int code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
            if (code != 0) {
                String last = text.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("");
                throw new QuiltException(QuiltException.Kind.SYSTEM, cmd.get(1) + " exited " + code
                        + (last.isEmpty() ? "" : ": " + last));
            }
            return text;
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot read the output of " + what + ": "
                    + IoErrors.why(e), e);
        } finally {
            try {
                Files.deleteIfExists(out);
            } catch (IOException ignored) {
                // a temp file left in /tmp
            }
        }
    }
}
