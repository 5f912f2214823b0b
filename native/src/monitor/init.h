/* The container's first process, between clone() and execve(). */
#ifndef QUILT_INIT_H
#define QUILT_INIT_H

#include "config.h"

/* What the child sends the monitor over their SOCK_SEQPACKET pair before it
 * execs.  The child's end is O_CLOEXEC, so a successful execve() reads as end
 * of file; a failure arrives as INIT_MSG_FAILURE first. */
enum init_msg_kind {
    INIT_MSG_FAILURE = 1,
    INIT_MSG_LISTENER = 2, /* carries the seccomp listener fd (SCM_RIGHTS) */
    INIT_MSG_WAITING = 3,  /* set up; now blocked on the exec fifo until start */
    INIT_MSG_GO = 4,       /* monitor -> init: the network is configured; go on */
    INIT_MSG_SIGNALED = 5, /* a signal (err) ended it at the exec fifo; it exits 128+n */
    INIT_MSG_MAPPED = 6,   /* monitor -> init: uid/gid maps written; carries the idmapped layer (SCM_RIGHTS) */
    INIT_MSG_HOOKS = 7,    /* init -> monitor: stopped before pivot_root; run prestart, createRuntime, createContainer */
    INIT_MSG_HOOKS_DONE = 8, /* monitor -> init: they ran; go on */
};

struct init_failure {
    int kind;
    int step;
    int err;
    char object[512];
};

/* Sends one message of `kind` carrying `fd` (SCM_RIGHTS) on the init's socket: the
 * seccomp listener to the monitor, the idmapped layer to the init.  0 or -errno. */
int init_send_fd(int sock, int kind, int fd);

/* Runs in the child: builds the root, drops into it, execs the command.
 * Never returns; on failure it sends one init_failure on errfd and exits. */
_Noreturn void container_init(const struct container_config *cfg, int errfd);

#endif
