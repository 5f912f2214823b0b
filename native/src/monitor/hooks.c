#define _GNU_SOURCE
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "config.h"
#include "init.h"

static const char *const KIND_NAMES[] = { "prestart", "createRuntime", "createContainer", "startContainer" };

int hooks_tag(uint16_t tag)
{
    return tag >= QUILT_T_HOOK && tag <= QUILT_T_HOOK_DIR;
}

int hooks_begin(struct hook_set *s, size_t n_records)
{
    memset(s, 0, sizeof *s);
    if (n_records == 0)
        return 0;
    /* each arg or env one slot; each hook two more (the NULLs ending its argv and envp) */
    s->vec_cap = 2 * n_records + 1;
    s->vec = calloc(s->vec_cap, sizeof *s->vec);
    return s->vec ? 0 : -ENOMEM;
}

/* ends the open hook's argv (when no env came) and envp */
static void close_open(struct hook_set *s)
{
    if (s->n == 0)
        return;
    struct hook_entry *e = &s->list[s->n - 1];
    if (!s->in_env) {
        s->vec[s->vec_used++] = NULL;
        e->spec.envp = &s->vec[s->vec_used];
    }
    s->vec[s->vec_used++] = NULL;
    s->in_env = 0;
}

/* "KIND TIMEOUT_MS PATH" */
static int parse_hook(struct hook_set *s, char *v)
{
    char *sp1 = strchr(v, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp2 || sp2[1] != '/')
        return -EINVAL;
    *sp1 = 0;
    int kind = -1;
    for (int k = 0; k < (int)(sizeof KIND_NAMES / sizeof KIND_NAMES[0]); k++)
        if (strcmp(v, KIND_NAMES[k]) == 0)
            kind = k;
    char *end;
    errno = 0;
    long timeout = strtol(sp1 + 1, &end, 10);
    if (kind < 0 || errno || end != sp2 || timeout < 0)
        return -EINVAL;
    if (s->n == CONFIG_MAX_HOOKS)
        return -E2BIG;
    close_open(s);
    int index = 0;
    for (int i = 0; i < s->n; i++)
        index += s->list[i].kind == (enum hook_kind)kind;
    struct hook_entry *e = &s->list[s->n++];
    *e = (struct hook_entry){ .kind = (enum hook_kind)kind, .index = index,
                              .spec = { .path = sp2 + 1, .argv = &s->vec[s->vec_used], .timeout_ms = timeout } };
    return 0;
}

int hooks_take(struct hook_set *s, uint16_t tag, char *value, const char **what)
{
    *what = "hook";
    switch (tag) {
    case QUILT_T_HOOK_STATE_HEAD: s->state_head = value; return 0;
    case QUILT_T_HOOK_STATE_TAIL: s->state_tail = value; return 0;
    case QUILT_T_HOOK_DIR: s->dir = value; return 0;
    case QUILT_T_HOOK: return parse_hook(s, value);
    case QUILT_T_HOOK_ARG:
    case QUILT_T_HOOK_ENV:
        if (s->n == 0 || (tag == QUILT_T_HOOK_ARG && s->in_env) || s->vec_used + 2 >= s->vec_cap)
            return -EINVAL; /* an arg or env with no hook, or an arg after the env */
        if (tag == QUILT_T_HOOK_ENV && !s->in_env) {
            s->vec[s->vec_used++] = NULL;
            s->list[s->n - 1].spec.envp = &s->vec[s->vec_used];
            s->in_env = 1;
        }
        s->vec[s->vec_used++] = value;
        return 0;
    default:
        return -EINVAL;
    }
}

int hooks_end(struct hook_set *s, const char **what)
{
    close_open(s);
    if (s->n == 0)
        return 0;
    *what = "hook state";
    if (!s->state_head || !s->state_tail || !s->dir)
        return -EINVAL;
    s->state_cap = strlen(s->state_head) + strlen(s->state_tail) + 64;
    s->state = malloc(s->state_cap);
    return s->state ? 0 : -ENOMEM;
}

void hooks_free(struct hook_set *s)
{
    free(s->vec);
    free(s->state);
    s->vec = NULL;
    s->state = NULL;
}

int hooks_before_pivot(const struct hook_set *s)
{
    for (int i = 0; i < s->n; i++)
        if (s->list[i].kind != HOOK_START_CONTAINER)
            return 1;
    return 0;
}

size_t hooks_state(const struct hook_set *s, const char *status, pid_t pid)
{
    int n = snprintf(s->state, s->state_cap, "%s,\"status\":\"%s\",\"pid\":%d%s", s->state_head, status, (int)pid,
                     s->state_tail);
    return n < 0 ? 0 : (size_t)n >= s->state_cap ? s->state_cap - 1 : (size_t)n;
}

/* Runs the hooks of one kind in order.  0, or -1 with the failure in *f. */
static int run_kind(const struct hook_set *s, enum hook_kind kind, size_t len, const struct hook_where *w,
                    struct init_failure *f)
{
    for (int i = 0; i < s->n; i++) {
        const struct hook_entry *e = &s->list[i];
        if (e->kind != kind)
            continue;
        struct hook_result r;
        int rc = hook_run(&e->spec, s->state, len, w, &r);
        *f = (struct init_failure){ .kind = INIT_MSG_FAILURE, .step = QUILT_STEP_HOOK, .err = rc < 0 ? -rc : ECANCELED };
        if (rc < 0) {
            snprintf(f->object, sizeof f->object, "error running %s hook #%d %s: %s", KIND_NAMES[kind], e->index,
                     e->spec.path, strerror(-rc));
            return -1;
        }
        if (!hook_ok(&r)) {
            hook_describe(KIND_NAMES[kind], e->index, &e->spec, &r, f->object, sizeof f->object);
            return -1;
        }
    }
    return 0;
}

/* The process's pid in its own pid namespace (the last NSpid of /proc/PID/status), or pid when unknown. */
static pid_t ns_pid(pid_t pid)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pid;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return pid;
    buf[n] = 0;
    char *line = strstr(buf, "\nNSpid:");
    if (!line)
        return pid;
    char *end = strchr(line + 1, '\n');
    if (end)
        *end = 0;
    char *last = strrchr(line, '\t');
    long v = last ? strtol(last + 1, NULL, 10) : 0;
    return v > 0 ? (pid_t)v : pid;
}

static void end_init(int init_pidfd)
{
    siginfo_t si;
    syscall(SYS_pidfd_send_signal, init_pidfd, SIGKILL, NULL, 0);
    while (waitid(P_PIDFD, (id_t)init_pidfd, &si, WEXITED) < 0 && errno == EINTR)
        ;
}

/* runc runs createContainer in its init: its mount namespace (and what it sees of the network and
 * names; not its pid or user namespace), its cwd (the rootfs, not yet pivoted into), its own pid. */
static int run_create_container(const struct container_config *cfg, pid_t init, int init_pidfd, struct init_failure *f)
{
    const struct hook_set *s = &cfg->hooks;
    char at[64];
    snprintf(at, sizeof at, "/proc/%d/cwd", (int)init);
    int rootfs = open(at, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfs < 0) {
        *f = (struct init_failure){ .kind = INIT_MSG_FAILURE, .step = QUILT_STEP_HOOK, .err = errno };
        snprintf(f->object, sizeof f->object, "%s", at);
        return -1;
    }
    struct hook_where container = { .cwd = NULL, .cwd_fd = rootfs, .ns_pidfd = init_pidfd,
                                    .ns_flags = (int)(cfg->ns_flags & (CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS |
                                                                       CLONE_NEWIPC)) };
    size_t len = hooks_state(s, "creating", ns_pid(init));
    int rc = run_kind(s, HOOK_CREATE_CONTAINER, len, &container, f);
    close(rootfs);
    return rc;
}

static int has_kind(const struct hook_set *s, enum hook_kind kind)
{
    for (int i = 0; i < s->n; i++)
        if (s->list[i].kind == kind)
            return 1;
    return 0;
}

int hooks_run_create(const struct container_config *cfg, pid_t init, int init_pidfd, int initfd, struct init_failure *f)
{
    struct init_failure m;
    ssize_t n;
    do
        n = recv(initfd, &m, sizeof m, 0);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof m || m.kind != INIT_MSG_HOOKS) {
        if (n == (ssize_t)sizeof m && m.kind == INIT_MSG_FAILURE) {
            *f = m; /* it failed on its own before pivot_root: that is the one to report */
            f->object[sizeof f->object - 1] = 0;
        } else {
            *f = (struct init_failure){ .kind = INIT_MSG_FAILURE, .step = QUILT_STEP_CLONE,
                                        .err = n < 0 ? errno : ECONNRESET, .object = "init" };
        }
        end_init(init_pidfd);
        return -1;
    }
    const struct hook_set *s = &cfg->hooks;
    size_t len = hooks_state(s, "creating", init);
    struct hook_where runtime = { .cwd = s->dir, .cwd_fd = -1, .ns_pidfd = -1, .ns_flags = 0 };
    if (run_kind(s, HOOK_PRESTART, len, &runtime, f) < 0 || run_kind(s, HOOK_CREATE_RUNTIME, len, &runtime, f) < 0) {
        end_init(init_pidfd);
        return -1;
    }
    if (has_kind(s, HOOK_CREATE_CONTAINER) && run_create_container(cfg, init, init_pidfd, f) < 0) {
        end_init(init_pidfd);
        return -1;
    }
    struct init_failure go = { .kind = INIT_MSG_HOOKS_DONE };
    if (send(initfd, &go, sizeof go, MSG_NOSIGNAL) != (ssize_t)sizeof go) {
        *f = (struct init_failure){ .kind = INIT_MSG_FAILURE, .step = QUILT_STEP_CLONE, .err = errno,
                                    .object = "init" };
        end_init(init_pidfd);
        return -1;
    }
    return 0;
}

int hooks_await_create(int errfd)
{
    struct init_failure m = { .kind = INIT_MSG_HOOKS };
    if (send(errfd, &m, sizeof m, MSG_NOSIGNAL) < 0)
        return -errno;
    ssize_t n;
    do
        n = recv(errfd, &m, sizeof m, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    return n == (ssize_t)sizeof m && m.kind == INIT_MSG_HOOKS_DONE ? 0 : -ECONNRESET;
}

int hooks_run_start(const struct container_config *cfg, char *buf, size_t cap)
{
    const struct hook_set *s = &cfg->hooks;
    struct init_failure f;
    /* runc gives the init's own pid, as it sees it: 1 in a pid namespace of its own */
    size_t len = hooks_state(s, "created", getpid());
    struct hook_where here = { .cwd = NULL, .cwd_fd = -1, .ns_pidfd = -1, .ns_flags = 0 };
    if (run_kind(s, HOOK_START_CONTAINER, len, &here, &f) == 0)
        return 0;
    snprintf(buf, cap, "%s", f.object);
    return -1;
}
