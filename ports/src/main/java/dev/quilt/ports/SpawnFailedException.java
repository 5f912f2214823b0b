package dev.quilt.ports;

import dev.quilt.domain.QuiltException;

/** The init could not be brought up; {@link #step()} says how far it got. */
public final class SpawnFailedException extends QuiltException {
    private final Step step;
    private final String errnoName;

    /** The steps of a container's birth, in order. */
    public enum Step {
        CONFIG("config"), CLONE("clone"), MOUNT_PRIVATE("mount private"), MOUNT_ROOTFS("mount rootfs"),
        MOUNT_PROC("mount /proc"), MOUNT_DEV("mount /dev"), MOUNT_SYS("mount /sys"), PIVOT_ROOT("pivot_root"),
        HOSTNAME("sethostname"), CWD("chdir"), USER("set user"), EXEC("exec"), STDIO("stdio"),
        MASK("mask paths"), SECCOMP("seccomp"), START("start"), LOG("log"), NETWORK("network"),
        ETC("write /etc files"), CGROUP("cgroup"), STATE("state file"),
        CAPS("capabilities"), NO_NEW_PRIVS("no_new_privs"), SECCOMP_FILTER("seccomp filter"), RLIMIT("rlimit"),
        GROUPS("setgroups"), SYSCTL("sysctl"), KEYRING("session keyring"), OOM_SCORE_ADJ("oom_score_adj"),
        MOUNTS("mount"), DEVICES("make device"), READONLY_ROOT("make the root read-only"),
        CGROUPFS("mount /sys/fs/cgroup"), USERNS("map user ids"), IDMAP("idmapped mount"),
        HOOK("hook"),
        EXEC_CONSOLE("console socket"),
        HANDOFF("hand the init to the caller"), CONSOLE("console socket"), PRESERVE_FDS("preserve fds"),
        JOIN_NAMESPACE("join namespace"),
        RESTORE("criu restore");

        private final String word;

        Step(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    public SpawnFailedException(Step step, String errnoName, String message) {
        super(Kind.SYSTEM, message);
        this.step = step;
        this.errnoName = errnoName;
    }

    public Step step() {
        return step;
    }

    public String errnoName() {
        return errnoName;
    }

    /**
     * An exec found the container's init ended or ending (quilt-exec reports
     * that as the init's ESRCH, whichever step met it): the container is
     * stopping, which its record may not say yet.
     */
    public boolean initGone() {
        return step == Step.CLONE && errnoName.equals("ESRCH");
    }

    /** The shell's convention for a command that could not run: 127 not found, 126 not runnable. */
    public int exitCode() {
        if (step != Step.EXEC) return 125;
        return errnoName.equals("ENOENT") ? 127 : 126;
    }
}
