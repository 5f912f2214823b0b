/* quilt-exec: one command inside a running container.
 *
 * The JVM starts it (posix_spawn, never a fork of the JVM) with its own stdio
 * and a SOCK_SEQPACKET socket on fd 3, and sends one EXEC message: the
 * container's init (pid and start time), the namespaces to join, the cgroup,
 * and the command with its env, cwd and user.  Before it touches the container
 * it makes itself non-dumpable, so nothing inside can open /proc/<pid>/exe (the
 * host binary) or its fds.  It joins the cgroup (v1: its own pid into each
 * cgroup.procs; v2: its child is cloned into it), joins every namespace at once
 * through a pidfd (setns(pidfd, flags)), marks every fd but stdio close-on-exec,
 * and forks the child that the pid namespace needs: the child changes to the
 * cwd, drops to the user and execs, searching the container's PATH.  A failure
 * before exec is sent back as FAIL (step, errno, object); success is the end of
 * file on the socket, whose last copy closes at execve.  We then wait for the
 * command and exit with its status (128+n for signal n), passing on the
 * signals a terminal or `quilt` sends us.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "common/exec_search.h"
#include "common/tlv.h"
#include "monitor/cgroup.h"
#include "monitor/procfs.h"

#define SYNC_FD 3
#define MAX_CGROUPS 8

struct exec_config {
    pid_t pid;
    unsigned long long start_time;
    unsigned long ns_flags;
    uid_t uid;
    gid_t gid;
    const char *cwd;
    const char *cgroup_v2;
    const char *cgroup_v1[MAX_CGROUPS];
    int n_cgroup_v1;
    int stdin_null;
    char **argv, **envp;
};

static void send_fail(int step, int err, const char *object)
{
    uint8_t buf[1024];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_FAIL);
    tlv_put_long(&w, QUILT_T_STEP, step);
    tlv_put_long(&w, QUILT_T_ERRNO, err);
    if (object)
        tlv_put_str(&w, QUILT_T_OBJECT, object);
    ssize_t ignored = send(SYNC_FD, w.buf, w.len, MSG_NOSIGNAL);
    (void)ignored;
}

static int number(const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    *out = strtoull(s, &end, 10);
    return !*s || *end || errno ? -EINVAL : 0;
}

/* Parses in place: every string is NUL-terminated in a copy of the message. */
static int parse(struct exec_config *c, uint8_t *msg, size_t len, char *strings, const char **what)
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
        if (memchr(val, 0, vlen))
            return -EINVAL;
    }
    if (rc < 0)
        return rc;
    c->argv = calloc(nargs + 1, sizeof(char *));
    c->envp = calloc(nenv + 1, sizeof(char *));
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
        switch (tag) {
        case QUILT_T_ARG: c->argv[ia++] = s; break;
        case QUILT_T_ENV: c->envp[ie++] = s; break;
        case QUILT_T_CWD: c->cwd = s; break;
        case QUILT_T_CGROUP_V2: c->cgroup_v2 = s; break;
        case QUILT_T_CGROUP_V1:
            if (c->n_cgroup_v1 == MAX_CGROUPS)
                return *what = "cgroups", -E2BIG;
            c->cgroup_v1[c->n_cgroup_v1++] = s;
            break;
        case QUILT_T_TYPE: case QUILT_T_PID: case QUILT_T_START_TIME: case QUILT_T_NS_FLAGS:
        case QUILT_T_UID: case QUILT_T_GID: case QUILT_T_STDIN_NULL:
            if (number(s, &n) < 0)
                return *what = "number", -EINVAL;
            if (tag == QUILT_T_TYPE) type = (int)n;
            else if (tag == QUILT_T_PID) c->pid = (pid_t)n;
            else if (tag == QUILT_T_START_TIME) c->start_time = n;
            else if (tag == QUILT_T_NS_FLAGS) c->ns_flags = (unsigned long)n;
            else if (tag == QUILT_T_UID) c->uid = (uid_t)n;
            else if (tag == QUILT_T_STDIN_NULL) c->stdin_null = n != 0;
            else c->gid = (gid_t)n;
            break;
        default: break; /* a newer JVM may say more */
        }
    }
    *what = type != QUILT_MSG_EXEC ? "type" : !c->pid ? "pid" : !nargs ? "command" : !c->cwd ? "cwd" : NULL;
    return *what ? -EINVAL : 0;
}

static volatile pid_t child;

/* ^C, a hang-up or `quilt`'s own TERM are for the command, not for us */
static void pass_on(int sig)
{
    if (child > 0)
        kill(child, sig);
}

/* The child, in every namespace of the container: cwd, user, exec. */
static _Noreturn void run_command(const struct exec_config *c)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (chdir(c->cwd) < 0) {
        send_fail(QUILT_STEP_CWD, errno, c->cwd);
        _exit(126);
    }
    if ((c->uid || c->gid) &&
        (setgroups(0, NULL) < 0 || setresgid(c->gid, c->gid, c->gid) < 0 || setresuid(c->uid, c->uid, c->uid) < 0)) {
        send_fail(QUILT_STEP_USER, errno, "uid/gid");
        _exit(126);
    }
    int rc = exec_search(c->argv, c->envp);
    send_fail(QUILT_STEP_EXEC, -rc, c->argv[0]);
    _exit(exec_failure_code(rc));
}

int main(void)
{
    /* first of all: nothing in the container may reach into this process */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        send_fail(QUILT_STEP_CONFIG, errno, "prctl(PR_SET_DUMPABLE)");
        return 125;
    }
    uint8_t *msg = malloc(QUILT_MSG_MAX);
    char *strings = malloc(2 * QUILT_MSG_MAX);
    if (!msg || !strings)
        return 125;
    ssize_t n = recv(SYNC_FD, msg, QUILT_MSG_MAX, 0);
    if (n <= 0) {
        fprintf(stderr, "quilt-exec: no request on fd %d; it is started by quilt, not by hand\n", SYNC_FD);
        return 125;
    }
    struct exec_config c = { 0 };
    const char *what;
    int rc = parse(&c, msg, (size_t)n, strings, &what);
    if (rc < 0) {
        send_fail(QUILT_STEP_CONFIG, -rc, what);
        return 125;
    }

    /* the container's init, and not a process that took its pid after it died */
    int pidfd = (int)syscall(SYS_pidfd_open, c.pid, 0);
    unsigned long long start = 0;
    if (pidfd < 0 || proc_start_time(c.pid, &start) < 0 || start != c.start_time) {
        send_fail(QUILT_STEP_CLONE, ESRCH, "container init");
        return 125;
    }
    if (c.stdin_null) { /* no -i: the command reads nothing of ours */
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, 0) < 0) {
            send_fail(QUILT_STEP_STDIO, errno, "/dev/null");
            return 125;
        }
        close(null);
    }
    int cgroup_fd = -1;
    const char *object = NULL;
    if (c.cgroup_v2 && (cgroup_fd = open(c.cgroup_v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        send_fail(QUILT_STEP_CGROUP, errno, c.cgroup_v2);
        return 125;
    }
    if ((rc = cgroup_join(c.cgroup_v1, c.n_cgroup_v1, getpid(), &object)) < 0) {
        send_fail(QUILT_STEP_CGROUP, -rc, object);
        return 125;
    }
    /* every namespace at once; the mount namespace's root becomes our root and cwd */
    if (setns(pidfd, (int)c.ns_flags) < 0) {
        send_fail(QUILT_STEP_CLONE, errno, "setns");
        return 125;
    }
    close(pidfd);
    /* only stdio and our socket reach the command, and the socket goes at its execve */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        send_fail(QUILT_STEP_STDIO, errno, "close_range");
        return 125;
    }

    struct sigaction sa = { .sa_handler = pass_on };
    sigemptyset(&sa.sa_mask);
    int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
    sigset_t block, old;
    sigemptyset(&block);
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaddset(&block, forwarded[i]);
    sigprocmask(SIG_BLOCK, &block, &old); /* until child is set */
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaction(forwarded[i], &sa, NULL);

    /* the pid namespace takes children only: the command is our child */
    struct clone_args args = { .exit_signal = SIGCHLD };
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (unsigned long long)cgroup_fd;
    }
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0) {
        send_fail(cgroup_fd >= 0 ? QUILT_STEP_CGROUP : QUILT_STEP_CLONE, errno, "command");
        return 125;
    }
    if (pid == 0) {
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
            sigaction(forwarded[i], &dfl, NULL);
        run_command(&c);
    }
    child = pid;
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(SYNC_FD); /* the child's copy is the last: its execve is the JVM's end of file */
    if (cgroup_fd >= 0)
        close(cgroup_fd);

    int status;
    pid_t got;
    do
        got = waitpid(pid, &status, 0);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        return 125;
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}
