/* Signal state as a fresh process has it: every disposition SIG_DFL, nothing
 * blocked.  What runc does before it execs a container's process. */
#ifndef QUILT_SIGNALS_H
#define QUILT_SIGNALS_H

/* Resets every signal 1.._NSIG-1 but SIGKILL and SIGSTOP to SIG_DFL and
 * clears the mask.  Raw syscalls: glibc refuses to touch its two internal
 * signals (32 and 33), and its posix_spawn leaves them ignored in the child,
 * where an ignored signal survives every execve that follows.  Returns 0 or
 * the first -errno. */
int signals_reset(void);

#endif
