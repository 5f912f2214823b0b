/* runc's process tree (quilt-runc create; ProcessSpawner.Mode.HANDED_OFF).
 *
 * conmon and containerd's shim are child subreapers: they run `RUNTIME create
 * --pid-file P`, read the init's pid from P and learn its exit only by reaping it.
 * So a handed-off init is not our child: it is cloned with CLONE_PARENT, which
 * makes it our parent's child.  We forked once to be nobody's child, so our
 * parent is our caller's nearest child subreaper (or pid 1 without one), which
 * adopted us, as with runc, whose `create` exits and leaves the init to it.
 * clone(2) refuses CLONE_PARENT with CLONE_NEWPID (and CLONE_NEWUSER), so the
 * monitor unshares the pid namespace for its children first: the init is still
 * pid 1 of a namespace of its own.  We stay beside it, not above it, for what we
 * still do (pid 1's SIGKILLs, OOM kills), watch its pidfd (readable at its exit,
 * also for a process that is not ours) and leave then; its exit code is its
 * reaper's, so we record none.
 *
 * Its stdio is the caller's (fifos or pipes from the shim, pipes from conmon),
 * or, with process.terminal, a pty of its own devpts whose master goes to the
 * console socket (runc's docs/terminals.md).  --preserve-fds N passes the
 * caller's fds 3..3+N-1 on as the process's own 3..3+N-1 (runc create --help).
 * The monitor keeps no copy of any of them: conmon waits for the end of file. */
#ifndef QUILT_TREE_H
#define QUILT_TREE_H

#include <sys/types.h>

#include "config.h"
#include "rootfs.h"

/* Monitor, right after CONFIG: the FDS message of cfg->preserve_fds fds (SCM_RIGHTS)
 * into cfg->preserved.  0, or -EBADMSG when it is not one holding exactly that many. */
int tree_receive_fds(int sock, struct container_config *cfg);

/* Monitor, before the clone, in the host's mount namespace: connects the console
 * socket (cfg->console_fd).  0 or -errno, *object naming what failed. */
int tree_prepare(struct container_config *cfg, const char **object);

/* Moves *fd to the lowest free number >= base (O_CLOEXEC) when it is below base
 * and open, so that dup2 onto 3..base-1 cannot hit it.  0 or -errno. */
int tree_lift_fd(int *fd, int base);

/* Monitor, before the clone: every fd the init keeps (errfd, the exec fifo, the init's
 * memfd, the console socket, the preserved fds) lifted above 3+preserve_fds.  0 or -errno. */
int tree_lift_fds(struct container_config *cfg, int *errfd);

/* Monitor: clone3 of the init into its namespaces, with its pidfd; a handed-off init as
 * our parent's child (the pid namespace unshared first).  Its pid (0 in it) or -1 with
 * errno; *step is the step to report. */
pid_t tree_clone_init(const struct container_config *cfg, int *pidfd, int cgroup_fd, int *step);

/* Monitor, after the clone: drops the preserved fds and the console socket. */
void tree_close_fds(struct container_config *cfg);

/* Monitor: stdio becomes /dev/null, so no pipe of the caller is held open by us.  0 or -errno. */
int tree_drop_caller_stdio(void);

/* Init, in its root (devpts mounted): opens a pty of its devpts, sends the master to the
 * console socket, makes the peer its controlling terminal and stdio.  0 or -errno. */
int tree_console(const struct container_config *cfg, struct step_error *e);

/* Init, last before the fds are closed: the preserved fds become 3..3+N-1.  0 or -errno. */
int tree_place_fds(const struct container_config *cfg, struct step_error *e);

#endif
