/* Peer of dev.quilt.linux.jni.Watches: inotify and one epoll wait over several
 * fds (inotify, pidfds), with a deadline.  This is how `wait`, `stop` and
 * `logs -f` block: on events, never on a timer loop. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "peers.h"

static jint inotifyInit(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    return fd < 0 ? -errno : fd;
}

static jint addWatch(JNIEnv *env, jclass cls, jint fd, jstring jpath, jint mask)
{
    (void)cls;
    const char *path = (*env)->GetStringUTFChars(env, jpath, NULL);
    if (!path)
        return -ENOMEM;
    int wd = inotify_add_watch(fd, path, (uint32_t)mask);
    int err = errno;
    (*env)->ReleaseStringUTFChars(env, jpath, path);
    return wd < 0 ? -err : wd;
}

/* Removes a watch; the kernel queues IN_IGNORED for it, which wakes a waiter
 * on the inotify fd (how a watch is closed from another thread). */
static jint rmWatch(JNIEnv *env, jclass cls, jint fd, jint wd)
{
    (void)env;
    (void)cls;
    return inotify_rm_watch(fd, wd) < 0 ? -errno : 0;
}

/* Reads and discards the queued events; returns how many bytes there were. */
static jint drain(JNIEnv *env, jclass cls, jint fd)
{
    (void)env;
    (void)cls;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    int total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            total += (int)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && errno != EAGAIN ? -errno : total;
    }
}

/* Waits until one of fds is readable; returns its index, -ETIMEDOUT at the
 * deadline (timeout_ms < 0: none), or -errno. */
static jint awaitReadable(JNIEnv *env, jclass cls, jintArray jfds, jint timeout_ms)
{
    (void)cls;
    jsize n = (*env)->GetArrayLength(env, jfds);
    jint fds[16];
    if (n <= 0 || n > 16)
        return -EINVAL;
    (*env)->GetIntArrayRegion(env, jfds, 0, n, fds);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        return -errno;
    for (jsize i = 0; i < n; i++) {
        struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0) {
            int err = errno;
            close(ep);
            return -err;
        }
    }
    struct epoll_event ev;
    int k;
    do
        k = epoll_wait(ep, &ev, 1, timeout_ms);
    while (k < 0 && errno == EINTR);
    int err = errno;
    close(ep);
    if (k < 0)
        return -err;
    return k == 0 ? -ETIMEDOUT : (jint)ev.data.u32;
}

static const JNINativeMethod methods[] = {
    { "inotifyInit", "()I", (void *)inotifyInit },
    { "addWatch", "(ILjava/lang/String;I)I", (void *)addWatch },
    { "rmWatch", "(II)I", (void *)rmWatch },
    { "drain", "(I)I", (void *)drain },
    { "awaitReadable", "([II)I", (void *)awaitReadable },
};

int quilt_register_watches(JNIEnv *env)
{
    return quilt_register(env, "Watches", methods, sizeof methods / sizeof methods[0]);
}
