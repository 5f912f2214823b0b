/* Restore mode (issue 16): the container's init is CRIU's restore of a
 * checkpoint instead of a clone.  The monitor, a child subreaper, makes an empty
 * network namespace, forks CRIU (which first enters a private mount namespace
 * holding the container's overlay, and the container's cgroups) and waits for
 * it on its pidfd, bounded by the deadline.  With -d the restored root task is
 * reparented, when CRIU exits, to its nearest subreaper: the monitor, which
 * from then on treats it as a cloned init. */
#ifndef QUILT_MONITOR_RESTORE_H
#define QUILT_MONITOR_RESTORE_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#define RESTORE_MAX_PIPES 8

struct restore_terms {
    const char *criu, *images, *net_key, *cgroup_root;
    int pipe_fd[RESTORE_MAX_PIPES];
    unsigned long pipe_ino[RESTORE_MAX_PIPES];
    int n_pipes;
    unsigned long deadline_ms;
    int tcp;
};

struct container_config;

/* One record of tags 140-149 (s is our own copy): 1 when taken, 0 when the tag
 * is another's, -EINVAL / -E2BIG with *what naming the field. */
int restore_take(struct restore_terms *t, uint16_t tag, char *s, const char **what);

/* Runs `criu restore` for cfg (cfg->stdout_fd/stderr_fd: our log pipes'
 * write ends, handed in for the dumped stdio pipes).  Returns the restored
 * init's pid with *pidfd open on it, or -errno with err saying why in one line:
 * CRIU's own "Error (...)" lines from its log (less the harmless RLIMIT_NOFILE
 * one), or the step that failed.  At the deadline CRIU is killed (-ETIMEDOUT);
 * what it restored is in the container's cgroup, which the caller removes. */
pid_t restore_run(const struct container_config *cfg, char *err, size_t errlen, int *pidfd);

/* CRIU's own "Error (...)" lines of the log at path, less the two every run
 * logs here and that fail nothing (RLIMIT_NOFILE, its tun probe), joined with
 * "; " into out (cut at cap); "" when there are none or no log. */
void restore_criu_errors(const char *log, char *out, size_t cap);

/* sethostname(2) in the uts namespace of the process behind pidfd, from a
 * short-lived child (the monitor keeps its own).  0 or -errno. */
int restore_hostname(int pidfd, const char *hostname);

#endif
