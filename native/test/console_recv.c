/* Test helper: the receiving end of runc's --console-socket, as conmon and
 * containerd's shim hold it.
 *
 *   console_recv SOCKET INPUT [MARKER LAST]
 *
 * Listens on the AF_UNIX stream socket SOCKET and prints "listening"; accepts
 * one connection and receives one fd with SCM_RIGHTS and its name, printing
 * "got NAME"; writes INPUT and a newline to it (the pty master: the command
 * reads them as typed), then copies what comes out of it to stdout until it
 * reports the end (EIO once the last holder of the peer has closed it).  With
 * MARKER, LAST and a newline are written once the output holds MARKER: a
 * command that waits for that line has surely had its output read, which the
 * hang-up at its exit would otherwise race (it flushes what the master has
 * not taken in yet). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: console_recv SOCKET INPUT [MARKER LAST]\n");
        return 2;
    }
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(argv[1]) >= sizeof addr.sun_path) {
        fprintf(stderr, "socket path too long\n");
        return 2;
    }
    strcpy(addr.sun_path, argv[1]);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(s, 1) < 0) {
        perror("listen");
        return 1;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("listening\n");
    int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0) {
        perror("accept");
        return 1;
    }
    char name[256] = { 0 };
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = name, .iov_len = sizeof name - 1 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                          .msg_controllen = sizeof control };
    ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (n < 0 || !cm || cm->cmsg_type != SCM_RIGHTS) {
        fprintf(stderr, "no fd received\n");
        return 1;
    }
    int master;
    memcpy(&master, CMSG_DATA(cm), sizeof master);
    close(c);
    close(s);
    printf("got %s\n", name);
    if (write(master, argv[2], strlen(argv[2])) < 0 || write(master, "\n", 1) < 0) {
        perror("write");
        return 1;
    }
    static char seen[65536];
    size_t len = 0;
    int marked = argc != 5;
    char buf[4096];
    for (;;) {
        ssize_t r = read(master, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        fwrite(buf, 1, (size_t)r, stdout);
        if (marked)
            continue;
        size_t take = (size_t)r < sizeof seen - 1 - len ? (size_t)r : sizeof seen - 1 - len;
        memcpy(seen + len, buf, take);
        len += take;
        seen[len] = 0;
        if (strstr(seen, argv[3])) {
            marked = 1;
            if (write(master, argv[4], strlen(argv[4])) < 0 || write(master, "\n", 1) < 0) {
                perror("write");
                return 1;
            }
        }
    }
    return 0;
}
