/* See handoff.h: runc's exec hand-over of the command. */
#define _GNU_SOURCE
#include "exec/handoff.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "common/console_socket.h"
#include "common/tlv.h"

int handoff_send_pid(int sock, pid_t pid)
{
    uint8_t buf[64];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_EXEC_STARTED);
    tlv_put_long(&w, QUILT_T_PID, pid);
    ssize_t n;
    do
        n = send(sock, w.buf, w.len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : 0;
}

int handoff_send_console(int console, int master)
{
    unsigned int n;
    char name[32];
    if (ioctl(master, TIOCGPTN, &n) < 0)
        return -errno;
    snprintf(name, sizeof name, "/dev/pts/%u", n);
    return console_socket_send(console, master, name);
}

int handoff_await_exec(int ready, pid_t pid)
{
    char b;
    ssize_t n;
    do
        n = read(ready, &b, 1);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return 0; /* exec'd: the pipe's last end went with it (an error reading it is no failure of the command) */
    int status;
    pid_t got;
    do
        got = waitpid(pid, &status, 0);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        return 125;
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

void handoff_report_failure(int fd)
{
    if (fd < 0)
        return;
    char b = 1;
    ssize_t ignored = write(fd, &b, 1);
    (void)ignored;
}

int handoff_take_fds(int sock, int n, int *fds)
{
    struct ucred peer;
    socklen_t len = sizeof peer;
    if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &peer, &len) < 0)
        return -errno;
    int jvm = (int)syscall(SYS_pidfd_open, peer.pid, 0);
    if (jvm < 0)
        return -errno;
    if (getppid() != peer.pid) { /* it died and we were reparented: its fds are not ours to take */
        close(jvm);
        return -ESRCH;
    }
    for (int i = 0; i < n; i++) {
        fds[i] = (int)syscall(SYS_pidfd_getfd, jvm, 3 + i, 0);
        if (fds[i] < 0) {
            int err = errno;
            while (i-- > 0)
                close(fds[i]);
            close(jvm);
            return -err;
        }
    }
    close(jvm);
    return 0;
}

int handoff_place_fds(const int *fds, int n, int *const *others, int n_others)
{
    int top = 3 + n; /* the first fd above the preserved ones */
    for (int i = 0; i < n_others; i++) {
        if (*others[i] < 0 || *others[i] >= top)
            continue;
        int moved = fcntl(*others[i], F_DUPFD_CLOEXEC, top);
        if (moved < 0)
            return -errno;
        close(*others[i]);
        *others[i] = moved;
    }
    /* the copies may sit where others go: lift them all above first, then put each in its place */
    int lifted[n > 0 ? n : 1];
    for (int i = 0; i < n; i++) {
        lifted[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, top);
        if (lifted[i] < 0)
            return -errno;
    }
    for (int i = 0; i < n; i++) {
        if (dup2(lifted[i], 3 + i) < 0) /* dup2's copy is not close-on-exec */
            return -errno;
        close(lifted[i]);
    }
    /* every fd from top up but the others: a gap at a time */
    for (int fd = top;;) {
        int next = -1;
        for (int i = 0; i < n_others; i++)
            if (*others[i] >= fd && (next < 0 || *others[i] < next))
                next = *others[i];
        if (next < 0)
            return close_range((unsigned)fd, ~0U, 0) < 0 ? -errno : 0;
        if (next > fd && close_range((unsigned)fd, (unsigned)next - 1, 0) < 0)
            return -errno;
        fd = next + 1;
    }
}
