/* Peer of dev.quilt.linux.jni.Processes: starting quilt-monitor without forking
 * the JVM, and waiting on and signalling processes.  Every function returns a
 * value >= 0 or -errno. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "peers.h"

#define SPAWN_SETSID 1
#define MONITOR_SYNC_FD 3

/* posix_spawn() is clone(CLONE_VM|CLONE_VFORK) + exec in glibc: the JVM's
 * memory is never copied, and only sync_fd (as fd 3) and stdio are passed on. */
static jint spawnHelper(JNIEnv *env, jclass cls, jstring jpath, jint sync_fd, jint flags)
{
    (void)cls;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, all;
    int rc, moved = -1;
    pid_t pid;

    const char *path = (*env)->GetStringUTFChars(env, jpath, NULL);
    if (!path)
        return -ENOMEM;
    if (sync_fd == MONITOR_SYNC_FD) {
        /* dup2(3, 3) would keep O_CLOEXEC on some libcs: go through another fd */
        moved = fcntl(sync_fd, F_DUPFD_CLOEXEC, 10);
        if (moved < 0) {
            rc = -errno;
            (*env)->ReleaseStringUTFChars(env, jpath, path);
            return rc;
        }
        sync_fd = moved;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_adddup2(&fa, sync_fd, MONITOR_SYNC_FD);
    sigemptyset(&none);
    sigfillset(&all);
    short f = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (flags & SPAWN_SETSID)
        f |= POSIX_SPAWN_SETSID;
    posix_spawnattr_setflags(&attr, f);
    posix_spawnattr_setsigmask(&attr, &none);
    /* all but glibc's own 32 and 33, which its spawn leaves ignored whatever we ask:
     * the helpers reset those themselves (common/signals.c) */
    posix_spawnattr_setsigdefault(&attr, &all);

    char *argv[] = { (char *)path, NULL };
    char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
    rc = posix_spawn(&pid, path, &fa, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    (*env)->ReleaseStringUTFChars(env, jpath, path);
    if (moved >= 0)
        close(moved);
    return rc ? -rc : pid;
}

static jint waitPid(JNIEnv *env, jclass cls, jint pid)
{
    (void)env;
    (void)cls;
    int status;
    for (;;) {
        pid_t p = waitpid(pid, &status, __WALL);
        if (p >= 0)
            return status;
        if (errno != EINTR)
            return -errno;
    }
}

static jint pidfdOpen(JNIEnv *env, jclass cls, jint pid)
{
    (void)env;
    (void)cls;
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    return fd < 0 ? -errno : fd;
}

static jint pidfdSendSignal(JNIEnv *env, jclass cls, jint pidfd, jint sig)
{
    (void)env;
    (void)cls;
    return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0 ? -errno : 0;
}

static jint geteuid_(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    return (jint)geteuid();
}

static jstring signalName(JNIEnv *env, jclass cls, jint sig)
{
    (void)cls;
    const char *s = sigabbrev_np(sig);
    return s ? (*env)->NewStringUTF(env, s) : NULL;
}

static jint signalMax(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    return SIGRTMAX;
}

static jint closeFd(JNIEnv *env, jclass cls, jint fd)
{
    (void)env;
    (void)cls;
    return close(fd) < 0 ? -errno : 0;
}

/* isatty(3): 1 when fd is a terminal, else 0 */
static jint isTerminal(JNIEnv *env, jclass cls, jint fd)
{
    (void)env;
    (void)cls;
    return isatty(fd) ? 1 : 0;
}

static const JNINativeMethod methods[] = {
    { "spawnHelper", "(Ljava/lang/String;II)I", (void *)spawnHelper },
    { "waitPid", "(I)I", (void *)waitPid },
    { "pidfdOpen", "(I)I", (void *)pidfdOpen },
    { "pidfdSendSignal", "(II)I", (void *)pidfdSendSignal },
    { "geteuid", "()I", (void *)geteuid_ },
    { "signalName", "(I)Ljava/lang/String;", (void *)signalName },
    { "signalMax", "()I", (void *)signalMax },
    { "close", "(I)I", (void *)closeFd },
    { "isTerminal", "(I)I", (void *)isTerminal },
};

int quilt_register_processes(JNIEnv *env)
{
    return quilt_register(env, "Processes", methods, sizeof methods / sizeof methods[0]);
}
