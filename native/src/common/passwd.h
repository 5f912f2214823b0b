/* HOME for a user that was not given one, from the passwd file of the root we
 * are in (the container's: the init runs this after pivot_root, quilt-exec
 * after joining the mount namespace), as runc does.  No allocation: the init
 * calls it after clone(). */
#ifndef QUILT_PASSWD_H
#define QUILT_PASSWD_H

#include <stddef.h>
#include <sys/types.h>

/* The home field of the first passwd(5) line of uid read from fd.  Returns 1
 * and fills home, 0 when no line has that uid (or its home is empty or longer
 * than cap), or -errno.  A line longer than 4 KiB is skipped, and nothing past
 * the first 16 MiB is read. */
int passwd_home(int fd, uid_t uid, char *home, size_t cap);

/* "HOME=<home>" into env for uid, from /etc/passwd (a regular file, reached
 * without magic links); with no entry, "/root" for uid 0 and "/" for any
 * other (runc says "/" for both; Quilt has always given root /root).
 * Returns 0, or -ENAMETOOLONG when env is too small. */
int passwd_home_env(uid_t uid, char *env, size_t cap);

/* The index of the NULL that ends envp when it holds no HOME=, else -1. */
int passwd_needs_home(char *const envp[]);

#endif
