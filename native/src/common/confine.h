/* Confinement of a container's process, in the order runc applies it
 * (libcontainer's standard_init_linux.go and setns_init_linux.go): sysctls
 * before the read-only paths, then rlimits, oom_score_adj, a fresh session
 * keyring and the umask while we are still all-powerful; the bounding set;
 * groups and user with the capabilities kept across the uid change; the
 * effective, permitted and inheritable sets (capset v3) and the ambient ones;
 * every fd but the ones still needed closed before chdir, and a cwd that
 * resolves outside the root refused (CVE-2024-21626); no_new_privs and the
 * seccomp program last before execve.  A seccomp program without
 * no_new_privs is loaded before the capabilities go, while CAP_SYS_ADMIN is
 * still held, as runc does.
 *
 * Used by the container's init (monitor/init.c) and by quilt-exec: both parse
 * the same records (proto.h tags 61-69) into one struct confine, before
 * clone(); nothing here allocates.  Every function returns 0 or -errno and, on
 * failure, names the step (proto.h 22-29) and the object that failed.
 */
#ifndef QUILT_CONFINE_H
#define QUILT_CONFINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#define CONFINE_MAX_RLIMITS 16
#define CONFINE_MAX_GROUPS 256
#define CONFINE_MAX_SYSCTLS 64
#define CONFINE_MAX_BPF (4096 * 8) /* BPF_MAXINSNS instructions of 8 bytes */

struct confine_rlimit {
    const char *name; /* RLIMIT_NOFILE, for errors */
    int resource;
    struct rlimit lim;
};

struct confine {
    int has_caps;     /* the five sets were given; without them capabilities are left as they are */
    uint64_t bounding, effective, permitted, inheritable, ambient;
    int no_new_privs;
    const void *bpf;  /* raw struct sock_filter[], or NULL */
    size_t bpf_len;   /* in bytes: a multiple of 8 */
    struct confine_rlimit rlimits[CONFINE_MAX_RLIMITS];
    int n_rlimits;
    int has_groups;   /* the additional gids were given (possibly none): setgroups() to exactly them */
    gid_t groups[CONFINE_MAX_GROUPS];
    int n_groups;
    int umask;        /* -1: leave it */
    int has_oom;
    int oom_score_adj;
    const char *sysctls[CONFINE_MAX_SYSCTLS]; /* "net.ipv4.ip_forward=1" */
    int n_sysctls;
    const char *keyring; /* join a fresh session keyring of this name ("_ses.<id>"), or NULL */
};

/* What failed: the step of proto.h and the object it names. */
struct confine_error {
    int step;
    int err;
    const char *object;
};

void confine_init(struct confine *c);

/* Takes one record of the message if it is a confinement tag (61-69).
 * value is a NUL-terminated copy of the record (the caller's, changed in
 * place and kept), len its length.  Returns 1 when taken, 0 when the tag is
 * not ours, -EINVAL / -E2BIG with *what naming the field when it is bad. */
int confine_take(struct confine *c, uint16_t tag, char *value, uint32_t len, const char **what);

/* Whether a record of this tag may hold NUL bytes (the seccomp program). */
int confine_binary_tag(uint16_t tag);

/* In the container's /proc, before its read-only paths: every sysctl. */
int confine_sysctls(const struct confine *c, struct confine_error *e);

/* Still privileged: rlimits, oom_score_adj, session keyring, umask. */
int confine_process(const struct confine *c, struct confine_error *e);

/* The bounding set, groups and user (uid/gid, capabilities kept across the
 * change), then the capability sets and the ambient ones.  A seccomp program
 * without no_new_privs is loaded here, before CAP_SYS_ADMIN can go. */
int confine_identity(const struct confine *c, uid_t uid, gid_t gid, struct confine_error *e);

/* Closes every fd from 3 up but those in keep[0..n) (each >= 3 or ignored). */
int confine_close_fds(const int *keep, int n);

/* The same from first up: 3..first-1 stay (runc's --preserve-fds). */
int confine_close_fds_from(unsigned first, const int *keep, int n);

/* chdir(cwd), then refuses (EPERM) a cwd that does not resolve inside our
 * root (getcwd() no absolute path: "(unreachable)/..."). */
int confine_chdir(const char *cwd, struct confine_error *e);

/* Last before execve: no_new_privs, then the seccomp program (with no_new_privs). */
int confine_finish(const struct confine *c, struct confine_error *e);

/* The rlimit's number for "RLIMIT_NOFILE", or -1. */
int confine_rlimit_resource(const char *name);

#endif
