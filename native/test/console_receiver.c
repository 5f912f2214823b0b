/* Test helper (not shipped): the caller's side of runc's console socket, as conmon
 * and containerd's shim hold it (runc's docs/terminals.md).
 *
 *   console_receiver PATH
 *
 * Listens on PATH and prints "listening" once it can be connected to; takes one
 * connection and the pty master it carries (SCM_RIGHTS) with its name, printed as
 * "name NAME"; types "tty" into the terminal and reads until the answer names a
 * /dev/pts/ line; types "exit 7"; reads to the end (EIO once the last holder of the
 * terminal's peer has gone), then prints "output " and all it read, carriage
 * returns dropped.  Every wait is a blocking call on an event; exits 1 on failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char seen[65536];
static size_t used;

static int fail(const char *what)
{
    printf("error %s: %s\n", what, strerror(errno));
    return 1;
}

/* Reads what the terminal says; 0 at its end, 1 when more came, -1 on an error. */
static int take(int master)
{
    if (used == sizeof seen - 1)
        return 0;
    ssize_t n = read(master, seen + used, sizeof seen - 1 - used);
    if (n < 0 && errno == EINTR)
        return 1;
    if (n < 0)
        return errno == EIO ? 0 : -1;
    if (n == 0)
        return 0;
    used += (size_t)n;
    seen[used] = 0;
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: console_receiver PATH\n");
        return 2;
    }
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", argv[1]);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s, 1) < 0)
        return fail("listen");
    printf("listening\n");
    fflush(stdout);
    int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        return fail("accept");
    char name[256] = "";
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = name, .iov_len = sizeof name - 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                          .msg_controllen = sizeof control };
    ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (n <= 0 || !cm || cm->cmsg_type != SCM_RIGHTS)
        return fail("recvmsg");
    int master;
    memcpy(&master, CMSG_DATA(cm), sizeof master);
    printf("name %s\n", name);
    fflush(stdout);
    if (write(master, "tty\n", 4) != 4)
        return fail("write");
    int rc;
    char *answer = NULL;
    while (!(answer = strstr(seen, "\n/dev/pts/")) || !strchr(answer + 1, '\n'))
        if ((rc = take(master)) <= 0)
            return rc < 0 ? fail("read") : (printf("output %s\n", seen), 1);
    if (write(master, "exit 7\n", 7) != 7)
        return fail("write");
    while ((rc = take(master)) > 0)
        ;
    if (rc < 0)
        return fail("read");
    size_t k = 0;
    for (size_t i = 0; i < used; i++)
        if (seen[i] != '\r')
            seen[k++] = seen[i];
    seen[k] = 0;
    printf("output %s\n", seen);
    return 0;
}
