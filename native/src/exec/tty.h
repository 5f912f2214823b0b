/* quilt-exec -t: the command's terminal and the relay to ours. */
#ifndef QUILT_EXEC_TTY_H
#define QUILT_EXEC_TTY_H

#include <sys/types.h>

/* A pty of the devpts that /dev/ptmx names in our (the container's) mount
 * namespace, sized like our terminal if we have one.  0 or -errno. */
int tty_open_pty(int *master, int *peer);

/* The relay between our stdio and the pty until the child exits (its pidfd
 * readable); our stdin too when with_stdin, in raw mode when it is a
 * terminal (restored after).  Returns the child's wait status. */
int tty_relay(pid_t pid, int pidfd, int master, int with_stdin);

#endif
