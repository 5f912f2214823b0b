/* quilt-exec waiting for its command (exec/main.c): its wait status, the exit
 * code that says it, and the CAPTURE mode of the readiness chain and health
 * checks, which keeps the command's output and answers with RESULT. */
#ifndef QUILT_EXEC_CAPTURE_H
#define QUILT_EXEC_CAPTURE_H

#include <sys/types.h>

#include "exec/request.h"

/* The child's wait status, once it has exited (-1 if it cannot be had). */
int exec_await(pid_t pid);

/* The exit code that says a wait status: its code, or 128+n for signal n. */
int exec_status_code(int status);

/* CAPTURE: waits for the child on its pidfd, its output on the pipe out (the
 * first c->capture bytes kept) and the deadline (c->timeout_ms) on a timerfd,
 * which kills it, then answers with RESULT on sync.  Returns our exit code, or
 * -errno when the wait could not be set up (the child is killed and reaped;
 * the caller says FAIL). */
int exec_capture(const struct exec_config *c, int sync, pid_t pid, int pidfd, int out);

#endif
