#define _GNU_SOURCE
#include "hook.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "signals.h"

#define HOOK_STACK (32 * 1024)

struct hook_child {
    const struct hook_spec *h;
    const struct hook_where *w;
    char *const *argv;
    int in, out, report; /* stdin's read end, the output's write end, the CLOEXEC error pipe */
};

/* fd onto target for the hook: dup2, or clear O_CLOEXEC when it already is target */
static int give(int fd, int target)
{
    if (fd == target)
        return fcntl(fd, F_SETFD, 0);
    return dup2(fd, target) < 0 ? -1 : 0;
}

/* In the clone, which shares our memory until its execve: system calls only. */
static int hook_child_main(void *arg)
{
    const struct hook_child *c = arg;
    int err;
    if (c->w->ns_pidfd >= 0 && c->w->ns_flags && setns(c->w->ns_pidfd, c->w->ns_flags) < 0)
        goto fail;
    if (c->w->cwd && chdir(c->w->cwd) < 0)
        goto fail;
    if (c->w->cwd_fd >= 0 && fchdir(c->w->cwd_fd) < 0)
        goto fail;
    if (give(c->in, 0) < 0 || give(c->out, 1) < 0 || give(c->out, 2) < 0)
        goto fail;
    /* nothing of the caller's reaches the hook but its stdio */
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        goto fail;
    signals_reset(); /* every signal at its default and none blocked, whatever the caller had */
    execve(c->h->path, c->argv, c->h->envp);
fail:
    err = errno;
    if (write(c->report, &err, sizeof err) < 0)
        _exit(126);
    _exit(127);
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static int watch(int ep, int fd, unsigned events)
{
    struct epoll_event ev = { .events = events, .data.fd = fd };
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* Reads what the hook wrote: the first HOOK_OUTPUT_MAX bytes are kept, the
 * rest drained.  1 at end of file or error, 0 when more may come. */
static int take_output(int fd, struct hook_result *r)
{
    char scratch[4096];
    for (;;) {
        size_t room = sizeof r->out - 1 - r->out_len;
        char *to = room ? r->out + r->out_len : scratch;
        ssize_t n = read(fd, to, room ? room : sizeof scratch);
        if (n > 0) {
            if (room)
                r->out_len += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && errno == EAGAIN ? 0 : 1;
    }
}

/* Writes the state on: 1 when all is written or the hook closed its stdin (EPIPE), 0 when more is to come. */
static int give_state(int fd, const char *state, size_t len, size_t *off)
{
    while (*off < len) {
        ssize_t n = write(fd, state + *off, len - *off);
        if (n > 0) {
            *off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && errno == EAGAIN ? 0 : 1; /* EPIPE: it did not read it; not an error */
    }
    return 1;
}

int hook_run(const struct hook_spec *h, const char *state, size_t state_len, const struct hook_where *w,
             struct hook_result *r)
{
    int in[2] = { -1, -1 }, out[2] = { -1, -1 }, report[2] = { -1, -1 };
    int pidfd = -1, ep = -1, timer = -1, rc = 0;
    char *const self[] = { (char *)h->path, NULL };
    char stack[HOOK_STACK] __attribute__((aligned(16)));
    sigset_t all, old, pipe_only;

    memset(r, 0, sizeof *r);
    if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(report, O_CLOEXEC) < 0) {
        rc = -errno;
        goto done;
    }
    struct hook_child c = { .h = h, .w = w, .argv = h->argv && h->argv[0] ? h->argv : self,
                            .in = in[0], .out = out[1], .report = report[1] };
    /* no handler of ours runs in the clone before it has reset them all */
    sigfillset(&all);
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = clone(hook_child_main, stack + sizeof stack, CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &c,
                      &pidfd);
    int clone_err = errno;
    /* SIGPIPE stays held off until its stdin is done with */
    sigset_t held = old;
    sigaddset(&held, SIGPIPE);
    pthread_sigmask(SIG_SETMASK, &held, NULL);
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&report[1]);
    if (pid < 0) {
        rc = -clone_err;
        goto restore;
    }
    /* the clone has exec'd or failed by now (CLONE_VFORK): a failure left its errno */
    int err;
    if (read(report[0], &err, sizeof err) == (ssize_t)sizeof err) {
        r->exec_err = err;
        close_fd(&in[1]);
    }
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0 || fcntl(out[0], F_SETFL, O_NONBLOCK) < 0 || (rc = watch(ep, out[0], EPOLLIN)) < 0 ||
        (rc = watch(ep, pidfd, EPOLLIN)) < 0) {
        rc = rc ? rc : -errno;
        goto kill;
    }
    size_t off = 0;
    if (in[1] >= 0 && (state_len == 0 || fcntl(in[1], F_SETFL, O_NONBLOCK) < 0 ||
                       give_state(in[1], state, state_len, &off) || watch(ep, in[1], EPOLLOUT) < 0))
        close_fd(&in[1]); /* all written at once (the usual case), or nothing to write */
    if (h->timeout_ms > 0 && !r->exec_err) {
        struct itimerspec at = { .it_value = { h->timeout_ms / 1000, (h->timeout_ms % 1000) * 1000000L } };
        timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (timer < 0 || timerfd_settime(timer, 0, &at, NULL) < 0 || (rc = watch(ep, timer, EPOLLIN)) < 0) {
            rc = rc ? rc : -errno;
            goto kill;
        }
    }
    for (int exited = 0; !exited;) {
        struct epoll_event ev[4];
        int k = epoll_wait(ep, ev, 4, -1);
        if (k < 0 && errno != EINTR) {
            rc = -errno;
            goto kill;
        }
        for (int i = 0; i < k; i++) {
            int fd = ev[i].data.fd;
            if (fd == pidfd) {
                exited = 1;
            } else if (fd == out[0]) {
                if (take_output(out[0], r)) {
                    epoll_ctl(ep, EPOLL_CTL_DEL, out[0], NULL);
                    close_fd(&out[0]);
                }
            } else if (fd == in[1]) {
                if (give_state(in[1], state, state_len, &off)) {
                    epoll_ctl(ep, EPOLL_CTL_DEL, in[1], NULL);
                    close_fd(&in[1]);
                }
            } else if (fd == timer) {
                r->timed_out = 1;
                syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
                epoll_ctl(ep, EPOLL_CTL_DEL, timer, NULL);
            }
        }
    }
    /* what it wrote before it ended; a child it left behind holding the pipe is not waited for */
    if (out[0] >= 0)
        take_output(out[0], r);
    goto reap;
kill:
    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
reap: {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        while (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0 && errno == EINTR)
            ;
        if (si.si_code == CLD_EXITED) {
            r->code = si.si_status;
        } else {
            r->sig = si.si_status;
            r->code = 128 + si.si_status;
        }
    }
restore:
    close_fd(&in[1]);
    {
        /* a SIGPIPE our write earned is ours to drop, not the caller's to get */
        struct timespec zero = { 0, 0 };
        while (sigtimedwait(&pipe_only, NULL, &zero) == SIGPIPE)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
done:
    close_fd(&in[0]);
    close_fd(&in[1]);
    close_fd(&out[0]);
    close_fd(&out[1]);
    close_fd(&report[0]);
    close_fd(&report[1]);
    close_fd(&pidfd);
    close_fd(&ep);
    close_fd(&timer);
    r->out[r->out_len] = 0;
    return rc;
}

int hook_ok(const struct hook_result *r)
{
    return !r->exec_err && !r->timed_out && !r->sig && r->code == 0;
}

size_t hook_describe(const char *phase, int index, const struct hook_spec *h, const struct hook_result *r, char *buf,
                     size_t cap)
{
    if (cap == 0)
        return 0;
    int n;
    const char *abbrev = r->sig ? sigabbrev_np(r->sig) : NULL;
    const char *text = r->exec_err ? strerror(r->exec_err) : "";
    if (r->exec_err)
        n = snprintf(buf, cap, "error running %s hook #%d %s: exec: %c%s", phase, index, h->path,
                     tolower((unsigned char)text[0]), text + 1);
    else if (r->timed_out)
        n = snprintf(buf, cap, "error running %s hook #%d %s: ran past its timeout of %lds", phase, index, h->path,
                     h->timeout_ms / 1000);
    else if (r->sig)
        n = snprintf(buf, cap, "error running %s hook #%d %s: killed by signal %s", phase, index, h->path,
                     abbrev ? abbrev : "?");
    else
        n = snprintf(buf, cap, "error running %s hook #%d %s: exit status %d", phase, index, h->path, r->code);
    size_t len = n < 0 ? 0 : (size_t)n >= cap ? cap - 1 : (size_t)n;
    /* its output, on the same line: newlines and other controls as spaces, trailing ones dropped */
    size_t end = r->out_len;
    while (end > 0 && (unsigned char)r->out[end - 1] <= ' ')
        end--;
    if (end > 0 && len + 3 < cap) {
        buf[len++] = ':';
        buf[len++] = ' ';
        for (size_t i = 0; i < end && len + 1 < cap; i++)
            buf[len++] = (unsigned char)r->out[i] < ' ' ? ' ' : r->out[i];
        buf[len] = 0;
    }
    return len;
}
