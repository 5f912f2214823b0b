/* Peer of dev.quilt.linux.jni.StartGate: the exec fifo between `quilt create`
 * and `quilt start`, as runc has it.  The init blocks opening the fifo for
 * writing; start opens it for reading, gets one byte, then reads on to end of
 * file: the init's end is O_CLOEXEC, so EOF means its execve succeeded, and
 * text before it is the reason it failed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "peers.h"

static jint makeFifo(JNIEnv *env, jclass cls, jstring jpath)
{
    (void)cls;
    const char *path = (*env)->GetStringUTFChars(env, jpath, NULL);
    if (!path)
        return -ENOMEM;
    int rc = mkfifo(path, 0600);
    int err = errno;
    (*env)->ReleaseStringUTFChars(env, jpath, path);
    return rc < 0 ? -err : 0;
}

/* Returns the bytes read into buf (the first is the gate's "0"; any more are
 * the exec error), 0 when the init was gone before it could be started, or -errno. */
static jint openGate(JNIEnv *env, jclass cls, jstring jpath, jint init_pidfd, jbyteArray jbuf)
{
    (void)cls;
    const char *path = (*env)->GetStringUTFChars(env, jpath, NULL);
    if (!path)
        return -ENOMEM;
    /* non-blocking: a dead init must not leave us waiting for a writer */
    int fd = openat(AT_FDCWD, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    int err = errno;
    (*env)->ReleaseStringUTFChars(env, jpath, path);
    if (fd < 0)
        return -err;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = init_pidfd };
    epoll_ctl(ep, EPOLL_CTL_ADD, init_pidfd, &ev);

    char buf[1024];
    jint got = 0, rc = 0;
    for (;;) {
        struct epoll_event e;
        int k = epoll_wait(ep, &e, 1, -1);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        if (e.data.fd == init_pidfd) {
            epoll_ctl(ep, EPOLL_CTL_DEL, init_pidfd, NULL);
            if (got == 0)
                break; /* never opened its end: nothing to start */
            continue;  /* it wrote: read on to its end of file */
        }
        ssize_t n = read(fd, buf + got, sizeof buf - (size_t)got);
        if (n > 0) {
            got += (jint)n;
            if ((size_t)got == sizeof buf)
                break;
        } else if (n == 0) {
            break; /* every writer closed: execve done, or failed and said why */
        } else if (errno != EAGAIN && errno != EINTR) {
            rc = -errno;
            break;
        }
    }
    close(ep);
    close(fd);
    if (rc < 0)
        return rc;
    jsize cap = (*env)->GetArrayLength(env, jbuf);
    if (got > cap)
        got = cap;
    (*env)->SetByteArrayRegion(env, jbuf, 0, got, (const jbyte *)buf);
    return got;
}

static const JNINativeMethod methods[] = {
    { "makeFifo", "(Ljava/lang/String;)I", (void *)makeFifo },
    { "openGate", "(Ljava/lang/String;I[B)I", (void *)openGate },
};

int quilt_register_start_gate(JNIEnv *env)
{
    return quilt_register(env, "StartGate", methods, sizeof methods / sizeof methods[0]);
}
