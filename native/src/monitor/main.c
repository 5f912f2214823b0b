/* quilt-monitor: the parent of one container's init.
 *
 * The JVM starts it (posix_spawn, never a fork of the JVM) with a SOCK_SEQPACKET
 * socket on fd 3 and sends one CONFIG message.  The monitor clones the init into
 * new namespaces, reports READY (pid and start time) or FAIL (step, errno,
 * object), then waits for the init to exit by signalfd + epoll, records the exit
 * in <state>/exit.json atomically, sends EXIT and exits.  Whoever started it may
 * die meanwhile: the exit is still recorded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "../common/atomic_file.h"
#include "../common/tlv.h"
#include "config.h"
#include "init.h"
#include "pid1_signals.h"
#include "procfs.h"

#define SYNC_FD 3

static void send_msg(struct tlv_writer *w)
{
    /* the JVM may be gone; that is not our failure */
    ssize_t ignored = send(SYNC_FD, w->buf, w->len, MSG_NOSIGNAL);
    (void)ignored;
}

static void send_fail(int step, int err, const char *object)
{
    uint8_t buf[1024];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_FAIL);
    tlv_put_long(&w, QUILT_T_STEP, step);
    tlv_put_long(&w, QUILT_T_ERRNO, err);
    if (object)
        tlv_put_str(&w, QUILT_T_OBJECT, object);
    send_msg(&w);
}

static pid_t clone_init(const struct container_config *cfg, int *pidfd)
{
    struct clone_args args = {
        .flags = cfg->ns_flags | CLONE_PIDFD,
        .pidfd = (unsigned long long)(uintptr_t)pidfd,
        .exit_signal = SIGCHLD,
    };
    return (pid_t)syscall(SYS_clone3, &args, sizeof args);
}

static void write_exit_file(const char *state_dir, int code, int sig)
{
    struct timespec ts;
    struct tm tm;
    char when[32], json[160];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    int n = snprintf(json, sizeof json,
                     "{\"exitCode\":%d,\"signal\":%d,\"exitedAt\":\"%s.%09ldZ\"}\n",
                     code, sig, when, ts.tv_nsec);
    int rc = write_file_atomic(state_dir, "exit.json", json, (size_t)n);
    if (rc < 0)
        fprintf(stderr, "quilt-monitor: write %s/exit.json failed: %s\n", state_dir, strerror(-rc));
}

/* One message from the init before its execve: 0 at EOF, the size, or -errno.
 * A listener fd that comes along is kept in *listener. */
static ssize_t receive_from_init(int fd, struct init_failure *f, int *listener)
{
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = f, .iov_len = sizeof *f };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                          .msg_controllen = sizeof control };
    ssize_t n;
    do
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n == 0)
        return 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            memcpy(listener, CMSG_DATA(c), sizeof(int));
    if ((size_t)n < sizeof *f)
        return -EBADMSG;
    f->object[sizeof f->object - 1] = 0;
    return n;
}

/* Reaps every child that has exited; returns 1 once init is among them. */
static int reap(pid_t init, int *code, int *sig)
{
    int found = 0, status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
        if (p != init)
            continue; /* an orphan handed to us as subreaper */
        found = 1;
        if (WIFSIGNALED(status)) {
            *sig = WTERMSIG(status);
            *code = 128 + *sig;
        } else {
            *sig = 0;
            *code = WEXITSTATUS(status);
        }
    }
    return found;
}

int main(void)
{
    struct container_config cfg;
    const char *what;
    sigset_t mask;

    /* whatever the JVM left open without O_CLOEXEC stops here */
    close_range(SYNC_FD + 1, ~0U, 0);

    uint8_t *msg = malloc(QUILT_MSG_MAX);
    if (!msg)
        return 1;
    ssize_t n = recv(SYNC_FD, msg, QUILT_MSG_MAX, 0);
    if (n <= 0) {
        fprintf(stderr, "quilt-monitor: no config on fd %d; it is started by quilt, not by hand\n", SYNC_FD);
        return 1;
    }
    int rc = config_parse(&cfg, msg, (size_t)n, &what);
    free(msg);
    if (rc < 0) {
        send_fail(QUILT_STEP_CONFIG, -rc, what);
        return 1;
    }

    /* orphans of the container come to us, not to the host's init */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    int errpipe[2];
    if (sfd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, errpipe) < 0) {
        send_fail(QUILT_STEP_CLONE, errno, "monitor");
        return 1;
    }

    int pidfd = -1;
    pid_t pid = clone_init(&cfg, &pidfd);
    if (pid < 0) {
        send_fail(QUILT_STEP_CLONE, errno, "init");
        return 1;
    }
    if (pid == 0) {
        close(errpipe[0]);
        container_init(&cfg, errpipe[1]);
    }
    close(errpipe[1]);

    /* the child's execve() closes its end: EOF means the command runs */
    int listener = -1;
    struct init_failure f;
    for (;;) {
        ssize_t got = receive_from_init(errpipe[0], &f, &listener);
        if (got == 0)
            break;
        if (got < 0 || f.kind == INIT_MSG_FAILURE) {
            close(errpipe[0]);
            waitpid(pid, NULL, 0);
            if (got < 0)
                send_fail(QUILT_STEP_CLONE, (int)-got, "init");
            else
                send_fail(f.step, f.err, f.object);
            return 1;
        }
    }
    close(errpipe[0]);

    unsigned long long start = 0;
    proc_start_time(pid, &start);
    {
        uint8_t buf[128];
        struct tlv_writer w = { buf, sizeof buf, 0 };
        tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_READY);
        tlv_put_long(&w, QUILT_T_PID, pid);
        tlv_put_long(&w, QUILT_T_START_TIME, (long long)start);
        send_msg(&w);
    }

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = sfd };
    epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
    ev = (struct epoll_event){ .events = EPOLLIN | EPOLLRDHUP, .data.fd = SYNC_FD };
    epoll_ctl(ep, EPOLL_CTL_ADD, SYNC_FD, &ev);
    if (listener >= 0) {
        ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = listener };
        epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    }

    int code = 0, sig = 0, done = 0;
    while (!done) {
        struct epoll_event events[4];
        int k = epoll_wait(ep, events, 4, -1);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < k; i++) {
            if (events[i].data.fd == sfd) {
                struct signalfd_siginfo si;
                while (read(sfd, &si, sizeof si) == sizeof si)
                    ;
                done |= reap(pid, &code, &sig);
            } else if (events[i].data.fd == listener) {
                if ((events[i].events & (EPOLLHUP | EPOLLERR)) || pid1_signals_answer(listener, pidfd) < 0) {
                    epoll_ctl(ep, EPOLL_CTL_DEL, listener, NULL); /* no process under the filter is left */
                }
            } else {
                char drain[256];
                if (recv(SYNC_FD, drain, sizeof drain, MSG_DONTWAIT) <= 0)
                    epoll_ctl(ep, EPOLL_CTL_DEL, SYNC_FD, NULL); /* the JVM left */
            }
        }
    }
    write_exit_file(cfg.state_dir, code, sig);
    {
        uint8_t buf[128];
        struct tlv_writer w = { buf, sizeof buf, 0 };
        tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_EXIT);
        tlv_put_long(&w, QUILT_T_EXIT_CODE, code);
        tlv_put_long(&w, QUILT_T_SIGNAL, sig);
        send_msg(&w);
    }
    close(pidfd);
    config_free(&cfg);
    return 0;
}
