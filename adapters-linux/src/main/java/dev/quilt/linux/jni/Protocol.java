package dev.quilt.linux.jni;

/**
 * The numbers of native/include/quilt/proto.h and of the kernel's clone flags.
 * They are written here for the compiler's sake and checked against the C
 * library when it loads, so a mismatch fails at start-up, not in a container.
 */
public final class Protocol {
    public static final int MSG_MAX = 256 * 1024;
    /** A CONFIG or EXEC message longer than MSG_INLINE_MAX goes as a sealed memfd (the library does it); at most BODY_MAX. */
    public static final int MSG_INLINE_MAX = 64 * 1024, BODY_MAX = 16 * 1024 * 1024;

    public static final int MSG_CONFIG = 1, MSG_READY = 2, MSG_FAIL = 3, MSG_EXIT = 4, MSG_EXEC = 5,
            MSG_RESULT = 6, MSG_FDS = 7;

    public static final int T_TYPE = 1, T_ID = 10, T_STATE_DIR = 11, T_LOWER = 12, T_UPPER = 13, T_WORK = 14,
            T_MERGED = 15, T_HOSTNAME = 16, T_ARG = 17, T_ENV = 18, T_CWD = 19, T_UID = 20, T_GID = 21,
            T_NS_FLAGS = 22, T_STDIN_NULL = 23, T_LOG_PATH = 24, T_EXEC_FIFO = 25, T_INIT_PATH = 26,
            T_ETC_DIR = 27, T_NET_BRIDGE = 28, T_NET_VETH = 29, T_NET_ADDRESS = 30, T_NET_GATEWAY = 31, T_NET_MAC = 32,
            T_LOOPBACK = 33, T_CGROUP_V2 = 34, T_CGROUP_V1 = 35, T_CGROUP_MEMORY_V1 = 36, T_PID = 40, T_START_TIME = 41, T_EXIT_CODE = 42, T_SIGNAL = 43,
            T_STEP = 44, T_ERRNO = 45, T_OBJECT = 46, T_MONITOR_PID = 47, T_MONITOR_START = 48,
            T_NET_NANOS = 49, T_PROBE_PATH = 37, T_CAPTURE = 38, T_TIMEOUT_MS = 39, T_SPAWNED_AT = 50,
            T_NET_DONE_AT = 51, T_OUTPUT = 52, T_TIMED_OUT = 53, T_TTY = 54, T_NET_LEASES = 60, T_LOG_MAX = 55, T_BODY = 56;

    /** Confinement of the process (CONFIG and EXEC), native/src/common/confine.h. */
    public static final int T_CAPS = 61, T_NO_NEW_PRIVS = 62, T_SECCOMP_BPF = 63, T_RLIMIT = 64, T_GROUPS = 65,
            T_UMASK = 66, T_OOM_SCORE_ADJ = 67, T_SYSCTL = 68, T_KEYRING = 69;
    /** The container's mounts (issue 13, tags 70-79). */
    public static final int T_MOUNT = 70, T_MASKED = 71, T_READONLY = 72, T_READONLY_ROOT = 73, T_DEVICE = 74,
            T_SYS_RW = 75;
    /** A user namespace (issue 13, tags 85-89): uid_map and gid_map as the kernel reads them. */
    public static final int T_UID_MAP = 85, T_GID_MAP = 86;
    /** OCI hooks the monitor and the init run (issue 14, tags 120-125). */
    public static final int T_HOOK = 120, T_HOOK_ARG = 121, T_HOOK_ENV = 122, T_HOOK_STATE_HEAD = 123,
            T_HOOK_STATE_TAIL = 124, T_HOOK_DIR = 125;
    /** runc's exec (quilt-runc exec, tags 100-109): detach, the console socket, the command's pid. */
    public static final int MSG_EXEC_STARTED = 100, T_DETACH = 100, T_EXEC_PID_WANTED = 102, PRESERVE_FDS_MAX = 1024;
    /** runc's process tree (issue 14, tags 90-99): {@code ProcessSpawner.Mode.HANDED_OFF}, runc's create flags. */
    public static final int T_HANDED_OFF = 90, T_CONSOLE_SOCKET = 91, T_CONSOLE_SIZE = 92, T_PRESERVE_FDS = 93;
    /** An OCI bundle's container as runc runs it (tags 110-119), native/src/monitor/bundle.h. */
    public static final int T_NS_PATH = 110, T_ROOT_IN_PLACE = 111, T_NO_PIVOT = 112, T_KEEP_HOSTNAME = 113;

    /** Restore mode (issue 16, tags 140-149), native/src/monitor/restore.h: CRIU restores the init. */
    public static final int T_RESTORE_CRIU = 140, T_RESTORE_IMAGES = 141, T_RESTORE_NET_KEY = 142,
            T_RESTORE_PIPE = 143, T_RESTORE_CGROUP_ROOT = 144, T_RESTORE_DEADLINE_MS = 145, T_RESTORE_TCP = 146,
            T_RESTORE_EXT_MOUNT = 147;

    /** Exec sessions (the API's exec start, tags and messages 130-139), native/src/exec/session.h. */
    /** The exec zygote (native/src/exec/zygote.h): its first message, a fork's, the child's pid, its wait status. */
    public static final int MSG_ZYGOTE = 140, MSG_FORK = 141, MSG_FORKED = 142, MSG_EXEC_EXITED = 143;
    public static final int T_SESSION = 130, T_ROWS = 131, T_COLS = 132, T_EXIT_RECORD = 133, MSG_RESIZE = 130, MSG_SIGNAL = 131;

    /** Read from C at load. */
    public static int SIGKILL;

    private static int cloneNewPid, cloneNewNs, cloneNewUts, cloneNewIpc, cloneNewNet, cloneNewCgroup, cloneNewUser;

    private Protocol() {}

    static void verify() {
        check("QUILT_MSG_MAX", MSG_MAX);
        check("QUILT_MSG_CONFIG", MSG_CONFIG);
        check("QUILT_MSG_READY", MSG_READY);
        check("QUILT_MSG_FAIL", MSG_FAIL);
        check("QUILT_MSG_EXIT", MSG_EXIT);
        check("QUILT_MSG_EXEC", MSG_EXEC);
        check("QUILT_T_TYPE", T_TYPE);
        check("QUILT_T_ID", T_ID);
        check("QUILT_T_STATE_DIR", T_STATE_DIR);
        check("QUILT_T_LOWER", T_LOWER);
        check("QUILT_T_UPPER", T_UPPER);
        check("QUILT_T_WORK", T_WORK);
        check("QUILT_T_MERGED", T_MERGED);
        check("QUILT_T_HOSTNAME", T_HOSTNAME);
        check("QUILT_T_ARG", T_ARG);
        check("QUILT_T_ENV", T_ENV);
        check("QUILT_T_CWD", T_CWD);
        check("QUILT_T_UID", T_UID);
        check("QUILT_T_GID", T_GID);
        check("QUILT_T_NS_FLAGS", T_NS_FLAGS);
        check("QUILT_T_STDIN_NULL", T_STDIN_NULL);
        check("QUILT_T_PID", T_PID);
        check("QUILT_T_START_TIME", T_START_TIME);
        check("QUILT_T_EXIT_CODE", T_EXIT_CODE);
        check("QUILT_T_SIGNAL", T_SIGNAL);
        check("QUILT_T_STEP", T_STEP);
        check("QUILT_T_ERRNO", T_ERRNO);
        check("QUILT_T_OBJECT", T_OBJECT);
        check("QUILT_T_LOG_PATH", T_LOG_PATH);
        check("QUILT_T_EXEC_FIFO", T_EXEC_FIFO);
        check("QUILT_T_INIT_PATH", T_INIT_PATH);
        check("QUILT_T_MONITOR_PID", T_MONITOR_PID);
        check("QUILT_T_MONITOR_START", T_MONITOR_START);
        check("QUILT_T_ETC_DIR", T_ETC_DIR);
        check("QUILT_T_NET_BRIDGE", T_NET_BRIDGE);
        check("QUILT_T_NET_VETH", T_NET_VETH);
        check("QUILT_T_NET_ADDRESS", T_NET_ADDRESS);
        check("QUILT_T_NET_GATEWAY", T_NET_GATEWAY);
        check("QUILT_T_NET_MAC", T_NET_MAC);
        check("QUILT_T_LOOPBACK", T_LOOPBACK);
        check("QUILT_T_NET_NANOS", T_NET_NANOS);
        check("QUILT_T_CGROUP_V2", T_CGROUP_V2);
        check("QUILT_T_CGROUP_V1", T_CGROUP_V1);
        check("QUILT_T_CGROUP_MEMORY_V1", T_CGROUP_MEMORY_V1);
        check("QUILT_MSG_RESULT", MSG_RESULT);
        check("QUILT_T_PROBE_PATH", T_PROBE_PATH);
        check("QUILT_T_CAPTURE", T_CAPTURE);
        check("QUILT_T_TIMEOUT_MS", T_TIMEOUT_MS);
        check("QUILT_T_SPAWNED_AT", T_SPAWNED_AT);
        check("QUILT_T_NET_DONE_AT", T_NET_DONE_AT);
        check("QUILT_T_OUTPUT", T_OUTPUT);
        check("QUILT_T_TIMED_OUT", T_TIMED_OUT);
        check("QUILT_T_TTY", T_TTY);
        check("QUILT_T_NET_LEASES", T_NET_LEASES);
        check("QUILT_T_LOG_MAX", T_LOG_MAX);
        check("QUILT_MSG_INLINE_MAX", MSG_INLINE_MAX);
        check("QUILT_BODY_MAX", BODY_MAX);
        check("QUILT_T_BODY", T_BODY);
        check("QUILT_T_CAPS", T_CAPS);
        check("QUILT_T_NO_NEW_PRIVS", T_NO_NEW_PRIVS);
        check("QUILT_T_SECCOMP_BPF", T_SECCOMP_BPF);
        check("QUILT_T_RLIMIT", T_RLIMIT);
        check("QUILT_T_GROUPS", T_GROUPS);
        check("QUILT_T_UMASK", T_UMASK);
        check("QUILT_T_OOM_SCORE_ADJ", T_OOM_SCORE_ADJ);
        check("QUILT_T_SYSCTL", T_SYSCTL);
        check("QUILT_T_KEYRING", T_KEYRING);
        check("QUILT_T_MOUNT", T_MOUNT);
        check("QUILT_T_MASKED", T_MASKED);
        check("QUILT_T_READONLY", T_READONLY);
        check("QUILT_T_READONLY_ROOT", T_READONLY_ROOT);
        check("QUILT_T_DEVICE", T_DEVICE);
        check("QUILT_T_SYS_RW", T_SYS_RW);
        check("QUILT_T_UID_MAP", T_UID_MAP);
        check("QUILT_T_GID_MAP", T_GID_MAP);
        check("QUILT_T_HOOK", T_HOOK);
        check("QUILT_T_HOOK_ARG", T_HOOK_ARG);
        check("QUILT_T_HOOK_ENV", T_HOOK_ENV);
        check("QUILT_T_HOOK_STATE_HEAD", T_HOOK_STATE_HEAD);
        check("QUILT_T_HOOK_STATE_TAIL", T_HOOK_STATE_TAIL);
        check("QUILT_T_HOOK_DIR", T_HOOK_DIR);
        check("QUILT_MSG_EXEC_STARTED", MSG_EXEC_STARTED);
        check("QUILT_T_DETACH", T_DETACH);
        check("QUILT_T_CONSOLE_SOCKET", T_CONSOLE_SOCKET);
        check("QUILT_T_EXEC_PID_WANTED", T_EXEC_PID_WANTED);
        check("QUILT_PRESERVE_FDS_MAX", PRESERVE_FDS_MAX);
        check("QUILT_MSG_FDS", MSG_FDS);
        check("QUILT_T_HANDED_OFF", T_HANDED_OFF);
        check("QUILT_T_CONSOLE_SIZE", T_CONSOLE_SIZE);
        check("QUILT_T_PRESERVE_FDS", T_PRESERVE_FDS);
        check("QUILT_T_NS_PATH", T_NS_PATH);
        check("QUILT_T_ROOT_IN_PLACE", T_ROOT_IN_PLACE);
        check("QUILT_T_NO_PIVOT", T_NO_PIVOT);
        check("QUILT_T_KEEP_HOSTNAME", T_KEEP_HOSTNAME);
        check("QUILT_T_SESSION", T_SESSION);
        check("QUILT_T_ROWS", T_ROWS);
        check("QUILT_T_COLS", T_COLS);
        check("QUILT_T_EXIT_RECORD", T_EXIT_RECORD);
        check("QUILT_MSG_RESIZE", MSG_RESIZE);
        check("QUILT_MSG_SIGNAL", MSG_SIGNAL);
        check("QUILT_MSG_ZYGOTE", MSG_ZYGOTE);
        check("QUILT_MSG_FORK", MSG_FORK);
        check("QUILT_MSG_FORKED", MSG_FORKED);
        check("QUILT_MSG_EXEC_EXITED", MSG_EXEC_EXITED);
        check("QUILT_T_RESTORE_CRIU", T_RESTORE_CRIU);
        check("QUILT_T_RESTORE_IMAGES", T_RESTORE_IMAGES);
        check("QUILT_T_RESTORE_NET_KEY", T_RESTORE_NET_KEY);
        check("QUILT_T_RESTORE_PIPE", T_RESTORE_PIPE);
        check("QUILT_T_RESTORE_CGROUP_ROOT", T_RESTORE_CGROUP_ROOT);
        check("QUILT_T_RESTORE_DEADLINE_MS", T_RESTORE_DEADLINE_MS);
        check("QUILT_T_RESTORE_TCP", T_RESTORE_TCP);
        check("QUILT_T_RESTORE_EXT_MOUNT", T_RESTORE_EXT_MOUNT);
        SIGKILL = Errors.protocolValue("SIGKILL");
        cloneNewPid = Errors.protocolValue("CLONE_NEWPID");
        cloneNewNs = Errors.protocolValue("CLONE_NEWNS");
        cloneNewUts = Errors.protocolValue("CLONE_NEWUTS");
        cloneNewIpc = Errors.protocolValue("CLONE_NEWIPC");
        cloneNewNet = Errors.protocolValue("CLONE_NEWNET");
        cloneNewCgroup = Errors.protocolValue("CLONE_NEWCGROUP");
        cloneNewUser = Errors.protocolValue("CLONE_NEWUSER");
    }

    private static void check(String name, int javaValue) {
        int c = Errors.protocolValue(name);
        if (c != javaValue) {
            throw new IllegalStateException("native library and Java disagree on " + name + ": " + c + " vs " + javaValue
                    + "; rebuild quilt");
        }
    }

    /** The C value of a step number, by its proto.h name, e.g. QUILT_STEP_EXEC. */
    public static int step(String name) {
        return Errors.protocolValue(name);
    }

    /** The name /proc/PID/ns gives a namespace of this type ({@code net} for the spec's {@code network}). */
    public static String kernelName(dev.quilt.domain.Namespace ns) {
        return switch (ns) {
            case PID -> "pid";
            case MOUNT -> "mnt";
            case UTS -> "uts";
            case IPC -> "ipc";
            case NETWORK -> "net";
            case CGROUP -> "cgroup";
            case USER -> "user";
        };
    }

    public static int cloneFlag(dev.quilt.domain.Namespace ns) {
        return switch (ns) {
            case PID -> cloneNewPid;
            case MOUNT -> cloneNewNs;
            case UTS -> cloneNewUts;
            case IPC -> cloneNewIpc;
            case NETWORK -> cloneNewNet;
            case CGROUP -> cloneNewCgroup;
            case USER -> cloneNewUser;
        };
    }
}
