/* The wire between the JVM and quilt-monitor.
 *
 * Every message is one SOCK_SEQPACKET datagram holding a run of records:
 *   u16 tag | u16 zero | u32 length | length bytes (no NUL)
 * in host byte order (both ends run on the same machine).  The first record of
 * a message is QUILT_T_TYPE and names the message.  Java reads these numbers
 * from the library at load time (Protocol.java checks them), so this header is
 * the one place they are written down.
 */
#ifndef QUILT_PROTO_H
#define QUILT_PROTO_H

#define QUILT_PROTO_VERSION 1
#define QUILT_MSG_MAX (256 * 1024)
/* A CONFIG or EXEC message longer than this (a large environment, say) does not
 * travel as one datagram, which the socket's send buffer would refuse
 * (EMSGSIZE): it is written into a sealed memfd, passed with SCM_RIGHTS beside a
 * datagram holding one QUILT_T_BODY record.  execve itself takes at most 6 MiB
 * of arguments and environment (ARG_MAX), so a body is never larger than this. */
#define QUILT_MSG_INLINE_MAX (64 * 1024)
#define QUILT_BODY_MAX (16 * 1024 * 1024)
#define QUILT_PRESERVE_FDS_MAX 1024

/* message types (value of QUILT_T_TYPE) */
enum quilt_msg {
    QUILT_MSG_CONFIG = 1, /* jvm -> monitor: the container to start */
    QUILT_MSG_READY = 2,  /* monitor -> jvm: init exec'd; pid, start time */
    QUILT_MSG_FAIL = 3,   /* monitor -> jvm: a step failed; step, errno, object */
    QUILT_MSG_EXIT = 4,   /* monitor -> jvm: init exited; status, signal */
    QUILT_MSG_EXEC = 5,   /* jvm -> quilt-exec: a command to run in a running container */
    QUILT_MSG_RESULT = 6, /* quilt-exec -> jvm: a captured command ended; status, signal, output */
    QUILT_MSG_FDS = 7,    /* jvm -> monitor, right after a CONFIG with QUILT_T_PRESERVE_FDS: the fds (SCM_RIGHTS);
                           * jvm -> quilt-exec in a session, after EXEC: its own ends of the command's output */
    QUILT_MSG_RESIZE = 130, /* jvm -> quilt-exec (SESSION): ROWS, COLS: TIOCSWINSZ on the pty */
    QUILT_MSG_SIGNAL = 131, /* jvm -> quilt-exec (SESSION): SIGNAL: to the command's process group */
    QUILT_MSG_EXEC_STARTED = 100, /* quilt-exec -> jvm (with QUILT_T_EXEC_PID_WANTED): the command's host PID,
                                   * sent before its execve; FAIL or the end of file follows */
    /* 140-149: the exec zygote (exec/zygote.h): one resident quilt-exec per running container, made by the
     * server, that forks each exec's quilt-exec */
    QUILT_MSG_ZYGOTE = 140, /* jvm -> quilt-exec, first on fd 3: be the zygote of this init (PID, START_TIME) */
    QUILT_MSG_FORK = 141,   /* jvm -> zygote: fork one quilt-exec; SCM_RIGHTS: its stdin, stdout, stderr and fd 3
                             * (the child's end of a fresh SOCK_SEQPACKET pair, on which the EXEC comes) */
    QUILT_MSG_FORKED = 142, /* zygote -> jvm on the exec's socket, right after the fork: the child's PID */
    QUILT_MSG_EXEC_EXITED = 143, /* zygote -> jvm on a forked quilt-exec's pair, once it is reaped: its own
                                  * wait status (EXIT_CODE, SIGNAL), after everything it sent */
};

/* record tags */
enum quilt_tag {
    QUILT_T_TYPE = 1,
    /* CONFIG */
    QUILT_T_ID = 10,
    QUILT_T_STATE_DIR = 11,
    QUILT_T_LOWER = 12,     /* overlay lower dir (image rootfs) */
    QUILT_T_UPPER = 13,
    QUILT_T_WORK = 14,
    QUILT_T_MERGED = 15,
    QUILT_T_HOSTNAME = 16,
    QUILT_T_ARG = 17,       /* repeated: argv */
    QUILT_T_ENV = 18,       /* repeated: K=V */
    QUILT_T_CWD = 19,
    QUILT_T_UID = 20,
    QUILT_T_GID = 21,
    QUILT_T_NS_FLAGS = 22,  /* CLONE_NEW* bits, decimal */
    QUILT_T_STDIN_NULL = 23,/* "1": stdin is /dev/null */
    QUILT_T_LOG_PATH = 24,  /* detached: stdout/stderr go to this CRI log file */
    QUILT_T_EXEC_FIFO = 25, /* create: the init waits on this fifo until start */
    QUILT_T_INIT_PATH = 26, /* quilt-init binary, exec'd from a sealed memfd copy */
    QUILT_T_ETC_DIR = 27,   /* hosts, hostname, resolv.conf to bind over the image's /etc */
    QUILT_T_NET_BRIDGE = 28,/* bridge network: the bridge the host end joins */
    QUILT_T_NET_VETH = 29,  /* the host end's name */
    QUILT_T_NET_ADDRESS = 30, /* the container's address, 10.42.0.5/16 */
    QUILT_T_NET_GATEWAY = 31, /* 10.42.0.1 */
    QUILT_T_NET_MAC = 32,   /* eth0's address, 6 bytes as 12 hex digits */
    QUILT_T_LOOPBACK = 33,  /* "1": a private namespace with only lo, brought up */
    QUILT_T_CGROUP_V2 = 34, /* the init's cgroup on a v2 host: cloned straight into it */
    QUILT_T_CGROUP_V1 = 35, /* repeated: a v1 cgroup dir whose cgroup.procs gets the init before GO */
    QUILT_T_CGROUP_MEMORY_V1 = 36, /* the v1 memory cgroup whose OOM kills are watched (eventfd) */
    /* EXEC */
    QUILT_T_PROBE_PATH = 37, /* a static binary of ours, exec'd from a sealed copy instead of argv[0] */
    QUILT_T_CAPTURE = 38,   /* keep up to this many bytes of stdout+stderr and answer with RESULT */
    QUILT_T_TIMEOUT_MS = 39, /* with CAPTURE: the command is killed at this deadline */
    /* READY / EXIT / FAIL */
    QUILT_T_PID = 40,
    QUILT_T_START_TIME = 41,
    QUILT_T_EXIT_CODE = 42,
    QUILT_T_SIGNAL = 43,
    QUILT_T_STEP = 44,
    QUILT_T_ERRNO = 45,
    QUILT_T_OBJECT = 46,
    QUILT_T_MONITOR_PID = 47,
    QUILT_T_MONITOR_START = 48,
    QUILT_T_NET_NANOS = 49, /* READY: how long the two netlink batches took */
    QUILT_T_SPAWNED_AT = 50, /* READY: CLOCK_REALTIME ns at which the init existed in its namespaces */
    QUILT_T_NET_DONE_AT = 51, /* READY: CLOCK_REALTIME ns at which both netlink batches were acknowledged */
    QUILT_T_OUTPUT = 52,    /* RESULT: the command's stdout and stderr, interleaved, cut at CAPTURE bytes */
    QUILT_T_TIMED_OUT = 53, /* RESULT: "1" when the deadline killed it */
    QUILT_T_TTY = 54,       /* EXEC: "1": the command's stdio is a pty of the container's devpts, relayed to ours */
    QUILT_T_NET_LEASES = 60, /* CONFIG: the root's network dir, whose leases/<ip> the monitor removes at the exit */
    QUILT_T_LOG_MAX = 55,   /* CONFIG: the log's cap in bytes; past it, it is rotated once (0 or absent: none) */
    QUILT_T_BODY = 56,      /* the whole message is in the sealed memfd passed with this datagram; value: its size */
    /* 61-69: confinement of the process (CONFIG and EXEC), common/confine.h */
    QUILT_T_CAPS = 61,      /* "bnd eff perm inh amb": five hex masks of capability bits */
    QUILT_T_NO_NEW_PRIVS = 62, /* "1": prctl(PR_SET_NO_NEW_PRIVS) before execve */
    QUILT_T_SECCOMP_BPF = 63,  /* raw struct sock_filter[] (the one record that may hold NUL bytes) */
    QUILT_T_RLIMIT = 64,    /* repeated: "RLIMIT_NOFILE soft hard", -1 for unlimited */
    QUILT_T_GROUPS = 65,    /* the additional gids, space-separated ("" none): setgroups() to exactly these */
    QUILT_T_UMASK = 66,     /* decimal */
    QUILT_T_OOM_SCORE_ADJ = 67, /* decimal, -1000..1000 */
    QUILT_T_SYSCTL = 68,    /* repeated: "net.ipv4.ip_forward=1", written through the container's /proc/sys */
    QUILT_T_KEYRING = 69,   /* a fresh session keyring of this name ("_ses.<id>", as runc names it) */
    /* 70-79: the container's mounts: extra mounts, masked and read-only paths,
     * read-only root, devices, writable sysfs */
    QUILT_T_MOUNT = 70,     /* repeated: "TYPE\nDESTINATION\nSOURCE\nOPTIONS" (mount(8) options, comma-separated) */
    QUILT_T_MASKED = 71,    /* repeated: a path hidden (a file by /dev/null, a directory by an empty read-only tmpfs) */
    QUILT_T_READONLY = 72,  /* repeated: a path bound read-only (nosuid, nodev, noexec) over itself */
    QUILT_T_READONLY_ROOT = 73, /* "1": the root is read-only once built */
    QUILT_T_DEVICE = 74,    /* repeated: "c|b MAJOR MINOR MODE UID GID PATH", a node made in /dev */
    QUILT_T_SYS_RW = 75,    /* "1" (--privileged): /sys and /sys/fs/cgroup writable */
    /* 80-84: cgroup placement beyond QUILT_T_CGROUP_V1/V2 */
    /* 85-89: a user namespace (--userns, --uidmap): the init is cloned with
     * CLONE_NEWUSER and waits until the monitor has written these maps */
    QUILT_T_UID_MAP = 85,   /* the uid_map as the kernel reads it: "CONTAINER HOST SIZE" lines */
    QUILT_T_GID_MAP = 86,   /* the gid_map, the same shape */
    /* 120-129: OCI hooks (config.md "POSIX-platform Hooks") the monitor and the init run;
     * poststart and poststop are the JVM's and never sent */
    QUILT_T_HOOK = 120,     /* repeated: "KIND TIMEOUT_MS PATH", KIND prestart|createRuntime|createContainer|startContainer;
                             * the HOOK_ARG and HOOK_ENV records after it are its own */
    QUILT_T_HOOK_ARG = 121, /* repeated: the hook's args, args[0] first */
    QUILT_T_HOOK_ENV = 122, /* repeated: the hook's env, K=V */
    QUILT_T_HOOK_STATE_HEAD = 123, /* the state JSON before "status": {"ociVersion":..,"id":".." */
    QUILT_T_HOOK_STATE_TAIL = 124, /* the state JSON after "pid": ,"bundle":..,"annotations":{..}} */
    QUILT_T_HOOK_DIR = 125, /* the hooks' cwd: the bundle, as runc runs them */
    /* 100-109: runc's exec (quilt-runc exec) */
    QUILT_T_DETACH = 100,   /* EXEC: "1" (--detach): exit 0 once the command has exec'd, leaving it to the
                             * caller's nearest child subreaper; nothing of ours is written to stdio */
    QUILT_T_EXEC_PID_WANTED = 102, /* EXEC: "1": answer with EXEC_STARTED (QUILT_T_PID) before the execve */
    /* 90-99: runc's process tree (quilt-runc create; ProcessSpawner.Mode.HANDED_OFF) */
    QUILT_T_HANDED_OFF = 90, /* "1": the init's parent is our caller's nearest child subreaper (CLONE_PARENT),
                              * which reaps it; its stdio is the caller's; no exit code is ours to record */
    QUILT_T_CONSOLE_SOCKET = 91, /* runc's --console-socket: the pty master of process.terminal goes there;
                                  * in EXEC with TTY (quilt-runc exec), instead of being relayed */
    QUILT_T_CONSOLE_SIZE = 92,   /* "ROWS COLS": process.consoleSize, set on the pty */
    QUILT_T_PRESERVE_FDS = 93,   /* runc's --preserve-fds N: a FDS message with N fds follows; they become 3..3+N-1;
                                  * in EXEC: quilt-exec takes the JVM's fds 3..3+N-1 (pidfd_getfd), at most
                                  * QUILT_PRESERVE_FDS_MAX */
    /* 130-139: exec sessions (the API's exec start, the fast CLI): quilt-exec stays, and the JVM talks to it */
    QUILT_T_SESSION = 130,  /* EXEC: "1": answer EXEC_STARTED once the command has exec'd, take RESIZE and SIGNAL
                             * on the socket while it runs, answer RESULT (status, signal, timed out) at its end;
                             * the command is in its own process group; TIMEOUT_MS kills that group */
    QUILT_T_ROWS = 131,     /* EXEC with TTY, RESIZE: the pty's rows */
    QUILT_T_COLS = 132,     /* EXEC with TTY, RESIZE: the pty's columns */
    QUILT_T_EXIT_RECORD = 133, /* EXEC with SESSION: a host path; at the command's end quilt-exec writes there,
                                * atomically, {"ExitCode":N,"Signal":S,"TimedOut":B}, whether or not the JVM
                                * still listens (exec/exit_record.h) */
    /* 110-119: an OCI bundle's container as runc runs it (RuncTerms, linux.namespaces[].path), monitor/bundle.h */
    QUILT_T_NS_PATH = 110,  /* repeated: "TYPE PATH", TYPE as /proc/PID/ns names it (ipc uts net pid cgroup):
                             * joined with setns(2) before clone3, which then makes no namespace of that type */
    QUILT_T_ROOT_IN_PLACE = 111, /* "1": LOWER itself, bound (rbind, private), is the root: no overlay */
    QUILT_T_NO_PIVOT = 112, /* "1": the root is entered by MS_MOVE onto / and chroot(2), not pivot_root(2) */
    QUILT_T_KEEP_HOSTNAME = 113, /* "1": no sethostname: the uts namespace keeps the name it has */
    /* 140-149: restore mode (issue 16): the init is CRIU's restore of a checkpoint, not a clone */
    QUILT_T_RESTORE_CRIU = 140,   /* the criu binary (absolute path) */
    QUILT_T_RESTORE_IMAGES = 141, /* CRIU's images directory (read only) */
    QUILT_T_RESTORE_NET_KEY = 142, /* the key the netns was dumped as external: a fresh one is inherited under it */
    QUILT_T_RESTORE_PIPE = 143,   /* repeated: "FD INODE": the init's fd FD was pipe:[INODE]; our log pipe replaces it */
    QUILT_T_RESTORE_CGROUP_ROOT = 144, /* --cgroup-root: the container's cgroup path below each hierarchy's root */
    QUILT_T_RESTORE_DEADLINE_MS = 145, /* CRIU is killed (with what it restored) when it runs longer */
    QUILT_T_RESTORE_TCP = 146,    /* "1": --tcp-established */
    QUILT_T_RESTORE_EXT_MOUNT = 147, /* repeated: "KEY:SOURCE": CRIU's --ext-mount-map for a bind mount dumped as
                                      * external under KEY (its destination); SOURCE is the new bundle's */
};

/* the steps of a container's birth, for FAIL: what was being done when it broke */
enum quilt_step {
    QUILT_STEP_CONFIG = 1,
    QUILT_STEP_CLONE = 2,
    QUILT_STEP_MOUNT_PRIVATE = 3,
    QUILT_STEP_MOUNT_ROOTFS = 4,
    QUILT_STEP_MOUNT_PROC = 5,
    QUILT_STEP_MOUNT_DEV = 6,
    QUILT_STEP_MOUNT_SYS = 7,
    QUILT_STEP_PIVOT_ROOT = 8,
    QUILT_STEP_HOSTNAME = 9,
    QUILT_STEP_CWD = 10,
    QUILT_STEP_USER = 11,
    QUILT_STEP_EXEC = 12,
    QUILT_STEP_STDIO = 13,
    QUILT_STEP_MASK = 14,
    QUILT_STEP_SECCOMP = 15,
    QUILT_STEP_START = 16,  /* waiting on the exec fifo */
    QUILT_STEP_LOG = 17,
    QUILT_STEP_NETWORK = 18,
    QUILT_STEP_ETC = 19,    /* binding /etc/hosts, hostname, resolv.conf */
    QUILT_STEP_CGROUP = 20, /* joining the cgroup, or watching it for OOM kills */
    QUILT_STEP_STATE = 21,  /* taking the space of exit.json and pids.json in the state dir */
    /* 22-29: confinement of the process (common/confine.h) */
    QUILT_STEP_CAPS = 22,
    QUILT_STEP_NO_NEW_PRIVS = 23,
    QUILT_STEP_SECCOMP_FILTER = 24, /* the container's seccomp program (not pid 1's notifier: SECCOMP) */
    QUILT_STEP_RLIMIT = 25,
    QUILT_STEP_GROUPS = 26,
    QUILT_STEP_SYSCTL = 27,
    QUILT_STEP_KEYRING = 28,
    QUILT_STEP_OOM_SCORE_ADJ = 29,
    /* 30-39: mounts and devices; 40-44: cgroups */
    QUILT_STEP_MOUNTS = 30,   /* the extra mounts (-v, --tmpfs, OCI mounts) */
    QUILT_STEP_DEVICES = 31,  /* the device nodes of --device */
    QUILT_STEP_READONLY_ROOT = 32, /* making the root read-only */
    QUILT_STEP_CGROUPFS = 33, /* mounting /sys/fs/cgroup under the cgroup namespace */
    /* 45-49: the user namespace */
    QUILT_STEP_USERNS = 45,   /* giving the layer to the mapped root, writing uid_map/gid_map */
    QUILT_STEP_IDMAP = 46,    /* the image's layer through an idmapped mount (the kernel or file system may refuse) */
    /* 65-69: OCI hooks; the object is the whole line (common/hook.h hook_describe) */
    QUILT_STEP_HOOK = 65,
    QUILT_STEP_EXEC_CONSOLE = 55, /* an exec's console socket: connecting to it, sending the pty master */
    /* 50-54: runc's process tree */
    QUILT_STEP_HANDOFF = 50,  /* a pid namespace for an init that is our caller's child (CLONE_PARENT) */
    QUILT_STEP_CONSOLE = 51,  /* the console socket, the pty of process.terminal */
    QUILT_STEP_PRESERVE_FDS = 52, /* receiving and placing the fds of --preserve-fds */
    /* 60-64: an OCI bundle's container as runc runs it */
    QUILT_STEP_RESTORE = 70,  /* CRIU's restore of a checkpoint: its error lines are the object */
    QUILT_STEP_JOIN_NAMESPACE = 60, /* opening a linux.namespaces[].path and setns(2) into it */
};

#endif
