/* The container's first process, between clone() and execve(). */
#ifndef QUILT_INIT_H
#define QUILT_INIT_H

#include "config.h"

/* What the child writes to the error pipe when a step fails; the pipe is
 * O_CLOEXEC, so a successful execve() reads as end of file. */
struct init_failure {
    int step;
    int err;
    char object[512];
};

/* Runs in the child: builds the root, drops into it, execs the command.
 * Never returns; on failure it writes one init_failure to errfd and exits. */
_Noreturn void container_init(const struct container_config *cfg, int errfd);

#endif
