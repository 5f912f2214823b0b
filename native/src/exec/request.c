/* quilt-exec's request: see request.h. */
#define _GNU_SOURCE
#include "exec/request.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "quilt/proto.h"
#include "common/tlv.h"

static int number(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    *out = strtoull(s, &end, 10);
    return !*s || *end || errno ? -EINVAL : 0;
}

int exec_parse(struct exec_config *c, uint8_t *msg, size_t len, char *strings, const char **what)
{
    struct tlv_reader r = { .buf = msg, .len = len };
    uint16_t tag;
    const uint8_t *val;
    uint32_t vlen;
    size_t nargs = 0, nenv = 0;
    int rc, type = 0;
    *what = "message";
    while ((rc = tlv_next(&r, &tag, &val, &vlen)) > 0) {
        nargs += tag == QUILT_T_ARG;
        nenv += tag == QUILT_T_ENV;
        if (!confine_binary_tag(tag) && memchr(val, 0, vlen))
            return -EINVAL;
    }
    if (rc < 0)
        return rc;
    c->argv = calloc(nargs + 1, sizeof(char *));
    c->envp = calloc(nenv + 2, sizeof(char *)); /* a spare slot for HOME */
    if (!c->argv || !c->envp)
        return -ENOMEM;
    size_t ia = 0, ie = 0;
    r.pos = 0;
    while (tlv_next(&r, &tag, &val, &vlen) > 0) {
        memcpy(strings, val, vlen);
        strings[vlen] = 0;
        char *s = strings;
        strings += vlen + 1;
        unsigned long long n = 0;
        if ((rc = confine_take(&c->confine, tag, s, vlen, what)) != 0) {
            if (rc < 0)
                return rc;
            continue;
        }
        switch (tag) {
        case QUILT_T_ARG: c->argv[ia++] = s; break;
        case QUILT_T_ENV: c->envp[ie++] = s; break;
        case QUILT_T_CWD: c->cwd = s; break;
        case QUILT_T_CGROUP_V2: c->cgroup_v2 = s; break;
        case QUILT_T_PROBE_PATH: c->probe_path = s; break;
        case QUILT_T_CONSOLE_SOCKET: c->console_socket = s; break;
        case QUILT_T_EXIT_RECORD: c->exit_record = s; break;
        case QUILT_T_CGROUP_V1:
            if (c->n_cgroup_v1 == MAX_CGROUPS)
                return *what = "cgroups", -E2BIG;
            c->cgroup_v1[c->n_cgroup_v1++] = s;
            break;
        case QUILT_T_TYPE: case QUILT_T_PID: case QUILT_T_START_TIME: case QUILT_T_NS_FLAGS:
        case QUILT_T_UID: case QUILT_T_GID: case QUILT_T_STDIN_NULL: case QUILT_T_CAPTURE:
        case QUILT_T_TIMEOUT_MS: case QUILT_T_TTY: case QUILT_T_DETACH: case QUILT_T_EXEC_PID_WANTED:
        case QUILT_T_PRESERVE_FDS: case QUILT_T_SESSION: case QUILT_T_ROWS: case QUILT_T_COLS:
            if (number(s, &n) < 0 || ((tag == QUILT_T_ROWS || tag == QUILT_T_COLS) && n > 65535))
                return *what = "number", -EINVAL;
            if (tag == QUILT_T_TYPE) type = (int)n;
            else if (tag == QUILT_T_PID) c->pid = (pid_t)n;
            else if (tag == QUILT_T_START_TIME) c->start_time = n;
            else if (tag == QUILT_T_NS_FLAGS) c->ns_flags = (unsigned long)n;
            else if (tag == QUILT_T_UID) c->uid = (uid_t)n;
            else if (tag == QUILT_T_STDIN_NULL) c->stdin_null = n != 0;
            else if (tag == QUILT_T_CAPTURE) c->capture = n;
            else if (tag == QUILT_T_TIMEOUT_MS) c->timeout_ms = n;
            else if (tag == QUILT_T_TTY) c->tty = n != 0;
            else if (tag == QUILT_T_DETACH) c->detach = n != 0;
            else if (tag == QUILT_T_EXEC_PID_WANTED) c->want_pid = n != 0;
            else if (tag == QUILT_T_PRESERVE_FDS && n > QUILT_PRESERVE_FDS_MAX) return *what = "preserve fds", -E2BIG;
            else if (tag == QUILT_T_PRESERVE_FDS) c->n_preserve = (int)n;
            else if (tag == QUILT_T_SESSION) c->session = n != 0;
            else if (tag == QUILT_T_ROWS) c->rows = (unsigned)n;
            else if (tag == QUILT_T_COLS) c->cols = (unsigned)n;
            else c->gid = (gid_t)n;
            break;
        default: break; /* a newer JVM may say more */
        }
    }
    if (c->capture > QUILT_MSG_MAX / 2)
        return *what = "capture", -E2BIG;
    *what = type != QUILT_MSG_EXEC ? "type" : !c->pid ? "pid" : !nargs ? "command" : !c->cwd ? "cwd"
          : c->capture && !c->timeout_ms ? "timeout" : c->capture && c->tty ? "tty"
          : c->capture && (c->detach || c->want_pid) ? "detach" : c->console_socket && !c->tty ? "console socket"
          : c->detach && c->tty && !c->console_socket ? "detach"
          : c->exit_record && !c->session ? "exit record"
          : c->session && (c->capture || c->detach || c->want_pid || c->console_socket || c->n_preserve) ? "session"
          : NULL;
    return *what ? -EINVAL : 0;
}
