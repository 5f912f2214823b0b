/* The init's cgroup: joined before it runs anything of the image's, and
 * watched for OOM kills by event (v1: eventfd on memory.oom_control; v2:
 * inotify on memory.events). */
#ifndef QUILT_MONITOR_CGROUP_H
#define QUILT_MONITOR_CGROUP_H

#include <sys/types.h>

#include "config.h"

/* A v2 cgroup dir as an fd for clone3's CLONE_INTO_CGROUP; -errno. */
int cgroup_open_v2(const char *dir);

/* Writes pid into the cgroup.procs of each of n dirs; on failure *object names the dir.  -errno. */
int cgroup_join(const char *const dirs[], int n, pid_t pid, const char **object);

#define CGROUP_BY_PID (-1)
#define CGROUP_BY_CLONE (-2)

/* Before the init is cloned: for each of n v1 dirs, its tasks file opened for
 * writing into tasks[i] (close-on-exec), for the init to move itself
 * (cgroup_enter_tasks) without the cost of moving a process: "0" (the calling
 * thread, so the whole single-threaded process) into v1's tasks file.
 * cgroup.procs takes the global cgroup_threadgroup_rwsem for writing, whose
 * percpu_down_write waits for an RCU grace period (5-11 ms measured here,
 * kernel 6.18) unless a write came just before; the kernel skips that lock
 * when a thread moves itself (kernel/cgroup/cgroup.c,
 * cgroup_procs_write_start: threadgroup_locked = pid || threadgroup).
 * clone3(CLONE_INTO_CGROUP) takes that lock only for reading.  A cgroup2 dir (no tasks file) becomes *v2_fd (if still
 * -1) for CLONE_INTO_CGROUP, tasks[i] = CGROUP_BY_CLONE; a second one
 * CGROUP_BY_PID.  The kernel checks a cgroup v1 write against the opener's
 * credentials (since 5.16), which a user namespace's init does not share on
 * older kernels: with one, call nothing here and join by pid.  -errno, with
 * *object naming the dir; the fds opened are closed then. */
int cgroup_open_tasks(const char *const dirs[], int n, int tasks[], int *v2_fd, const char **object);

/* The init: writes "0" (itself) into each tasks[i] >= 0 and closes it.  The
 * caller must be single-threaded.  -errno with *failed the index. */
int cgroup_enter_tasks(const int tasks[], int n, int *failed);

/* The dirs whose tasks[i] is CGROUP_BY_PID, into out[] (at most n); their count. */
int cgroup_by_pid(const char *const dirs[], const int tasks[], int n, const char *out[]);

struct oom_watch {
    int fd;      /* readable when the kernel says something happened: epoll this */
    int counter; /* the file holding the oom_kill count */
};

/* Arms the watch before the init exists, so no kill is missed.  No cgroup,
 * or one without the memory controller: w->fd stays -1 and 0 is returned.  -errno, with
 * *object naming the file. */
int oom_watch_open(const struct container_config *cfg, struct oom_watch *w, const char **object);

/* Drains the event and returns how many processes the OOM killer has killed in
 * the cgroup so far, or -errno. */
long oom_watch_kills(struct oom_watch *w);

#endif
