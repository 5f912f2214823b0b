/* Passing fds over a unix socket (SCM_RIGHTS, unix(7)): the one sender of the JVM's
 * fds to the monitor, a large message's memfd, the init's fds to the monitor, and a
 * pty master to runc's console socket; the one receiver of the monitor's preserved
 * fds (monitor/tree.c) and of the exec zygote's FORK (exec/zygote.c). */
#ifndef QUILT_FD_PASS_H
#define QUILT_FD_PASS_H

#include <stddef.h>
#include <sys/types.h>

/* The kernel's SCM_MAX_FD: the most fds one message may carry. */
#define FD_PASS_MAX 253

/* Sends the len bytes at buf (at least one: a message with fds must carry data) and
 * the n fds (1..FD_PASS_MAX) as one message on sock, MSG_NOSIGNAL, again on EINTR.
 * No allocation, so an init may call it after clone().  Returns 0 or -errno
 * (-EINVAL for a count out of range). */
int fd_pass_send(int sock, const void *buf, size_t len, const int *fds, int n);

/* Receives one message on sock: its bytes into buf (at most size) and its fds
 * (close-on-exec, MSG_CMSG_CLOEXEC) into fds[0..*got), again on EINTR.  The
 * message's length (0 with *got 0: the end of file), -EBADMSG for one cut
 * short (MSG_TRUNC, MSG_CTRUNC) or carrying more than max fds (every fd it
 * carried closed, fds[] given back as -1), or -errno.  What the bytes say is
 * the caller's to check.  No allocation: the monitor's and the exec zygote's. */
ssize_t fd_pass_receive(int sock, void *buf, size_t size, int *fds, int max, int *got);

#endif
