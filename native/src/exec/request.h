/* quilt-exec's request (exec/main.c): the EXEC message the JVM sends on fd 3,
 * read into one struct exec_config before anything is done with it. */
#ifndef QUILT_EXEC_REQUEST_H
#define QUILT_EXEC_REQUEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/confine.h"
#include "monitor/config.h"

#define MAX_CGROUPS CONFIG_MAX_CGROUPS

struct exec_config {
    pid_t pid;
    unsigned long long start_time;
    int proc_dir; /* O_PATH of the init's /proc/<pid> in the host's procfs, taken before setns */
    unsigned long ns_flags;
    uid_t uid;
    gid_t gid;
    const char *cwd;
    const char *cgroup_v2;
    const char *cgroup_v1[MAX_CGROUPS];
    int n_cgroup_v1;
    int stdin_null;
    char **argv, **envp;
    const char *probe_path;  /* exec this (sealed copy) instead of searching argv[0] */
    int probe_fd;
    size_t capture;          /* > 0: keep this much output and answer with RESULT */
    unsigned long long timeout_ms;
    int tty;                 /* the command's stdio is a pty we relay */
    int detach;              /* exit once the command has exec'd (runc exec --detach) */
    int want_pid;            /* send EXEC_STARTED with the command's pid */
    const char *console_socket; /* with tty: the pty master goes here, not relayed */
    const char *exit_record; /* session: the host path quilt-exec writes the command's end to (exit_record.h) */
    int session;             /* stay: EXEC_STARTED, RESIZE/SIGNAL, a deadline for the group, RESULT (session.h) */
    unsigned rows, cols;     /* with tty: the pty's first size (0: ours, if we have a terminal) */
    int ready[2];            /* detach, session: close-on-exec pipe, the command holds the write end */
    int n_preserve;          /* --preserve-fds: the caller's fds 3..3+n-1 go to the command as they are */
    int *preserved;          /* their copies, taken from the JVM (exec/handoff.h) */
    struct confine confine;  /* capabilities, no_new_privs, seccomp, rlimits, groups, keyring... */
};

/* Parses the EXEC message in place: every string is NUL-terminated in strings
 * (room for every value and its NUL: twice the message's length will do),
 * argv and envp allocated (envp with a spare slot for HOME).  0, or -EINVAL,
 * -E2BIG, -ENOMEM with *what naming the field; the combinations a request
 * may not ask for (a capture without a deadline, a session that detaches...)
 * are -EINVAL too. */
int exec_parse(struct exec_config *c, uint8_t *msg, size_t len, char *strings, const char **what);

#endif
