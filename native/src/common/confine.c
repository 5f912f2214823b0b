#define _GNU_SOURCE
#include "confine.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "quilt/proto.h"

static const struct {
    const char *name;
    int resource;
} rlimit_names[] = {
    { "RLIMIT_CPU", RLIMIT_CPU },         { "RLIMIT_FSIZE", RLIMIT_FSIZE },
    { "RLIMIT_DATA", RLIMIT_DATA },       { "RLIMIT_STACK", RLIMIT_STACK },
    { "RLIMIT_CORE", RLIMIT_CORE },       { "RLIMIT_RSS", RLIMIT_RSS },
    { "RLIMIT_NPROC", RLIMIT_NPROC },     { "RLIMIT_NOFILE", RLIMIT_NOFILE },
    { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_AS", RLIMIT_AS },
    { "RLIMIT_LOCKS", RLIMIT_LOCKS },     { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
    { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
    { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },   { "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

int confine_rlimit_resource(const char *name)
{
    for (size_t i = 0; i < sizeof rlimit_names / sizeof rlimit_names[0]; i++)
        if (strcmp(rlimit_names[i].name, name) == 0)
            return rlimit_names[i].resource;
    return -1;
}

void confine_init(struct confine *c)
{
    memset(c, 0, sizeof *c);
    c->umask = -1;
}

int confine_binary_tag(uint16_t tag)
{
    return tag == QUILT_T_SECCOMP_BPF;
}

static int signed_number(const char *s, long long *out)
{
    char *end;
    if (!*s)
        return -EINVAL;
    errno = 0;
    *out = strtoll(s, &end, 10);
    return errno || *end ? -EINVAL : 0;
}

/* "-1" is RLIM_INFINITY; anything else a non-negative count */
static int rlimit_value(const char *s, rlim_t *out)
{
    long long v;
    if (signed_number(s, &v) < 0 || v < -1)
        return -EINVAL;
    *out = v == -1 ? RLIM_INFINITY : (rlim_t)v;
    return 0;
}

/* "RLIMIT_NOFILE soft hard", cut in place */
static int take_rlimit(struct confine *c, char *s)
{
    if (c->n_rlimits == CONFINE_MAX_RLIMITS)
        return -E2BIG;
    char *soft = strchr(s, ' ');
    char *hard = soft ? strchr(soft + 1, ' ') : NULL;
    if (!hard)
        return -EINVAL;
    *soft++ = 0;
    *hard++ = 0;
    struct confine_rlimit *r = &c->rlimits[c->n_rlimits];
    r->name = s;
    r->resource = confine_rlimit_resource(s);
    if (r->resource < 0 || rlimit_value(soft, &r->lim.rlim_cur) < 0 || rlimit_value(hard, &r->lim.rlim_max) < 0 ||
        r->lim.rlim_cur > r->lim.rlim_max)
        return -EINVAL;
    c->n_rlimits++;
    return 0;
}

/* "10 20 30", or "" for none */
static int take_groups(struct confine *c, char *s)
{
    c->has_groups = 1;
    c->n_groups = 0;
    char *save = NULL;
    for (char *g = strtok_r(s, " ", &save); g; g = strtok_r(NULL, " ", &save)) {
        long long v;
        if (c->n_groups == CONFINE_MAX_GROUPS)
            return -E2BIG;
        if (signed_number(g, &v) < 0 || v < 0 || v > (long long)UINT32_MAX - 1)
            return -EINVAL;
        c->groups[c->n_groups++] = (gid_t)v;
    }
    return 0;
}

static int take_caps(struct confine *c, const char *s)
{
    int n;
    if (sscanf(s, "%" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 "%n", &c->bounding, &c->effective,
               &c->permitted, &c->inheritable, &c->ambient, &n) != 5 || s[n])
        return -EINVAL;
    /* the kernel's own rules, said early: effective and inheritable within permitted... */
    if ((c->effective & ~c->permitted) || (c->ambient & ~(c->permitted & c->inheritable)))
        return -EINVAL;
    c->has_caps = 1;
    return 0;
}

int confine_take(struct confine *c, uint16_t tag, char *value, uint32_t len, const char **what)
{
    long long v;
    int rc = 0;
    switch (tag) {
    case QUILT_T_CAPS:
        *what = "capabilities";
        rc = take_caps(c, value);
        break;
    case QUILT_T_NO_NEW_PRIVS:
        *what = "no_new_privs";
        if ((rc = signed_number(value, &v)) == 0)
            c->no_new_privs = v != 0;
        break;
    case QUILT_T_SECCOMP_BPF:
        *what = "seccomp program";
        if (len == 0 || len % sizeof(struct sock_filter) || len > CONFINE_MAX_BPF)
            return -EINVAL;
        c->bpf = value;
        c->bpf_len = len;
        break;
    case QUILT_T_RLIMIT:
        *what = "rlimit";
        rc = take_rlimit(c, value);
        break;
    case QUILT_T_GROUPS:
        *what = "groups";
        rc = take_groups(c, value);
        break;
    case QUILT_T_UMASK:
        *what = "umask";
        if ((rc = signed_number(value, &v)) == 0 && (v < 0 || v > 0777))
            rc = -EINVAL;
        if (rc == 0)
            c->umask = (int)v;
        break;
    case QUILT_T_OOM_SCORE_ADJ:
        *what = "oom_score_adj";
        if ((rc = signed_number(value, &v)) == 0 && (v < -1000 || v > 1000))
            rc = -EINVAL;
        if (rc == 0) {
            c->has_oom = 1;
            c->oom_score_adj = (int)v;
        }
        break;
    case QUILT_T_SYSCTL:
        *what = "sysctl";
        if (c->n_sysctls == CONFINE_MAX_SYSCTLS)
            return -E2BIG;
        if (value[0] == '=' || value[0] == '.' || value[0] == '/' || !strchr(value, '='))
            return -EINVAL;
        c->sysctls[c->n_sysctls++] = value;
        break;
    case QUILT_T_KEYRING:
        *what = "keyring";
        if (!*value)
            return -EINVAL;
        c->keyring = value;
        break;
    default:
        return 0;
    }
    return rc < 0 ? rc : 1;
}

static int fail(struct confine_error *e, int step, int err, const char *object)
{
    e->step = step;
    e->err = err;
    e->object = object;
    return -err;
}

static int write_file(const char *path, const char *value, size_t len)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, value, len);
    int err = n < 0 ? errno : (size_t)n != len ? EIO : 0;
    close(fd);
    return -err;
}

int confine_sysctls(const struct confine *c, struct confine_error *e)
{
    for (int i = 0; i < c->n_sysctls; i++) {
        const char *kv = c->sysctls[i], *eq = strchr(kv, '=');
        char path[PATH_MAX];
        size_t klen = (size_t)(eq - kv);
        if (klen + sizeof "/proc/sys/" > sizeof path)
            return fail(e, QUILT_STEP_SYSCTL, ENAMETOOLONG, kv);
        memcpy(path, "/proc/sys/", sizeof "/proc/sys/" - 1);
        /* net.ipv4.ip_forward -> net/ipv4/ip_forward, as runc writes it */
        for (size_t j = 0; j < klen; j++)
            path[sizeof "/proc/sys/" - 1 + j] = kv[j] == '.' ? '/' : kv[j];
        path[sizeof "/proc/sys/" - 1 + klen] = 0;
        int rc = write_file(path, eq + 1, strlen(eq + 1));
        if (rc < 0)
            return fail(e, QUILT_STEP_SYSCTL, -rc, kv);
    }
    return 0;
}

int confine_process(const struct confine *c, struct confine_error *e)
{
    for (int i = 0; i < c->n_rlimits; i++)
        if (setrlimit((__rlimit_resource_t)c->rlimits[i].resource, &c->rlimits[i].lim) < 0)
            return fail(e, QUILT_STEP_RLIMIT, errno, c->rlimits[i].name);
    if (c->has_oom) {
        char v[16];
        int n = snprintf(v, sizeof v, "%d", c->oom_score_adj);
        int rc = write_file("/proc/self/oom_score_adj", v, (size_t)n);
        if (rc < 0)
            return fail(e, QUILT_STEP_OOM_SCORE_ADJ, -rc, "/proc/self/oom_score_adj");
    }
    /* the caller's session keyring (the host's root's keys) stays behind */
    if (c->keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, c->keyring) < 0 && errno != ENOSYS)
        return fail(e, QUILT_STEP_KEYRING, errno, c->keyring);
    if (c->umask >= 0)
        umask((mode_t)c->umask);
    return 0;
}

static int load_seccomp(const struct confine *c, struct confine_error *e)
{
    struct sock_fprog prog = { .len = (unsigned short)(c->bpf_len / sizeof(struct sock_filter)),
                               .filter = (struct sock_filter *)c->bpf };
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
        return fail(e, QUILT_STEP_SECCOMP_FILTER, errno, "seccomp(SECCOMP_SET_MODE_FILTER)");
    return 0;
}

static int set_caps(const struct confine *c, struct confine_error *e)
{
    struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct d[2] = {
        { (uint32_t)c->effective, (uint32_t)c->permitted, (uint32_t)c->inheritable },
        { (uint32_t)(c->effective >> 32), (uint32_t)(c->permitted >> 32), (uint32_t)(c->inheritable >> 32) },
    };
    if (syscall(SYS_capset, &h, d) < 0)
        return fail(e, QUILT_STEP_CAPS, errno, "capset");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        return fail(e, QUILT_STEP_CAPS, errno, "ambient");
    for (int cap = 0; cap < 64; cap++)
        if ((c->ambient >> cap & 1) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            return fail(e, QUILT_STEP_CAPS, errno, "ambient");
    return 0;
}

int confine_identity(const struct confine *c, uid_t uid, gid_t gid, struct confine_error *e)
{
    if (c->has_caps) {
        /* one drop per capability left out, no read first (dropping one already gone succeeds); past the
         * kernel's last capability the drop says EINVAL (cap_valid), which ends the walk: ~28 prctl calls for
         * docker's default set where reading each first made ~68 */
        for (int cap = 0; cap < 64; cap++) {
            if (c->bounding >> cap & 1)
                continue;
            if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
                continue;
            if (errno == EINVAL)
                break;
            return fail(e, QUILT_STEP_CAPS, errno, "bounding set");
        }
    }
    /* without no_new_privs the kernel wants CAP_SYS_ADMIN for a filter: load it while we have it */
    if (c->bpf && !c->no_new_privs && load_seccomp(c, e) < 0)
        return -e->err;
    if (c->has_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return fail(e, QUILT_STEP_CAPS, errno, "keepcaps");
    /* the system calls themselves, not glibc's wrappers, which in a threaded process signal every thread to do
     * the same: quilt-exec's command may share its memory (common/clone_vm.h), where that machinery has no place */
    if (c->has_groups ? syscall(SYS_setgroups, (size_t)c->n_groups, c->groups) < 0
                      : (uid || gid) && syscall(SYS_setgroups, 0, NULL) < 0)
        return fail(e, QUILT_STEP_GROUPS, errno, "setgroups");
    if (syscall(SYS_setresgid, gid, gid, gid) < 0 || syscall(SYS_setresuid, uid, uid, uid) < 0)
        return fail(e, QUILT_STEP_USER, errno, "uid/gid");
    if (!c->has_caps)
        return 0;
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return fail(e, QUILT_STEP_CAPS, errno, "keepcaps");
    return set_caps(c, e);
}

int confine_close_fds(const int *keep, int n)
{
    return confine_close_fds_from(3, keep, n);
}

int confine_close_fds_from(unsigned first, const int *keep, int n)
{
    int sorted[16];
    int k = 0;
    if (n > 16)
        return -E2BIG;
    for (int i = 0; i < n; i++) {
        if (keep[i] < 0 || (unsigned)keep[i] < first)
            continue;
        int j = k++;
        for (; j > 0 && sorted[j - 1] > keep[i]; j--)
            sorted[j] = sorted[j - 1];
        sorted[j] = keep[i];
    }
    unsigned lo = first;
    for (int i = 0; i < k; i++) {
        if ((unsigned)sorted[i] > lo && close_range(lo, (unsigned)sorted[i] - 1, 0) < 0)
            return -errno;
        if ((unsigned)sorted[i] + 1 > lo)
            lo = (unsigned)sorted[i] + 1;
    }
    return close_range(lo, ~0U, 0) < 0 ? -errno : 0;
}

int confine_chdir(const char *cwd, struct confine_error *e)
{
    char here[PATH_MAX];
    if (chdir(cwd) < 0)
        return fail(e, QUILT_STEP_CWD, errno, cwd);
    /* glibc says ENOENT for the kernel's "(unreachable)/...": a directory outside our root */
    if (!getcwd(here, sizeof here)) {
        if (errno == ERANGE)
            return 0; /* deeper than PATH_MAX, but reachable: the kernel would have said so */
        return fail(e, QUILT_STEP_CWD, EPERM, cwd);
    }
    if (here[0] != '/')
        return fail(e, QUILT_STEP_CWD, EPERM, cwd);
    return 0;
}

int confine_finish(const struct confine *c, struct confine_error *e)
{
    if (c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return fail(e, QUILT_STEP_NO_NEW_PRIVS, errno, "prctl");
    if (c->bpf && c->no_new_privs)
        return load_seccomp(c, e);
    return 0;
}
