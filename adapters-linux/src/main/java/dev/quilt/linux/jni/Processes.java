package dev.quilt.linux.jni;

/**
 * Peer of native/src/jni/processes.c. Natives return a value or {@code -errno};
 * the public methods turn the latter into {@link NativeException}.
 */
public final class Processes {
    /** quilt-monitor gets a new session, so a terminal's signals and hang-up do not reach it. */
    public static final int SPAWN_SETSID = 1;

    private Processes() {}

    static native int spawnHelper(String path, int syncFd, int flags);

    static native int spawnHelperWithStdio(String path, int syncFd, int flags, int in, int out, int err);

    static native int setChildSubreaper(int on);

    static native int waitPid(int pid);

    static native int pidfdOpen(int pid);

    static native int pidfdSendSignal(int pidfd, int signal);

    static native int geteuid();

    static native String signalName(int signal);

    static native int signalMax();

    static native int close(int fd);

    static native int isTerminal(int fd);

    static native int openNull();

    static native int spawnCommand(String[] argv, String out);

    static native int killGroup(int pgid, int signal);

    /**
     * Starts a host command ({@code argv[0]} an absolute path) in a process group of its own (its pid is the group's
     * id), with stdin {@code /dev/null} and stdout and stderr into the file {@code out}, nothing else of ours open,
     * and our environment; never forks the JVM. Its pid; reap it with {@link #await}.
     */
    public static int spawnCommand(java.util.List<String> argv, java.nio.file.Path out) {
        return NativeException.check(spawnCommand(argv.toArray(String[]::new), out.toString()), "posix_spawn",
                argv.get(0));
    }

    /** Sends {@code signal} to every process of group {@code pgid} (above 1); none left in it (ESRCH) is success. */
    public static void signalGroup(int pgid, int signal) {
        int rc = killGroup(pgid, signal);
        if (rc == -Errors.value("ESRCH")) return;
        NativeException.check(rc, "kill", "process group " + pgid);
    }

    /** Starts {@code path} with {@code syncFd} as its fd 3 and stdio inherited; never forks the JVM. */
    public static int spawn(String path, int syncFd, int flags) {
        return NativeException.check(spawnHelper(path, syncFd, flags), "posix_spawn", path);
    }

    /**
     * As {@link #spawn(String, int, int)}, with {@code stdio} (three fds: 0, 1, 2 for ours, else one of ours
     * moved there) as the helper's stdin, stdout and stderr.
     */
    public static int spawn(String path, int syncFd, int flags, int[] stdio) {
        return NativeException.check(spawnHelperWithStdio(path, syncFd, flags, stdio[0], stdio[1], stdio[2]),
                "posix_spawn", path);
    }

    /**
     * prctl(2) {@code PR_SET_CHILD_SUBREAPER}: whether the orphans of our descendants are ours to reap.
     * runc's {@code run} and {@code exec} (not detached) set it, so that they reap the init or process they
     * handed off and exit with its status.
     */
    public static void childSubreaper(boolean on) {
        NativeException.check(setChildSubreaper(on ? 1 : 0), "prctl", "PR_SET_CHILD_SUBREAPER");
    }

    /** The raw wait status of a child. */
    public static int await(int pid) {
        return NativeException.check(waitPid(pid), "waitpid", String.valueOf(pid));
    }

    /** A pidfd, or -1 if the process is already gone. */
    public static int openPidfd(int pid) {
        int fd = pidfdOpen(pid);
        if (fd == -Errors.value("ESRCH")) return -1;
        return NativeException.check(fd, "pidfd_open", String.valueOf(pid));
    }

    /** Sends a signal; a process that has exited (ESRCH) is success, as for runc's kill. */
    public static void signal(int pidfd, int signal) {
        int rc = pidfdSendSignal(pidfd, signal);
        if (rc == -Errors.value("ESRCH")) return;
        NativeException.check(rc, "pidfd_send_signal", "signal " + signal);
    }

    public static int effectiveUid() {
        return geteuid();
    }

    /** "TERM" for 15: the C library's abbreviation, or null for a number it does not name. */
    public static String nameOf(int signal) {
        return signalName(signal);
    }

    public static int maxSignal() {
        return signalMax();
    }

    /** isatty(3): whether our {@code fd} (0 for stdin) is a terminal. */
    /** A new fd on /dev/null (read and write, close-on-exec). */
    public static int openDevNull() {
        return NativeException.check(openNull(), "open", "/dev/null");
    }

    public static boolean terminal(int fd) {
        return isTerminal(fd) == 1;
    }

    public static void closeFd(int fd) {
        if (fd >= 0) close(fd);
    }
}
