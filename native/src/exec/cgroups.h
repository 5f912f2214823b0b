/* The exec'd command's cgroups (quilt-exec, exec/main.c): the command joins
 * every cgroup of the container itself, in its child between clone3 and
 * execve, and quilt-exec joins none.  So quilt-exec is never charged to the
 * container (its pids.max, its memory) and an exec can fork as many processes
 * as runc's exec allows, where runc puts only the command in the container's
 * cgroups; the command is in every hierarchy before it runs anything of the
 * image, and a join that fails is an exec error with nothing run.
 *
 * On the host, before setns (the paths are the host's cgroupfs): each v1
 * dir's tasks file is opened for writing; the first cgroup2 dir (no tasks
 * file: a hybrid host's unified tree, or a v2 host's only one) is opened for
 * clone3(CLONE_INTO_CGROUP), which takes cgroup_threadgroup_rwsem for reading
 * only; a second cgroup2 dir gets its cgroup.procs opened.  In the command
 * child (single-threaded) "0" goes into each: the calling thread moves itself,
 * which skips the global rwsem's write side and its RCU grace period
 * (monitor/cgroup.h, cgroup_open_tasks; docs/BENCHMARKS.md §10).
 * The kernel checks a v1 write against the opener's credentials (since 5.16):
 * the host root's, whatever user namespace the command has joined.
 *
 * A zygote (exec/zygote.h) opens them once for every exec it forks. */
#ifndef QUILT_EXEC_CGROUPS_H
#define QUILT_EXEC_CGROUPS_H

#include "monitor/config.h"

struct exec_cgroups {
    int n;                         /* how many v1 dirs */
    int fd[CONFIG_MAX_CGROUPS];    /* per v1 dir: open for writing "0", or -1 (the clone's cgroup2 dir) */
    int v2_fd;                     /* the cgroup2 dir for CLONE_INTO_CGROUP, or -1 */
};

/* Nothing open: n 0, every fd -1. */
void exec_cgroups_init(struct exec_cgroups *g);

/* Opens (close-on-exec) what the command will write: v2, if not NULL, as the
 * clone's dir; dirs[0..n) as above.  0, or -errno with *object naming the
 * dir (-E2BIG past CONFIG_MAX_CGROUPS); on failure nothing stays open. */
int exec_cgroups_open(struct exec_cgroups *g, const char *v2, const char *const dirs[], int n,
                      const char **object);

/* In the command child, before anything of the image: "0" into each fd[i]
 * (each closed after).  0, or -errno with *object the failing dirs[i]. */
int exec_cgroups_enter(const struct exec_cgroups *g, const char *const dirs[], const char **object);

/* Closes every fd and leaves g as exec_cgroups_init does. */
void exec_cgroups_close(struct exec_cgroups *g);

#endif
