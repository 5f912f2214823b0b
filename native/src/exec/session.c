/* quilt-exec's session mode: see session.h. */
#define _GNU_SOURCE
#include "session.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "common/tlv.h"
#include "exec/handoff.h"
#include "exec/tty.h"

static int number(const uint8_t *val, uint32_t len, unsigned long long max, unsigned long long *out)
{
    char s[24];
    if (len == 0 || len >= sizeof s)
        return -EINVAL;
    memcpy(s, val, len);
    s[len] = 0;
    unsigned long long n = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        n = n * 10 + (unsigned)(s[i] - '0');
        if (n > max)
            return -EINVAL;
    }
    *out = n;
    return 0;
}

int session_parse_control(const uint8_t *msg, size_t len, struct session_control *out)
{
    struct tlv_reader r = { .buf = msg, .len = len };
    uint16_t tag;
    const uint8_t *val;
    uint32_t vlen;
    unsigned long long type = 0, rows = 0, cols = 0, sig = 0, n;
    int rc;
    while ((rc = tlv_next(&r, &tag, &val, &vlen)) > 0) {
        unsigned long long *into = tag == QUILT_T_TYPE ? &type : tag == QUILT_T_ROWS ? &rows
                                 : tag == QUILT_T_COLS ? &cols : tag == QUILT_T_SIGNAL ? &sig : NULL;
        if (!into)
            continue; /* a newer JVM may say more */
        if (number(val, vlen, 65535, &n) < 0)
            return -EINVAL;
        *into = n;
    }
    if (rc < 0)
        return -EINVAL;
    memset(out, 0, sizeof *out);
    out->type = (int)type;
    if (type == QUILT_MSG_RESIZE && rows >= 1 && cols >= 1) {
        out->rows = (unsigned)rows;
        out->cols = (unsigned)cols;
        return 0;
    }
    if (type == QUILT_MSG_SIGNAL && sig >= 1 && sig <= 64) {
        out->signal = (int)sig;
        return 0;
    }
    return -EINVAL;
}

int session_is_fds(const uint8_t *msg, size_t len)
{
    struct tlv_reader r = { .buf = msg, .len = len };
    uint16_t tag;
    const uint8_t *val;
    uint32_t vlen;
    unsigned long long type = 0;
    while (tlv_next(&r, &tag, &val, &vlen) > 0)
        if (tag == QUILT_T_TYPE)
            return number(val, vlen, 65535, &type) == 0 && type == QUILT_MSG_FDS;
    return 0;
}

int session_size(int master, unsigned rows, unsigned cols)
{
    if (!rows || !cols)
        return 0;
    struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
    return ioctl(master, TIOCSWINSZ, &ws) < 0 ? -errno : 0;
}

/* The command's process group, or the command alone while it has none yet. */
static void signal_group(pid_t pid, int sig)
{
    if (kill(-pid, sig) < 0)
        kill(pid, sig);
}

static void add(int ep, int fd)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Writes all of buf to fd; -1 once the reader has gone (EPIPE): then output is dropped, the command goes on. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static void send_result(int sync, int status, int timed_out)
{
    uint8_t buf[256];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_RESULT);
    tlv_put_long(&w, QUILT_T_EXIT_CODE, WIFEXITED(status) ? WEXITSTATUS(status) : 0);
    tlv_put_long(&w, QUILT_T_SIGNAL, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    tlv_put_long(&w, QUILT_T_TIMED_OUT, timed_out);
    ssize_t ignored = send(sync, w.buf, w.len, MSG_NOSIGNAL);
    (void)ignored;
}

/* The JVM's own ends of the command's output, which it sent us (FDS) to hold: n of them. */
struct readers {
    int fd[SESSION_READERS_MAX];
    int n;
};

/* Takes the fds of an FDS message into r (closed when they are more than we hold, or came with another message):
 * 1 when the message was FDS. */
static int take_readers(const uint8_t *buf, ssize_t n, struct msghdr *m, struct readers *r)
{
    int is_fds = session_is_fds(buf, (size_t)n);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
            if (is_fds && r->n < SESSION_READERS_MAX)
                r->fd[r->n++] = fd;
            else
                close(fd);
        }
    }
    return is_fds;
}

/* From the JVM: RESIZE, SIGNAL, or the FDS of its output ends.  At its end of file (it let go, died, or was
 * stopped past its grace) the command goes on and nobody hears its end but the record; from then on we read
 * and drop what the command writes to the ends we hold, so its writes still find a reader (dockerd's shim holds
 * its execs' pipes likewise): no EPIPE, no SIGPIPE ending a shell with 141. */
static void control(const struct session *s, int ep, struct readers *r)
{
    uint8_t buf[512];
    char cbuf[CMSG_SPACE(SESSION_READERS_MAX * sizeof(int))];
    struct iovec iov = { .iov_base = buf, .iov_len = sizeof buf };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    ssize_t n = recvmsg(s->sync, &m, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR)
        return;
    if (n <= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, s->sync, NULL);
        for (int i = 0; i < r->n; i++)
            add(ep, r->fd[i]);
        return;
    }
    if (take_readers(buf, n, &m, r))
        return;
    struct session_control c;
    if (session_parse_control(buf, (size_t)n, &c) < 0)
        return; /* not ours to act on; the JVM sends only whole ones */
    if (c.type == QUILT_MSG_RESIZE && s->master >= 0)
        session_size(s->master, c.rows, c.cols);
    else if (c.type == QUILT_MSG_SIGNAL)
        signal_group(s->pid, c.signal);
}

int session_run(const struct session *s)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int timer = s->timeout_ms ? timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC) : -1;
    struct itimerspec when = { .it_value = { .tv_sec = (time_t)(s->timeout_ms / 1000),
                                             .tv_nsec = (long)(s->timeout_ms % 1000) * 1000000L } };
    if (ep < 0 || (s->timeout_ms && (timer < 0 || timerfd_settime(timer, 0, &when, NULL) < 0))) {
        signal_group(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        return 125;
    }
    /* a caller's terminal as our stdin (the fast CLI's): raw for the session, as the classic relay has it
     * (tty.c), and given back before RESULT, so it is the caller's again when the JVM says the command ended */
    struct termios saved;
    int input_ended = 0;
    int raw = s->master >= 0 && s->with_stdin && tty_raw_begin(s->master, &saved, &input_ended);
    add(ep, s->ready);
    add(ep, s->pidfd);
    add(ep, s->sync);
    if (timer >= 0)
        add(ep, timer);
    if (s->master >= 0)
        add(ep, s->master);
    if (s->master >= 0 && s->with_stdin && !input_ended)
        add(ep, 0);
    char buf[8192];
    int status = 0, exited = 0, failed = 0, timed_out = 0, out_gone = 0;
    struct readers held = { .n = 0 };
    while (!exited) {
        struct epoll_event ev[8];
        int k = epoll_wait(ep, ev, 8, -1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            break;
        /* the execve before anything else it did: EXEC_STARTED comes first */
        int child_ended = 0;
        for (int i = 0; i < k; i++) {
            if (ev[i].data.fd != s->ready)
                continue;
            char b;
            ssize_t n = read(s->ready, &b, 1);
            if (n < 0 && errno == EINTR)
                continue;
            if (n > 0)
                failed = 1; /* it told the JVM FAIL itself */
            else if (handoff_send_pid(s->sync, s->pid) < 0)
                signal_group(s->pid, SIGKILL); /* the JVM is gone before it knew: nothing runs unrecorded */
            epoll_ctl(ep, EPOLL_CTL_DEL, s->ready, NULL);
        }
        for (int i = 0; i < k; i++) {
            int fd = ev[i].data.fd;
            ssize_t n;
            if (fd == s->ready) {
                continue;
            } else if (fd == s->sync) {
                control(s, ep, &held);
            } else if (fd == timer) {
                timed_out = 1;
                signal_group(s->pid, SIGKILL);
                epoll_ctl(ep, EPOLL_CTL_DEL, timer, NULL);
            } else if (fd == s->master) {
                n = read(s->master, buf, sizeof buf);
                if (n > 0 && !out_gone)
                    out_gone = write_all(1, buf, (size_t)n) < 0;
                else if (n == 0 || (n < 0 && errno != EINTR)) /* EIO: no one holds the other side */
                    epoll_ctl(ep, EPOLL_CTL_DEL, s->master, NULL);
            } else if (fd == 0) {
                n = read(0, buf, sizeof buf);
                if (n > 0) {
                    write_all(s->master, buf, (size_t)n);
                } else if (n == 0 || errno != EINTR) {
                    /* the caller's end of input: the terminal's end-of-file character, ^D at a line's start */
                    tty_send_eof(s->master);
                    epoll_ctl(ep, EPOLL_CTL_DEL, 0, NULL);
                }
            } else if (fd == s->pidfd) {
                child_ended = 1;
            } else { /* an output end we hold, the JVM gone: read and dropped */
                n = read(fd, buf, sizeof buf);
                if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
                    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
            }
        }
        if (child_ended) {
            int got;
            do
                got = waitpid(s->pid, &status, 0);
            while (got < 0 && errno == EINTR);
            exited = 1;
        }
    }
    if (s->master >= 0) { /* what it wrote before it ended; a child of its own may keep the pty: no waiting */
        fcntl(s->master, F_SETFL, O_NONBLOCK);
        ssize_t n;
        while ((n = read(s->master, buf, sizeof buf)) > 0 && !out_gone)
            out_gone = write_all(1, buf, (size_t)n) < 0;
    }
    for (int i = 0; i < held.n; i++)
        close(held.fd[i]);
    if (raw)
        tty_raw_end(&saved);
    /* to the JVM first, then on disk: the server keeps the code it heard in memory and writes the same
     * record itself, so the record's fsyncs stay off the exec's reply; a server that dies after RESULT
     * still finds the record, which we write whether or not anyone listens */
    if (!failed)
        send_result(s->sync, status, timed_out);
    if (!failed && exited && s->record)
        exit_record_write(s->record, status, timed_out);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
