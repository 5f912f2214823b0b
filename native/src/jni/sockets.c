/* Peer of dev.quilt.linux.jni.Sockets: the SOCK_SEQPACKET pair to a monitor.
 * Blocking calls; a message is one datagram (or, when large, a sealed memfd
 * beside one: common/message.c), so no framing is needed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/fd_pass.h"
#include "common/message.h"
#include "common/tlv.h"
#include "quilt/proto.h"
#include "peers.h"

static jlong socketPair(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    return ((jlong)sv[0] << 32) | (jlong)(unsigned)sv[1];
}

/* pipe2(O_CLOEXEC): the read end in the high half, the write end in the low; a helper's stdin or stdout
 * that the JVM streams (quilt-archive's tar) */
static jlong pipePair(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    return ((jlong)p[0] << 32) | (jlong)(unsigned)p[1];
}

/* read(2) into buf[off, off+len): the count, 0 at end of file, or -errno (EINTR retried) */
static jint readFd(JNIEnv *env, jclass cls, jint fd, jbyteArray jbuf, jint off, jint len)
{
    (void)cls;
    char tmp[65536];
    if (len > (jint)sizeof tmp)
        len = (jint)sizeof tmp;
    ssize_t n;
    do
        n = read(fd, tmp, (size_t)len);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    (*env)->SetByteArrayRegion(env, jbuf, off, (jsize)n, (const jbyte *)tmp);
    return (jint)n;
}

/* write(2) of all of buf[off, off+len): 0 or -errno (EPIPE when the reader has gone; the JVM ignores SIGPIPE).
 * A non-blocking fd (a connection of the server's event loop) that is full is waited on with poll(2) until it
 * takes more: the caller is a worker thread that may block, never the event loop. */
static jint writeFd(JNIEnv *env, jclass cls, jint fd, jbyteArray jbuf, jint off, jint len)
{
    (void)cls;
    char tmp[65536];
    while (len > 0) {
        jint chunk = len > (jint)sizeof tmp ? (jint)sizeof tmp : len;
        (*env)->GetByteArrayRegion(env, jbuf, off, chunk, (jbyte *)tmp);
        for (jint done = 0; done < chunk;) {
            ssize_t n = write(fd, tmp + done, (size_t)(chunk - done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                struct pollfd p = { .fd = fd, .events = POLLOUT };
                if (poll(&p, 1, -1) < 0 && errno != EINTR)
                    return -errno;
                continue;
            }
            if (n < 0)
                return -errno;
            done += (jint)n;
        }
        off += chunk;
        len -= chunk;
    }
    return 0;
}

/* Clears O_NONBLOCK on fd (its other status flags kept): 0 or -errno. */
static jint clearNonBlocking(JNIEnv *env, jclass cls, jint fd)
{
    (void)env;
    (void)cls;
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
        return -errno;
    return 0;
}

/* fcntl(F_SETFL): the status flags a client had on a fd it passed (O_APPEND, O_NONBLOCK...); 0 or -errno */
static jint setStatusFlags(JNIEnv *env, jclass cls, jint fd, jint flags)
{
    (void)env;
    (void)cls;
    return fcntl(fd, F_SETFL, flags) < 0 ? -errno : 0;
}

/* Waits (poll(2), no deadline) until fd can take a write, or has an error or hang-up: 0 or -errno. */
static jint awaitWritable(JNIEnv *env, jclass cls, jint fd)
{
    (void)env;
    (void)cls;
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    while (poll(&p, 1, -1) < 0) {
        if (errno != EINTR)
            return -errno;
    }
    return 0;
}

/* A SOCK_STREAM pair (both O_CLOEXEC, blocking): a command's stdio in an exec session. */
static jlong socketPairStream(JNIEnv *env, jclass cls)
{
    (void)env;
    (void)cls;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    return ((jlong)sv[0] << 32) | (jlong)(unsigned)sv[1];
}

static jint sendMessage(JNIEnv *env, jclass cls, jint fd, jbyteArray jbuf, jint len)
{
    (void)cls;
    jbyte *buf = malloc((size_t)len);
    if (!buf)
        return -ENOMEM;
    (*env)->GetByteArrayRegion(env, jbuf, 0, len, buf);
    /* a large one goes as a sealed memfd: a datagram that size is EMSGSIZE */
    int rc = message_send(fd, buf, (size_t)len);
    free(buf);
    return rc < 0 ? rc : len;
}

/* One FDS message: the fds (SCM_RIGHTS, at most 253: SCM_MAX_FD) for runc's --preserve-fds,
 * sent right after the CONFIG that names how many.  0 or -errno (-EBADF: one is not open). */
static jint sendFdsAs(JNIEnv *env, jint fd, jint type, jintArray jfds)
{
    jsize n = (*env)->GetArrayLength(env, jfds);
    if (n <= 0 || n > FD_PASS_MAX)
        return -EINVAL;
    jint given[FD_PASS_MAX];
    int fds[FD_PASS_MAX];
    (*env)->GetIntArrayRegion(env, jfds, 0, n, given);
    for (jsize i = 0; i < n; i++)
        fds[i] = given[i];
    uint8_t head[32];
    struct tlv_writer w = { head, sizeof head, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, type);
    return fd_pass_send(fd, head, w.len, fds, n);
}

static jint sendFds(JNIEnv *env, jclass cls, jint fd, jintArray jfds)
{
    (void)cls;
    return sendFdsAs(env, fd, QUILT_MSG_FDS, jfds);
}

/* One FORK message to an exec zygote (exec/zygote.h): the exec's stdin, stdout, stderr and socket
 * (SCM_RIGHTS).  0 or -errno (-EPIPE, -ECONNRESET: the zygote has gone). */
static jint sendFork(JNIEnv *env, jclass cls, jint fd, jintArray jfds)
{
    (void)cls;
    return sendFdsAs(env, fd, QUILT_MSG_FORK, jfds);
}

static jint receiveMessage(JNIEnv *env, jclass cls, jint fd, jbyteArray jbuf)
{
    (void)cls;
    jsize cap = (*env)->GetArrayLength(env, jbuf);
    jbyte *buf = malloc((size_t)cap);
    if (!buf)
        return -ENOMEM;
    ssize_t n;
    do
        n = recv(fd, buf, (size_t)cap, 0);
    while (n < 0 && errno == EINTR);
    int err = errno;
    if (n > 0)
        (*env)->SetByteArrayRegion(env, jbuf, 0, (jsize)n, buf);
    free(buf);
    return n < 0 ? -err : (jint)n;
}

/* As receiveMessage, with a deadline: -ETIMEDOUT when nothing came within
 * timeoutMs.  poll() is the wait on the event, its timeout the deadline; a
 * signal's EINTR waits on for what is left of it. */
static jint receiveMessageWithin(JNIEnv *env, jclass cls, jint fd, jbyteArray jbuf, jlong timeoutMs)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long end = now.tv_sec * 1000LL + now.tv_nsec / 1000000 + timeoutMs;
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int n;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long long left = end - (now.tv_sec * 1000LL + now.tv_nsec / 1000000);
        n = poll(&p, 1, left <= 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left);
        if (n >= 0 || errno != EINTR)
            break;
    }
    if (n < 0)
        return -errno;
    if (n == 0)
        return -ETIMEDOUT;
    return receiveMessage(env, cls, fd, jbuf);
}

static const JNINativeMethod methods[] = {
    { "socketPair", "()J", (void *)socketPair },
    { "pipePair", "()J", (void *)pipePair },
    { "readFd", "(I[BII)I", (void *)readFd },
    { "writeFd", "(I[BII)I", (void *)writeFd },
    { "socketPairStream", "()J", (void *)socketPairStream },
    { "sendMessage", "(I[BI)I", (void *)sendMessage },
    { "receiveMessage", "(I[B)I", (void *)receiveMessage },
    { "sendFds", "(I[I)I", (void *)sendFds },
    { "sendForkMessage", "(I[I)I", (void *)sendFork },
    { "awaitWritable", "(I)I", (void *)awaitWritable },
    { "clearNonBlocking", "(I)I", (void *)clearNonBlocking },
    { "setStatusFlags", "(II)I", (void *)setStatusFlags },
    { "receiveMessageWithin", "(I[BJ)I", (void *)receiveMessageWithin },
};

int quilt_register_sockets(JNIEnv *env)
{
    return quilt_register(env, "Sockets", methods, sizeof methods / sizeof methods[0]);
}
