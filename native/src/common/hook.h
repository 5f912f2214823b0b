/* One OCI hook (config.md "POSIX-platform Hooks"; runc's libcontainer/configs
 * Command.Run): its path executed with exactly its args and env, the
 * container's state JSON (runtime.md "State") written to its stdin, its stdout
 * and stderr kept for the error line, and SIGKILL at its timeout.
 *
 * Used by the monitor (prestart, createRuntime, createContainer), the init
 * (startContainer) and the JVM through JNI (poststart, poststop): it never
 * forks the caller's memory (clone(CLONE_VM|CLONE_VFORK), as posix_spawn does)
 * and allocates nothing, so it may run in the init after clone(). */
#ifndef QUILT_HOOK_H
#define QUILT_HOOK_H

#include <stddef.h>

#define HOOK_OUTPUT_MAX 512

struct hook_spec {
    const char *path;   /* absolute; resolved where the hook runs (setns below) */
    char *const *argv;  /* NULL-terminated, argv[0] included; empty: { path } (Go's exec.Cmd) */
    char *const *envp;  /* NULL-terminated: exactly the hook's env, nothing of ours */
    long timeout_ms;    /* > 0: killed (SIGKILL) this long after it started; 0: no deadline */
};

/* Where the hook runs: namespaces of a process to join first (setns(2) with a
 * pidfd; 0 flags: the caller's), then its cwd (runc's is the bundle, or the
 * init's own, the rootfs, for createContainer). */
struct hook_where {
    const char *cwd;    /* NULL: the caller's (or cwd_fd's) */
    int cwd_fd;         /* >= 0: fchdir to this directory after joining (the init's /proc/PID/cwd) */
    int ns_pidfd;       /* -1: none */
    int ns_flags;       /* CLONE_NEW* bits to join through ns_pidfd */
};

struct hook_result {
    int exec_err;   /* the hook never ran: errno of setns, chdir or execve; else 0 */
    int code;       /* its exit status when it exited */
    int sig;        /* the signal that ended it, else 0 */
    int timed_out;  /* 1: killed at its deadline */
    size_t out_len;
    char out[HOOK_OUTPUT_MAX]; /* the first bytes of its stdout and stderr, interleaved */
};

/* Runs one hook to its end.  A hook that exits without reading its stdin is no
 * error (EPIPE ignored; SIGPIPE is held off in the calling thread and consumed).
 * Waits with epoll on its stdin, its output, its pidfd and a timerfd (the
 * deadline); reaps it.  Returns 0 with *r filled, or -errno when it could not
 * be started (pipe2, clone, epoll, timerfd). */
int hook_run(const struct hook_spec *h, const char *state, size_t state_len, const struct hook_where *w,
             struct hook_result *r);

/* Whether it ran, exited 0 and was not killed. */
int hook_ok(const struct hook_result *r);

/* One line saying how hook #index of phase (createRuntime...) failed, after
 * runc's "error running createRuntime hook #0: ...": its path, then "exit status
 * 3", "killed by signal KILL", "ran past its timeout of 2s" or "exec: <errno
 * text>", then ": " and its output with newlines as spaces.  Returns the length
 * written (cut to cap - 1). */
size_t hook_describe(const char *phase, int index, const struct hook_spec *h, const struct hook_result *r, char *buf,
                     size_t cap);

#endif
