/* quilt-exec waiting for its command: see capture.h. */
#define _GNU_SOURCE
#include "exec/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "common/tlv.h"

/* The child's wait status, once it has exited (-1 if it cannot be had). */
int exec_await(pid_t pid)
{
    int status;
    pid_t got;
    do
        got = waitpid(pid, &status, 0);
    while (got < 0 && errno == EINTR);
    return got < 0 ? -1 : status;
}

int exec_status_code(int status)
{
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static void add(int ep, int fd)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Keeps the first cap bytes of what comes down the pipe and drops the rest, so
 * a chatty command never blocks on a full pipe.  Returns 0 at end of file. */
static ssize_t drain(int fd, char *out, size_t cap, size_t *len)
{
    char scratch[4096];
    ssize_t n;
    do {
        size_t room = cap - *len;
        n = room ? read(fd, out + *len, room) : read(fd, scratch, sizeof scratch);
    } while (n < 0 && errno == EINTR);
    if (n > 0 && *len < cap)
        *len += (size_t)n;
    return n;
}

int exec_capture(const struct exec_config *c, int sync, pid_t pid, int pidfd, int out)
{
    char *buf = malloc(c->capture + 1);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    struct itimerspec when = { .it_value = { .tv_sec = (time_t)(c->timeout_ms / 1000),
                                             .tv_nsec = (long)(c->timeout_ms % 1000) * 1000000L } };
    if (!buf || ep < 0 || timer < 0 || timerfd_settime(timer, 0, &when, NULL) < 0) {
        syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
        waitpid(pid, NULL, 0);
        return errno ? -errno : -ENOMEM;
    }
    add(ep, out);
    add(ep, pidfd);
    add(ep, timer);
    size_t len = 0;
    int timed_out = 0, exited = 0, status = 0;
    while (!exited) {
        struct epoll_event ev[3];
        int k = epoll_wait(ep, ev, 3, -1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            break;
        for (int i = 0; i < k; i++) {
            int fd = ev[i].data.fd;
            if (fd == out && drain(out, buf, c->capture, &len) <= 0) {
                epoll_ctl(ep, EPOLL_CTL_DEL, out, NULL);
            } else if (fd == timer) {
                timed_out = 1;
                syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
                epoll_ctl(ep, EPOLL_CTL_DEL, timer, NULL);
            } else if (fd == pidfd) {
                status = exec_await(pid);
                exited = 1;
            }
        }
    }
    /* what it wrote before it exited; a child of its own may hold the pipe
     * open, so take what is there now and do not wait for the end of file */
    fcntl(out, F_SETFL, O_NONBLOCK);
    while (drain(out, buf, c->capture, &len) > 0)
        ;
    size_t cap = len + 256;
    uint8_t *msg = malloc(cap);
    if (msg) {
        struct tlv_writer w = { msg, cap, 0 };
        buf[len] = 0;
        tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_RESULT);
        tlv_put_long(&w, QUILT_T_EXIT_CODE, WIFEXITED(status) ? WEXITSTATUS(status) : 0);
        tlv_put_long(&w, QUILT_T_SIGNAL, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        tlv_put_long(&w, QUILT_T_TIMED_OUT, timed_out);
        tlv_put(&w, QUILT_T_OUTPUT, buf, (uint32_t)len);
        ssize_t ignored = send(sync, w.buf, w.len, MSG_NOSIGNAL);
        (void)ignored;
    }
    return exec_status_code(status);
}
