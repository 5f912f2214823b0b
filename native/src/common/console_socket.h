/* runc's console socket: the caller (conmon, containerd's shim) listens on an
 * AF_UNIX stream socket and receives the pty master of a container's process
 * with SCM_RIGHTS (runc create/exec --console-socket; runc's docs/terminals.md). */
#ifndef QUILT_CONSOLE_SOCKET_H
#define QUILT_CONSOLE_SOCKET_H

/* Connects to the socket at path (SOCK_CLOEXEC).  Returns the fd or -errno
 * (-ENAMETOOLONG for a path that does not fit sockaddr_un). */
int console_socket_connect(const char *path);

/* Sends fd over the connected socket sock as SCM_RIGHTS, with name (the pty's
 * path, as runc sends it) as the message's bytes.  Returns 0 or -errno. */
int console_socket_send(int sock, int fd, const char *name);

#endif
