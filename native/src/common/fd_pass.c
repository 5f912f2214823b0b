#define _GNU_SOURCE
#include "fd_pass.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int fd_pass_send(int sock, const void *buf, size_t len, const int *fds, int n)
{
    if (n < 1 || n > FD_PASS_MAX || len == 0)
        return -EINVAL;
    union {
        char space[CMSG_SPACE(sizeof(int) * FD_PASS_MAX)];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space,
                          .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n) };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
    ssize_t k;
    do
        k = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (k < 0 && errno == EINTR);
    return k < 0 ? -errno : 0;
}
