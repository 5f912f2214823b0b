/* Peer of dev.quilt.linux.jni.Errors: errno names and texts, and the protocol
 * numbers, read from C so Java never hard-codes them. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/inotify.h>
#include <string.h>

#include "peers.h"
#include "quilt/proto.h"

static jstring errnoName(JNIEnv *env, jclass cls, jint err)
{
    (void)cls;
    const char *name = strerrorname_np(err);
    return (*env)->NewStringUTF(env, name ? name : "E?");
}

static jstring errnoText(JNIEnv *env, jclass cls, jint err)
{
    (void)cls;
    char buf[256];
    const char *s = strerror_r(err, buf, sizeof buf);
    return (*env)->NewStringUTF(env, s);
}

struct named { const char *name; int value; };

/* The value of name in table, or -1. */
static jint lookup(JNIEnv *env, jstring name, const struct named *table, size_t n)
{
    const char *s = (*env)->GetStringUTFChars(env, name, NULL);
    if (!s)
        return -1;
    int v = -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, s) == 0)
            v = table[i].value;
    (*env)->ReleaseStringUTFChars(env, name, s);
    return v;
}

static jint errnoValue(JNIEnv *env, jclass cls, jstring name)
{
    (void)cls;
    static const struct named known[] = {
        { "EPERM", EPERM }, { "ENOENT", ENOENT }, { "ESRCH", ESRCH }, { "EINTR", EINTR },
        { "EACCES", EACCES }, { "EEXIST", EEXIST }, { "ENOTDIR", ENOTDIR },
        { "EINVAL", EINVAL }, { "ENOSPC", ENOSPC }, { "EAGAIN", EAGAIN }, { "ECHILD", ECHILD },
        { "EBADMSG", EBADMSG }, { "ENAMETOOLONG", ENAMETOOLONG }, { "ENOEXEC", ENOEXEC },
        { "ETIMEDOUT", ETIMEDOUT }, { "ENODEV", ENODEV }, { "EOPNOTSUPP", EOPNOTSUPP },
        { "EBADF", EBADF }, { "ENOTCONN", ENOTCONN }, /* an exec zygote's FORK (ExecZygotes) */
        { "ECONNRESET", ECONNRESET }, /* a helper that left messages of ours unread (Sockets.receive) */
    };
    return lookup(env, name, known, sizeof known / sizeof known[0]);
}

static jint protocolValue(JNIEnv *env, jclass cls, jstring name)
{
    (void)cls;
#define P(x) { #x, x }
    static const struct named known[] = {
        P(QUILT_PROTO_VERSION), P(QUILT_MSG_MAX),
        P(QUILT_MSG_CONFIG), P(QUILT_MSG_READY), P(QUILT_MSG_FAIL), P(QUILT_MSG_EXIT), P(QUILT_MSG_EXEC),
        P(QUILT_T_TYPE), P(QUILT_T_ID), P(QUILT_T_STATE_DIR), P(QUILT_T_LOWER), P(QUILT_T_UPPER),
        P(QUILT_T_WORK), P(QUILT_T_MERGED), P(QUILT_T_HOSTNAME), P(QUILT_T_ARG), P(QUILT_T_ENV),
        P(QUILT_T_CWD), P(QUILT_T_UID), P(QUILT_T_GID), P(QUILT_T_NS_FLAGS), P(QUILT_T_STDIN_NULL),
        P(QUILT_T_PID), P(QUILT_T_START_TIME), P(QUILT_T_EXIT_CODE), P(QUILT_T_SIGNAL),
        P(QUILT_T_STEP), P(QUILT_T_ERRNO), P(QUILT_T_OBJECT),
        P(QUILT_STEP_CONFIG), P(QUILT_STEP_CLONE), P(QUILT_STEP_MOUNT_PRIVATE),
        P(QUILT_STEP_MOUNT_ROOTFS), P(QUILT_STEP_MOUNT_PROC), P(QUILT_STEP_MOUNT_DEV),
        P(QUILT_STEP_MOUNT_SYS), P(QUILT_STEP_PIVOT_ROOT), P(QUILT_STEP_HOSTNAME), P(QUILT_STEP_CWD),
        P(QUILT_STEP_USER), P(QUILT_STEP_EXEC), P(QUILT_STEP_STDIO), P(QUILT_STEP_MASK), P(QUILT_STEP_SECCOMP),
        P(CLONE_NEWPID), P(CLONE_NEWNS), P(CLONE_NEWUTS), P(CLONE_NEWIPC), P(CLONE_NEWNET),
        P(CLONE_NEWCGROUP), P(CLONE_NEWUSER), P(SIGKILL),
        P(QUILT_T_LOG_PATH), P(QUILT_T_EXEC_FIFO), P(QUILT_T_INIT_PATH), P(QUILT_T_MONITOR_PID),
        P(QUILT_T_MONITOR_START), P(QUILT_STEP_START), P(QUILT_STEP_LOG),
        P(QUILT_T_ETC_DIR), P(QUILT_T_NET_BRIDGE), P(QUILT_T_NET_VETH), P(QUILT_T_NET_ADDRESS),
        P(QUILT_T_NET_GATEWAY), P(QUILT_T_NET_MAC), P(QUILT_T_LOOPBACK), P(QUILT_T_NET_NANOS),
        P(QUILT_STEP_NETWORK), P(QUILT_STEP_ETC), P(QUILT_STEP_CGROUP),
        P(QUILT_T_CGROUP_V2), P(QUILT_T_CGROUP_V1), P(QUILT_T_CGROUP_MEMORY_V1),
        P(QUILT_MSG_RESULT), P(QUILT_T_PROBE_PATH), P(QUILT_T_CAPTURE), P(QUILT_T_TIMEOUT_MS),
        P(QUILT_T_SPAWNED_AT), P(QUILT_T_NET_DONE_AT), P(QUILT_T_OUTPUT), P(QUILT_T_TIMED_OUT), P(QUILT_T_TTY),
        P(QUILT_T_NET_LEASES),
        /* confinement (common/confine.h) */
        P(QUILT_T_CAPS), P(QUILT_T_NO_NEW_PRIVS), P(QUILT_T_SECCOMP_BPF), P(QUILT_T_RLIMIT), P(QUILT_T_GROUPS),
        P(QUILT_T_UMASK), P(QUILT_T_OOM_SCORE_ADJ), P(QUILT_T_SYSCTL), P(QUILT_T_KEYRING),
        P(QUILT_STEP_CAPS), P(QUILT_STEP_NO_NEW_PRIVS), P(QUILT_STEP_SECCOMP_FILTER), P(QUILT_STEP_RLIMIT),
        P(QUILT_STEP_GROUPS), P(QUILT_STEP_SYSCTL), P(QUILT_STEP_KEYRING), P(QUILT_STEP_OOM_SCORE_ADJ),
        P(QUILT_MSG_INLINE_MAX), P(QUILT_BODY_MAX), P(QUILT_T_BODY),
        P(IN_CREATE), P(IN_MOVED_TO), P(IN_MODIFY), P(IN_DELETE_SELF), P(IN_MOVE_SELF),
        P(IN_MOVED_FROM), P(IN_DELETE), P(IN_CLOSE_WRITE), P(IN_ATTRIB), P(IN_ONLYDIR),
        P(QUILT_T_LOG_MAX), P(QUILT_STEP_STATE),
        P(QUILT_T_MOUNT), P(QUILT_T_MASKED), P(QUILT_T_READONLY), P(QUILT_T_READONLY_ROOT), P(QUILT_T_DEVICE),
        P(QUILT_T_SYS_RW), P(QUILT_STEP_MOUNTS), P(QUILT_STEP_DEVICES), P(QUILT_STEP_READONLY_ROOT),
        P(QUILT_STEP_CGROUPFS),
        P(QUILT_T_UID_MAP), P(QUILT_T_GID_MAP), P(QUILT_STEP_USERNS), P(QUILT_STEP_IDMAP),
        /* OCI hooks (issue 14) */
        P(QUILT_T_HOOK), P(QUILT_T_HOOK_ARG), P(QUILT_T_HOOK_ENV), P(QUILT_T_HOOK_STATE_HEAD),
        P(QUILT_T_HOOK_STATE_TAIL), P(QUILT_T_HOOK_DIR), P(QUILT_STEP_HOOK),
        /* runc's exec (exec/handoff.h) */
        P(QUILT_MSG_EXEC_STARTED), P(QUILT_T_DETACH), P(QUILT_T_EXEC_PID_WANTED), P(QUILT_PRESERVE_FDS_MAX),
        P(QUILT_STEP_EXEC_CONSOLE),
        P(QUILT_MSG_FDS), P(QUILT_T_HANDED_OFF), P(QUILT_T_CONSOLE_SOCKET), P(QUILT_T_CONSOLE_SIZE),
        P(QUILT_T_PRESERVE_FDS), P(QUILT_STEP_HANDOFF), P(QUILT_STEP_CONSOLE), P(QUILT_STEP_PRESERVE_FDS),
        P(QUILT_T_NS_PATH), P(QUILT_T_ROOT_IN_PLACE), P(QUILT_T_NO_PIVOT), P(QUILT_T_KEEP_HOSTNAME),
        P(QUILT_T_SESSION), P(QUILT_T_ROWS), P(QUILT_T_COLS), P(QUILT_MSG_RESIZE), P(QUILT_MSG_SIGNAL),
        P(QUILT_T_EXIT_RECORD),
        P(QUILT_MSG_ZYGOTE), P(QUILT_MSG_FORK), P(QUILT_MSG_FORKED), P(QUILT_MSG_EXEC_EXITED),
        P(QUILT_STEP_JOIN_NAMESPACE),
        /* restore mode (issue 16) */
        P(QUILT_T_RESTORE_CRIU), P(QUILT_T_RESTORE_IMAGES), P(QUILT_T_RESTORE_NET_KEY), P(QUILT_T_RESTORE_PIPE),
        P(QUILT_T_RESTORE_CGROUP_ROOT), P(QUILT_T_RESTORE_DEADLINE_MS), P(QUILT_T_RESTORE_TCP), P(QUILT_T_RESTORE_EXT_MOUNT), P(QUILT_STEP_RESTORE),
    };
#undef P
    return lookup(env, name, known, sizeof known / sizeof known[0]);
}

static const JNINativeMethod methods[] = {
    { "errnoName", "(I)Ljava/lang/String;", (void *)errnoName },
    { "errnoText", "(I)Ljava/lang/String;", (void *)errnoText },
    { "errnoValue", "(Ljava/lang/String;)I", (void *)errnoValue },
    { "protocolValue", "(Ljava/lang/String;)I", (void *)protocolValue },
};

int quilt_register_errors(JNIEnv *env)
{
    return quilt_register(env, "Errors", methods, sizeof methods / sizeof methods[0]);
}
