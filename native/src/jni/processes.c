/* Peer of dev.quilt.linux.jni.Processes: starting quilt-monitor without forking
 * the JVM, and waiting on and signalling processes.  Every function returns a
 * value >= 0 or -errno.
 *
 * The helpers run from sealed memfd copies (CVE-2019-5736): a container's init
 * is a clone of quilt-monitor until its execve, and quilt-exec's child is one of
 * quilt-exec until its own, so their /proc/PID/exe must reach no host file; the
 * non-dumpable flag alone does not stop a process holding CAP_SYS_PTRACE.  This
 * process copies each helper once (common/sealed_copy.c) and spawns it from
 * /proc/self/fd/N; every later spawn pays nothing for it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/sealed_copy.h"
#include "peers.h"

#define SPAWN_SETSID 1
#define MONITOR_SYNC_FD 3

#define MAX_COPIES 8

/* One sealed copy per helper binary (path, and the file it named when copied). */
static struct copy {
    char *path;
    dev_t dev;
    ino_t ino;
    struct timespec mtime;
    int fd;
} copies[MAX_COPIES];
static pthread_mutex_t copies_lock = PTHREAD_MUTEX_INITIALIZER;

/* The sealed copy of path (made on first use, made again if the file at path
 * changed), or -errno.  The fd is O_CLOEXEC: nothing this JVM starts inherits
 * it.  Called with copies_lock held; a spawn uses its own duplicate of the fd
 * (spawn_image), so the lock is not held across spawns and they run side by side. */
static int sealed_helper(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -errno;
    struct copy *slot = NULL;
    int rc;
    for (int i = 0; i < MAX_COPIES && !slot; i++) {
        if (copies[i].path && strcmp(copies[i].path, path) == 0)
            slot = &copies[i];
    }
    if (slot && slot->dev == st.st_dev && slot->ino == st.st_ino && slot->mtime.tv_sec == st.st_mtim.tv_sec &&
        slot->mtime.tv_nsec == st.st_mtim.tv_nsec) {
        return slot->fd;
    }
    for (int i = 0; i < MAX_COPIES && !slot; i++) {
        if (!copies[i].path)
            slot = &copies[i];
    }
    if (!slot) {
        /* more helper paths than slots (one JVM using many state roots, as the tests do): the
         * oldest copy goes; a process started from it holds it itself, and a spawn in progress
         * holds its own duplicate of the fd */
        static unsigned next_evicted;
        slot = &copies[next_evicted++ % MAX_COPIES];
        free(slot->path);
        close(slot->fd);
        *slot = (struct copy){ 0 };
        slot->fd = -1;
    }
    const char *base = strrchr(path, '/');
    if ((rc = sealed_copy(path, base ? base + 1 : path)) < 0) /* /proc/PID/exe: "/memfd:quilt-exec (deleted)" */
        return rc;
    if (rc <= MONITOR_SYNC_FD) { /* the spawn's dup2 onto fd 3 must not hide it */
        int high = fcntl(rc, F_DUPFD_CLOEXEC, 10);
        int e = errno;
        close(rc);
        if (high < 0)
            return -e;
        rc = high;
    }
    char *name = slot->path ? slot->path : strdup(path);
    if (!name) {
        close(rc);
        return -ENOMEM;
    }
    if (slot->path) /* the file changed: processes running the old copy hold it themselves */
        close(slot->fd);
    *slot = (struct copy){ name, st.st_dev, st.st_ino, st.st_mtim, rc };
    return rc;
}

/* posix_spawn() is clone(CLONE_VM|CLONE_VFORK) + exec in glibc: the JVM's
 * memory is never copied, and only sync_fd (as fd 3) and stdio are passed on. */
static jint spawnHelperWithStdio(JNIEnv *env, jclass cls, jstring jpath, jint sync_fd, jint flags, jint in, jint out,
                                 jint err);

static jint spawnHelper(JNIEnv *env, jclass cls, jstring jpath, jint sync_fd, jint flags)
{
    return spawnHelperWithStdio(env, cls, jpath, sync_fd, flags, 0, 1, 2);
}

/* As spawnHelper, with in/out/err (each >= 3, or 0, 1, 2 for our own) as the helper's stdio. */
static jint spawnHelperWithStdio(JNIEnv *env, jclass cls, jstring jpath, jint sync_fd, jint flags, jint in, jint out,
                                 jint err)
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
    char image[64];
    /* our own duplicate of the sealed copy (O_CLOEXEC, above the stdio and fd 3): the table's
     * fd may be replaced by another thread once the lock is let go, this one is not */
    pthread_mutex_lock(&copies_lock);
    int copy = sealed_helper(path);
    if (copy >= 0 && (copy = fcntl(copy, F_DUPFD_CLOEXEC, 10)) < 0)
        copy = -errno;
    pthread_mutex_unlock(&copies_lock);
    if (copy < 0) {
        (*env)->ReleaseStringUTFChars(env, jpath, path);
        return copy;
    }
    snprintf(image, sizeof image, "/proc/self/fd/%d", copy);
    if (sync_fd == MONITOR_SYNC_FD) {
        /* dup2(3, 3) would keep O_CLOEXEC on some libcs: go through another fd */
        moved = fcntl(sync_fd, F_DUPFD_CLOEXEC, 10);
        if (moved < 0) {
            rc = -errno;
            close(copy);
            (*env)->ReleaseStringUTFChars(env, jpath, path);
            return rc;
        }
        sync_fd = moved;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    int stdio[3] = { in, out, err };
    for (int i = 0; i < 3; i++)
        if (stdio[i] != i) /* first: fd 3 is still ours, not the socket yet */
            posix_spawn_file_actions_adddup2(&fa, stdio[i], i);
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
    /* the child execs the copy through its own (vfork'd) fd table: an O_CLOEXEC
     * fd can be exec'd, and is closed by that exec */
    rc = posix_spawn(&pid, image, &fa, &attr, argv, envp);
    close(copy);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    (*env)->ReleaseStringUTFChars(env, jpath, path);
    if (moved >= 0)
        close(moved);
    return rc ? -rc : pid;
}

/* A host command (CRIU's CLI) in a process group of its own, so that a deadline can end it and everything it
 * started (killGroup): argv[0] is its absolute path, stdin /dev/null, stdout and stderr the file out (created
 * 0600 if missing, truncated), and no fd of ours past them (closefrom in the child: a pipe another thread of the
 * JVM has open without O_CLOEXEC, the JDK's own launcher's, is not held open by it).  The environment is ours.
 * posix_spawn is a vfork: the JVM is never copied, and an exec failure is its return value.  The pid, or -errno. */
static jint spawnCommand(JNIEnv *env, jclass cls, jobjectArray jargv, jstring jout)
{
    (void)cls;
    jsize n = (*env)->GetArrayLength(env, jargv);
    if (n < 1 || n > 4096)
        return -EINVAL;
    char **argv = calloc((size_t)n + 1, sizeof *argv);
    if (!argv)
        return -ENOMEM;
    int rc = 0;
    for (jsize i = 0; i < n && rc == 0; i++) {
        jstring s = (*env)->GetObjectArrayElement(env, jargv, i);
        const char *c = s ? (*env)->GetStringUTFChars(env, s, NULL) : NULL;
        argv[i] = c ? strdup(c) : NULL;
        if (c)
            (*env)->ReleaseStringUTFChars(env, s, c);
        if (s)
            (*env)->DeleteLocalRef(env, s);
        if (!argv[i])
            rc = -ENOMEM;
    }
    const char *out = rc == 0 ? (*env)->GetStringUTFChars(env, jout, NULL) : NULL;
    if (rc == 0 && !out)
        rc = -ENOMEM;
    if (rc == 0) {
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        sigset_t none, all;
        pid_t pid;
        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&attr);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        posix_spawn_file_actions_addclosefrom_np(&fa, 3);
        sigemptyset(&none);
        sigfillset(&all);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        posix_spawnattr_setpgroup(&attr, 0); /* its own group, led by itself: its pid is the group's id */
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setsigdefault(&attr, &all);
        int e = posix_spawn(&pid, argv[0], &fa, &attr, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        rc = e ? -e : (jint)pid;
        (*env)->ReleaseStringUTFChars(env, jout, out);
    }
    for (jsize i = 0; i < n; i++)
        free(argv[i]);
    free(argv);
    return rc;
}

/* kill(2) of the process group pgid: 0, or -errno (ESRCH: no process is left in it). */
static jint killGroup(JNIEnv *env, jclass cls, jint pgid, jint sig)
{
    (void)env;
    (void)cls;
    if (pgid <= 1)
        return -EINVAL; /* never our own group (0) nor every process (-1) */
    return kill(-pgid, sig) < 0 ? -errno : 0;
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

/* prctl(PR_SET_CHILD_SUBREAPER): orphans of our descendants come to us, as runc run and runc exec
 * (not detached) make themselves so that they reap the init they handed off. */
static jint setChildSubreaper(JNIEnv *env, jclass cls, jint on)
{
    (void)env;
    (void)cls;
    return prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0) < 0 ? -errno : 0;
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

/* /dev/null for reading and writing, close-on-exec: the stdio of a command whose output nobody reads */
static jint openNull(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
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
    { "spawnHelperWithStdio", "(Ljava/lang/String;IIIII)I", (void *)spawnHelperWithStdio },
    { "setChildSubreaper", "(I)I", (void *)setChildSubreaper },
    { "waitPid", "(I)I", (void *)waitPid },
    { "pidfdOpen", "(I)I", (void *)pidfdOpen },
    { "pidfdSendSignal", "(II)I", (void *)pidfdSendSignal },
    { "geteuid", "()I", (void *)geteuid_ },
    { "signalName", "(I)Ljava/lang/String;", (void *)signalName },
    { "signalMax", "()I", (void *)signalMax },
    { "close", "(I)I", (void *)closeFd },
    { "openNull", "()I", (void *)openNull },
    { "isTerminal", "(I)I", (void *)isTerminal },
    { "spawnCommand", "([Ljava/lang/String;Ljava/lang/String;)I", (void *)spawnCommand },
    { "killGroup", "(II)I", (void *)killGroup },
};

int quilt_register_processes(JNIEnv *env)
{
    return quilt_register(env, "Processes", methods, sizeof methods / sizeof methods[0]);
}
