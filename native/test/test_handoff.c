/* exec/handoff.c without root: the pid message, the console socket's fd and
 * the detached exec's wait for its command's execve. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "common/tlv.h"
#include "exec/handoff.h"
#include "tap.h"

/* One fd received with SCM_RIGHTS on s, its message's bytes in name. */
static int receive_fd(int s, char *name, size_t size)
{
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = name, .iov_len = size - 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                          .msg_controllen = sizeof control };
    ssize_t n = recvmsg(s, &msg, MSG_CMSG_CLOEXEC);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (n < 0 || !c || c->cmsg_type != SCM_RIGHTS)
        return -1;
    name[n] = 0;
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof fd);
    return fd;
}

static void pid_message(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
    ok(handoff_send_pid(sv[0], 4242) == 0, "EXEC_STARTED is sent");
    uint8_t buf[256];
    ssize_t n = recv(sv[1], buf, sizeof buf, 0);
    struct tlv_reader r = { .buf = buf, .len = n > 0 ? (size_t)n : 0 };
    uint16_t tag;
    const uint8_t *val;
    uint32_t len;
    char type[16] = "", pid[16] = "";
    while (tlv_next(&r, &tag, &val, &len) > 0 && len < sizeof type) {
        if (tag == QUILT_T_TYPE)
            memcpy(type, val, len);
        if (tag == QUILT_T_PID)
            memcpy(pid, val, len);
    }
    ok(atoi(type) == QUILT_MSG_EXEC_STARTED, "its type is EXEC_STARTED (%s)", type);
    ok(strcmp(pid, "4242") == 0, "it holds the pid (%s)", pid);
    close(sv[0]);
    close(sv[1]);
}

static void console(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || unlockpt(master) < 0) {
        ok(0, "a pty from /dev/ptmx");
        return;
    }
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
    ok(handoff_send_console(sv[0], master) == 0, "the master is sent");
    char name[64];
    int got = receive_fd(sv[1], name, sizeof name);
    struct stat a, b;
    ok(got >= 0 && fstat(got, &a) == 0 && fstat(master, &b) == 0 && a.st_rdev == b.st_rdev && a.st_ino == b.st_ino,
       "the fd received is the master");
    ok(strcmp(name, ptsname(master)) == 0, "named by its peer's path (%s)", name);
    ok(handoff_send_console(sv[0], sv[1]) == -ENOTTY, "a socket is no pty: -ENOTTY");
    close(got);
    close(master);
    close(sv[0]);
    close(sv[1]);
}

/* A child that execs (or fails as a command does: a byte, then its exit) with
 * the write end of a close-on-exec pipe, as quilt-exec's detached command. */
static int detached(int fails)
{
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(ready[0]);
        if (fails) {
            handoff_report_failure(ready[1]);
            _exit(127);
        }
        execl("/bin/true", "true", (char *)NULL);
        _exit(126);
    }
    close(ready[1]);
    int rc = handoff_await_exec(ready[0], pid);
    close(ready[0]);
    if (rc == 0)
        waitpid(pid, NULL, 0); /* the subreaper's part, in this test */
    return rc;
}

static int link_is(int fd, const char *want)
{
    char path[32], got[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, got, sizeof got - 1);
    if (n < 0)
        return 0;
    got[n] = 0;
    return strncmp(got, want, strlen(want)) == 0;
}

static int count_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 1024; fd++)
        n += fcntl(fd, F_GETFD) >= 0;
    return n;
}

/* --preserve-fds 2 in the command: our socket on fd 3 (as quilt-exec's) and
 * the copies somewhere; afterwards the copies are 3 and 4, inherited by exec,
 * the socket above them, and nothing else is open.  Run last: it closes fds. */
static void place(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
    int sock = 3;
    dup3(sv[0], sock, O_CLOEXEC);
    int zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fds[] = { zero, null };
    int none = -1;
    int *others[] = { &sock, &none };
    ok(handoff_place_fds(fds, 2, others, 2) == 0, "placed");
    ok(link_is(3, "/dev/zero") && link_is(4, "/dev/null"), "the caller's fds at 3 and 4, in order");
    ok(fcntl(3, F_GETFD) == 0 && fcntl(4, F_GETFD) == 0, "not close-on-exec: execve passes them on");
    ok(sock >= 5 && link_is(sock, "socket:") && (fcntl(sock, F_GETFD) & FD_CLOEXEC), "the socket moved above them, "
       "still close-on-exec (%d)", sock);
    ok(none == -1, "an absent other stays absent");
    ok(count_fds() == 6, "stdio, the two and the socket: nothing else (%d open)", count_fds());
}

int main(void)
{
    pid_message();
    console();
    ok(detached(0) == 0, "an exec'd command is left running: 0");
    ok(detached(1) == 127, "a command that failed before execve is reaped here, its code returned");
    place();
    return tap_done();
}
