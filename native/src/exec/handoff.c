/* See handoff.h: runc's exec hand-over of the command. */
#define _GNU_SOURCE
#include "exec/handoff.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
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
