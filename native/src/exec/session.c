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

static void control(const struct session *s, int ep)
{
    uint8_t buf[512];
    ssize_t n = recv(s->sync, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR)
        return;
    if (n <= 0) { /* the JVM let go: the command goes on, and nobody hears its end */
        epoll_ctl(ep, EPOLL_CTL_DEL, s->sync, NULL);
        return;
    }
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
                control(s, ep);
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
