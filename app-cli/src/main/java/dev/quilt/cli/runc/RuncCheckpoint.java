package dev.quilt.cli.runc;

import dev.quilt.cli.Invocation;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;
import dev.quilt.usecases.CheckpointToImages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import javax.inject.Inject;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * runc 1.1's {@code checkpoint} and {@code restore} flags ({@code runc checkpoint --help}, {@code runc restore
 * --help}; {@code man/runc-checkpoint.8.md}), read and checked before anything is looked up or made: what
 * Quilt does is taken, what it does not is refused in one line that says so (never silently ignored). The
 * layout is runc's: CRIU's images straight in {@code --image-path} (podman and containerd read and write that
 * directory themselves: podman tars it for {@code --export}), CRIU's log in {@code --work-path}.
 */
final class RuncCheckpoint {
    private RuncCheckpoint() {}

    /** runc's default image directory: {@code checkpoint} under the caller's working directory. */
    static final String DEFAULT_IMAGE_PATH = "checkpoint";

    /** The flags both verbs share. */
    static final class CriuFlags {
        @Option(names = "--image-path", paramLabel = "DIR", description = "CRIU's image files (default:"
                + " ./checkpoint)")
        String imagePath = "";

        @Option(names = "--work-path", paramLabel = "DIR", description = "CRIU's stats-dump is copied there;"
                + " its log (dump.log) is written beside the images")
        String workPath = "";

        @Option(names = "--tcp-established", description = "checkpoint/restore established TCP connections")
        boolean tcpEstablished;

        @Option(names = "--ext-unix-sk", description = "not supported: unix sockets connected outside the container")
        boolean extUnixSk;

        @Option(names = "--shell-job", description = "not supported: a process with a terminal")
        boolean shellJob;

        @Option(names = "--file-locks", description = "accepted (containerd's shim always passes it): CRIU refuses"
                + " to dump a tree that holds file locks, so a lock is never lost silently")
        boolean fileLocks;

        @Option(names = "--lazy-pages", description = "not supported: memory restored lazily through userfaultfd")
        boolean lazyPages;

        @Option(names = "--manage-cgroups-mode", paramLabel = "MODE", description = "soft (the default: the"
                + " restored processes join the cgroup the bundle names); full and strict are not supported")
        String manageCgroupsMode = "";

        @Option(names = "--empty-ns", paramLabel = "NS", description = "not supported: a namespace made but not"
                + " restored")
        String emptyNs = "";

        @Option(names = "--auto-dedup", description = "not supported: deduplication against a parent's images")
        boolean autoDedup;

        /** The image directory, absolute (the caller's working directory's when relative or not given). */
        Path imageDir(Invocation inv) {
            return inv.resolve(imagePath.isEmpty() ? DEFAULT_IMAGE_PATH : imagePath);
        }

        /** CRIU's log directory: {@code --work-path}, else the image directory (runc's rule). */
        Path workDir(Invocation inv) {
            return workPath.isEmpty() ? imageDir(inv) : inv.resolve(workPath);
        }

        /** Refuses, in one line each, what quilt-runc does not do. */
        void check() {
            if (extUnixSk) {
                throw unsupported("--ext-unix-sk", "a container whose unix sockets are connected outside it"
                        + " cannot be checkpointed by quilt-runc; leave the flag out");
            }
            if (shellJob) {
                throw unsupported("--shell-job", "quilt-runc does not checkpoint a container with a terminal yet");
            }
            if (lazyPages) {
                throw unsupported("--lazy-pages", "quilt-runc dumps and restores memory whole; leave the flag out");
            }
            if (autoDedup) {
                throw unsupported("--auto-dedup", "quilt-runc keeps no parent images to deduplicate against;"
                        + " leave the flag out");
            }
            if (!emptyNs.isEmpty()) {
                throw unsupported("--empty-ns " + emptyNs, "quilt-runc restores every namespace it dumped;"
                        + " leave the flag out");
            }
            switch (manageCgroupsMode.toLowerCase(Locale.ROOT)) {
                case "", "soft" -> { }
                case "full", "strict", "ignore" -> throw unsupported("--manage-cgroups-mode " + manageCgroupsMode,
                        "the restored processes join the cgroup the bundle names (soft); leave the flag out or"
                                + " give soft");
                default -> throw QuiltException.invalid("invalid --manage-cgroups-mode '" + manageCgroupsMode
                        + "': use soft");
            }
        }
    }

    /** {@code runc checkpoint}'s own flags. */
    static final class CheckpointFlags {
        @Option(names = "--leave-running", description = "leave the container running after the dump")
        boolean leaveRunning;

        @Option(names = "--parent-path", paramLabel = "DIR", description = "not supported: images of a pre-dump")
        String parentPath = "";

        @Option(names = "--pre-dump", description = "not supported: dump memory only, for a later checkpoint")
        boolean preDump;

        @Option(names = "--page-server", paramLabel = "ADDRESS:PORT", description = "not supported: send the"
                + " memory to a page server")
        String pageServer = "";

        @Option(names = "--status-fd", paramLabel = "FD", description = "not supported (with --lazy-pages only)")
        int statusFd = -1;

        void check() {
            if (preDump) {
                throw unsupported("--pre-dump", "quilt-runc makes whole checkpoints only; leave the flag out");
            }
            if (!parentPath.isEmpty()) {
                throw unsupported("--parent-path", "quilt-runc makes whole checkpoints only, with no pre-dump"
                        + " parent; leave the flag out");
            }
            if (!pageServer.isEmpty()) {
                throw unsupported("--page-server", "quilt-runc writes the images to --image-path; leave the flag out");
            }
            if (statusFd != -1) {
                throw unsupported("--status-fd", "it goes with --lazy-pages, which quilt-runc does not do");
            }
        }
    }

    /** {@code runc restore}'s own flags. */
    static final class RestoreFlags {
        @Option(names = {"-b", "--bundle"}, paramLabel = "DIR", description = "the bundle: DIR/config.json and its"
                + " root (default: the current directory)")
        String bundle = ".";

        @Option(names = {"-d", "--detach"}, description = "return once the container runs (required: conmon and"
                + " containerd's shim pass it)")
        boolean detach;

        @Option(names = "--pid-file", paramLabel = "FILE", description = "write the restored init's pid to FILE")
        String pidFile;

        @Option(names = "--console-socket", paramLabel = "SOCKET", description = "not supported yet: restore of a"
                + " container with a terminal")
        String consoleSocket;

        @Option(names = {"--no-subreaper", "-no-subreaper"}, description = "accepted: a detached restore makes no"
                + " subreaper (as runc); containerd's shim spells it -no-subreaper")
        boolean noSubreaper;

        @Option(names = "--no-pivot", description = "enter the root with MS_MOVE and chroot, not pivot_root(2)")
        boolean noPivot;

        @Option(names = "--no-new-keyring", description = "keep the caller's session keyring (conmon may pass it)")
        boolean noNewKeyring;

        @Option(names = "--lsm-profile", paramLabel = "TYPE:NAME", description = "not supported: quilt-runc"
                + " applies no AppArmor or SELinux profile")
        String lsmProfile = "";

        @Option(names = "--lsm-mount-context", paramLabel = "CONTEXT", description = "not supported: no SELinux"
                + " mount context")
        String lsmMountContext = "";

        void check() {
            if (!detach) {
                throw unsupported("restore in the foreground", "give --detach (-d), as conmon and containerd's shim"
                        + " do; the restored init is then the caller's child");
            }
            if (consoleSocket != null) {
                throw unsupported("--console-socket", "quilt-runc does not restore a container with a terminal yet");
            }
            if (!lsmProfile.isEmpty()) {
                throw unsupported("--lsm-profile", "quilt-runc applies no AppArmor or SELinux profile (see"
                        + " 'quilt-runc features'); leave the flag out");
            }
            if (!lsmMountContext.isEmpty()) {
                throw unsupported("--lsm-mount-context", "quilt-runc has no SELinux mount context; leave the flag out");
            }
        }
    }

    static QuiltException unsupported(String what, String why) {
        return QuiltException.invalid(what + " is not supported: " + why);
    }

    @Command(name = "checkpoint", description = "Checkpoint a running container: CRIU's images in --image-path;"
            + " the container ends, unless --leave-running.")
    static final class Checkpoint implements Callable<Integer> {
        private final RuncContainers containers;
        private final dagger.Lazy<CheckpointToImages> checkpoint;

        @Mixin
        CriuFlags criu;

        @Mixin
        CheckpointFlags own;

        @Parameters(index = "0", paramLabel = "CONTAINER_ID")
        String id;

        @Inject
        Checkpoint(RuncContainers containers, dagger.Lazy<CheckpointToImages> checkpoint) {
            this.containers = containers;
            this.checkpoint = checkpoint;
        }

        @Override
        public Integer call() {
            criu.check();
            own.check();
            ContainerId cid = containers.require(id);
            containers.requireRoot("checkpoint");
            Path images = criu.imageDir(containers.invocation());
            checkpoint.get().checkpoint(new CheckpointToImages.Command(cid.value(), images, own.leaveRunning,
                    criu.tcpEstablished));
            statsToWorkDir(images, criu.workDir(containers.invocation()));
            return 0;
        }

        /**
         * CRIU's {@code stats-dump} where runc's CRIU writes it, in {@code --work-path} (podman's {@code --export}
         * and {@code --print-stats} read it there). The dump is done by now, and the container perhaps ended with
         * it: a copy that fails is not the checkpoint's failure, so it is left at that (the images are whole).
         */
        private static void statsToWorkDir(Path images, Path work) {
            Path stats = images.resolve("stats-dump");
            if (work.equals(images) || !java.nio.file.Files.isRegularFile(stats) || !java.nio.file.Files.isDirectory(work)) {
                return;
            }
            try {
                java.nio.file.Files.copy(stats, work.resolve("stats-dump"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (java.io.IOException e) {
                // see above: the checkpoint stands without it
            }
        }
    }

    /**
     * runc's {@code restore}: its flags are read and checked as runc's, then it is refused in one line. The engine's
     * restore ({@code ProcessSpawner.restore}) makes the restored init its monitor's child (CRIU's {@code -d}
     * reparents it to the nearest subreaper); runc's process tree needs it to be the caller's (conmon's, the shim's),
     * as {@code quilt-runc create} hands a cloned one over ({@code Mode.HANDED_OFF}), and that restore mode is not
     * built yet.
     */
    @Command(name = "restore", description = "Not supported yet: restore a container from CRIU's images in"
            + " --image-path, with the bundle's config (the flags are checked as runc's).")
    static final class Restore implements Callable<Integer> {
        @Mixin
        CriuFlags criu;

        @Mixin
        RestoreFlags own;

        @Parameters(index = "0", paramLabel = "CONTAINER_ID")
        String id;

        @Inject
        Restore() {}

        @Override
        public Integer call() {
            criu.check();
            own.check();
            RuncContainers.name(id);
            throw QuiltException.invalid("restore is not supported yet: the engine restores a container only as the"
                    + " child of its own monitor, and runc's process tree needs the caller's (see docs/runtimes.md)");
        }
    }
}
