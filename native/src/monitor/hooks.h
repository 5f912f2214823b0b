/* OCI hooks in the monitor and the init (config.md "POSIX-platform Hooks",
 * runtime.md "Lifecycle"), at runc 1.1's points:
 *   prestart, createRuntime  the monitor, in the runtime's namespaces, state "creating"
 *                            with the init's pid, while the init waits before pivot_root
 *   createContainer          the monitor, in the init's mount, network, UTS and IPC
 *                            namespaces (setns through its pidfd) before pivot_root, so
 *                            its path resolves in the runtime's tree as in runc
 *   startContainer           the init, after the start gate, before the command's execve,
 *                            state "created" with the init's own pid (1 in a pid namespace)
 * Each in order; all run with the bundle as cwd but startContainer (the process's cwd).
 * poststart and poststop are the JVM's (after start and delete, a failure a warning). */
#ifndef QUILT_MONITOR_HOOKS_H
#define QUILT_MONITOR_HOOKS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/hook.h"

#define CONFIG_MAX_HOOKS 64

enum hook_kind { HOOK_PRESTART, HOOK_CREATE_RUNTIME, HOOK_CREATE_CONTAINER, HOOK_START_CONTAINER };

struct hook_entry {
    enum hook_kind kind;
    int index;              /* its place among the hooks of its kind, for the error line */
    struct hook_spec spec;
};

/* The QUILT_T_HOOK* records of one CONFIG message. */
struct hook_set {
    struct hook_entry list[CONFIG_MAX_HOOKS];
    int n;
    const char *state_head, *state_tail, *dir;
    char **vec;             /* every hook's argv and envp, each NULL-terminated */
    size_t vec_cap, vec_used;
    int in_env;             /* the open hook's args are done; its env is being read */
    char *state;            /* room for one state JSON, made before clone() */
    size_t state_cap;
};

struct container_config;
struct init_failure;

/* Parsing (config.c): is tag one of ours; size for n_records of them; take one
 * record (s is the parser's own NUL-terminated copy); check and close.  0 or
 * -errno with *what naming the record. */
int hooks_tag(uint16_t tag);
int hooks_begin(struct hook_set *s, size_t n_records);
int hooks_take(struct hook_set *s, uint16_t tag, char *value, const char **what);
int hooks_end(struct hook_set *s, const char **what);
void hooks_free(struct hook_set *s);

/* Whether the init must stop before pivot_root for the monitor's hooks. */
int hooks_before_pivot(const struct hook_set *s);

/* The state JSON (runtime.md "State") with status and pid, in s->state.  Its length. */
size_t hooks_state(const struct hook_set *s, const char *status, pid_t pid);

/* Monitor: waits for the init to stop before pivot_root, runs prestart,
 * createRuntime and createContainer, and lets it go on.  0, or -1 with *f
 * filled (the init's own failure, or QUILT_STEP_HOOK and the hook's line) and
 * the init killed and reaped, so nothing of it is left to the JVM's cleanup. */
int hooks_run_create(const struct container_config *cfg, pid_t init, int init_pidfd, int initfd, struct init_failure *f);

/* Init: tells the monitor it is ready for the create hooks and waits until they ran.  0 or -errno. */
int hooks_await_create(int errfd);

/* Init, after the start gate: runs startContainer.  0, or -1 with the line in buf. */
int hooks_run_start(const struct container_config *cfg, char *buf, size_t cap);

#endif
