/* Passing fds over a unix socket (SCM_RIGHTS, unix(7)): the one sender of the JVM's
 * fds to the monitor, a large message's memfd, the init's fds to the monitor, and a
 * pty master to runc's console socket. */
#ifndef QUILT_FD_PASS_H
#define QUILT_FD_PASS_H

#include <stddef.h>

/* The kernel's SCM_MAX_FD: the most fds one message may carry. */
#define FD_PASS_MAX 253

/* Sends the len bytes at buf (at least one: a message with fds must carry data) and
 * the n fds (1..FD_PASS_MAX) as one message on sock, MSG_NOSIGNAL, again on EINTR.
 * No allocation, so an init may call it after clone().  Returns 0 or -errno
 * (-EINVAL for a count out of range). */
int fd_pass_send(int sock, const void *buf, size_t len, const int *fds, int n);

#endif
