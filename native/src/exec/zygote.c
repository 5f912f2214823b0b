/* quilt-exec's zygote mode: see zygote.h. */
#define _GNU_SOURCE
#include "exec/zygote.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "common/fd_pass.h"
#include "common/sealed_copy.h"
#include "common/tlv.h"
#include "exec/cgroups.h"
#include "monitor/procfs.h"

/* A decimal record value (at most 20 digits): 0 or -EINVAL. */
static int number(const uint8_t *val, uint32_t len, unsigned long long *out)
{
    if (len == 0 || len > 20)
        return -EINVAL;
    unsigned long long n = 0;
    for (uint32_t i = 0; i < len; i++) {
        if (val[i] < '0' || val[i] > '9')
            return -EINVAL;
        unsigned long long next = n * 10 + (unsigned)(val[i] - '0');
        if (next / 10 != n)
            return -EINVAL;
        n = next;
    }
    *out = n;
    return 0;
}

/* The message's type (its QUILT_T_TYPE record), or -EINVAL. */
static long long type_of(const uint8_t *msg, size_t len)
{
    struct tlv_reader r = { .buf = msg, .len = len };
    uint16_t tag;
    const uint8_t *val;
    uint32_t vlen;
    unsigned long long n;
    while (tlv_next(&r, &tag, &val, &vlen) > 0) {
        if (tag == QUILT_T_TYPE)
            return number(val, vlen, &n) < 0 ? -EINVAL : (long long)n;
    }
    return -EINVAL;
}

int zygote_is_request(const uint8_t *msg, size_t len)
{
    return type_of(msg, len) == QUILT_MSG_ZYGOTE;
}

int zygote_parse(const uint8_t *msg, size_t len, struct zygote *z)
{
    struct tlv_reader r = { .buf = msg, .len = len };
    uint16_t tag;
    const uint8_t *val;
    uint32_t vlen;
    unsigned long long type = 0, pid = 0, start = 0, n;
    int have_start = 0, rc;
    memset(z, 0, sizeof *z);
    z->pidfd = z->proc_dir = z->probe_fd = -1;
    exec_cgroups_init(&z->cgroups);
    char *strings = malloc(2 * len + 1); /* every string record and its NUL: less than the message */
    if (!strings)
        return -ENOMEM;
    z->strings = strings;
    while ((rc = tlv_next(&r, &tag, &val, &vlen)) > 0) {
        if (tag == QUILT_T_CGROUP_V1 || tag == QUILT_T_CGROUP_V2 || tag == QUILT_T_PROBE_PATH) {
            /* the exec's cgroups and the probe, opened once for all */
            if (memchr(val, 0, vlen) || (tag == QUILT_T_CGROUP_V1 && z->n_cgroup_v1 == CONFIG_MAX_CGROUPS))
                return zygote_free(z), -EINVAL;
            memcpy(strings, val, vlen);
            strings[vlen] = 0;
            if (tag == QUILT_T_CGROUP_V2)
                z->cgroup_v2 = strings;
            else if (tag == QUILT_T_PROBE_PATH)
                z->probe_path = strings;
            else
                z->cgroup_v1[z->n_cgroup_v1++] = strings;
            strings += vlen + 1;
            continue;
        }
        unsigned long long *into = tag == QUILT_T_TYPE ? &type : tag == QUILT_T_PID ? &pid
                                 : tag == QUILT_T_START_TIME ? &start : NULL;
        if (!into)
            continue; /* a newer JVM may say more */
        if (number(val, vlen, &n) < 0)
            return zygote_free(z), -EINVAL;
        *into = n;
        have_start |= tag == QUILT_T_START_TIME;
    }
    if (rc < 0 || type != QUILT_MSG_ZYGOTE || pid < 1 || pid > 4194304 || !have_start)
        return zygote_free(z), -EINVAL;
    z->pid = (pid_t)pid;
    z->start_time = start;
    return 0;
}

int zygote_open_init(struct zygote *z)
{
    int pidfd = (int)syscall(SYS_pidfd_open, z->pid, 0);
    if (pidfd < 0)
        return -ESRCH;
    /* the pidfd names the process from here on; the start time says it is the init we were told of */
    unsigned long long start = 0;
    if (proc_start_time(z->pid, &start) < 0 || start != z->start_time) {
        close(pidfd);
        return -ESRCH;
    }
    char path[32];
    snprintf(path, sizeof path, "/proc/%d", (int)z->pid);
    z->proc_dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC); /* -1: the exec falls back to the path */
    z->pidfd = pidfd;
    /* what every exec's command writes to join the container's cgroups: opened once, here, on the host */
    const char *object;
    int rc = exec_cgroups_open(&z->cgroups, z->cgroup_v2, z->cgroup_v1, z->n_cgroup_v1, &object);
    if (rc < 0)
        return rc;
    z->probe_fd = z->probe_path ? sealed_copy(z->probe_path, "quilt-probe") : -1;
    if (z->probe_fd < 0)
        z->probe_fd = -1; /* each probe copies it itself, and says why if it cannot */
    return 0;
}

int zygote_same_cgroups(const struct zygote *z, const char *v2, const char *const v1[], int n)
{
    if (n != z->n_cgroup_v1 || !v2 != !z->cgroup_v2 || (v2 && strcmp(v2, z->cgroup_v2) != 0))
        return 0;
    for (int i = 0; i < n; i++)
        if (strcmp(v1[i], z->cgroup_v1[i]) != 0)
            return 0;
    return 1;
}

void zygote_free(struct zygote *z)
{
    free(z->strings);
    z->strings = NULL;
    z->cgroup_v2 = z->probe_path = NULL;
    z->n_cgroup_v1 = 0;
}

static int send_records(int sock, int type, const long long *tags, const long long *values, int n)
{
    uint8_t buf[128];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, type);
    for (int i = 0; i < n; i++)
        tlv_put_long(&w, (uint16_t)tags[i], values[i]);
    ssize_t k;
    do
        k = send(sock, w.buf, w.len, MSG_NOSIGNAL);
    while (k < 0 && errno == EINTR);
    return k < 0 ? -errno : 0;
}

int zygote_send_forked(int sock, pid_t pid)
{
    long long tags[] = { QUILT_T_PID }, values[] = { pid };
    return send_records(sock, QUILT_MSG_FORKED, tags, values, 1);
}

int zygote_send_exited(int sock, int status)
{
    long long tags[] = { QUILT_T_EXIT_CODE, QUILT_T_SIGNAL };
    long long values[] = { WIFEXITED(status) ? WEXITSTATUS(status) : 0, WIFSIGNALED(status) ? WTERMSIG(status) : 0 };
    return send_records(sock, QUILT_MSG_EXEC_EXITED, tags, values, 2);
}

int zygote_send_fork(int sock, const int fds[ZYGOTE_FDS])
{
    uint8_t head[32];
    struct tlv_writer w = { head, sizeof head, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_FORK);
    return fd_pass_send(sock, head, w.len, fds, ZYGOTE_FDS);
}

int zygote_receive_fork(int sock, int fds[ZYGOTE_FDS])
{
    uint8_t buf[256];
    int got[ZYGOTE_FDS], k;
    ssize_t n = fd_pass_receive(sock, buf, sizeof buf, got, ZYGOTE_FDS, &k);
    if (n < 0)
        return (int)n; /* -EBADMSG: cut short or too many fds, all closed */
    if (n == 0 && k == 0)
        return 0;
    if (k != ZYGOTE_FDS || type_of(buf, (size_t)n) != QUILT_MSG_FORK) {
        for (int i = 0; i < k; i++)
            close(got[i]);
        return -EBADMSG;
    }
    memcpy(fds, got, sizeof got);
    return 1;
}

int zygote_place_fds(const int fds[ZYGOTE_FDS], const int *keep, int n_keep)
{
    int n = ZYGOTE_FDS + n_keep;
    int high[ZYGOTE_FDS + ZYGOTE_KEEP_MAX];
    if (n_keep < 0 || n_keep > ZYGOTE_KEEP_MAX)
        return -EINVAL;
    /* as a rule the kept fds are at their numbers already (the zygote opened them first, in this order) and the
     * FORK's fds above them all: then only those four move, and the kept ones keep their flags (close-on-exec:
     * the zygote opens every fd of its own so) */
    int in_place = 1;
    for (int j = 0; j < n_keep && in_place; j++)
        in_place = keep[j] == ZYGOTE_FDS + j;
    for (int i = 0; i < ZYGOTE_FDS && in_place; i++)
        in_place = fds[i] >= n;
    if (in_place) {
        for (int i = 0; i < ZYGOTE_FDS; i++)
            if (dup2(fds[i], i) < 0)
                return -errno;
        return close_range((unsigned)n, ~0U, 0) < 0 ? -errno : 0;
    }
    /* copies above every target first, so no dup2 below overwrites a source still to be placed */
    for (int i = 0; i < n; i++) {
        int src = i < ZYGOTE_FDS ? fds[i] : keep[i - ZYGOTE_FDS];
        high[i] = src < 0 ? -1 : fcntl(src, F_DUPFD_CLOEXEC, n);
        if (src >= 0 && high[i] < 0)
            return -errno;
    }
    for (int i = 0; i < n; i++) {
        if (high[i] < 0) {
            close(i); /* nothing of the zygote's stays at this number */
            continue;
        }
        if (dup2(high[i], i) < 0)
            return -errno;
        if (i >= ZYGOTE_FDS && fcntl(i, F_SETFD, FD_CLOEXEC) < 0)
            return -errno;
    }
    /* the copies, the originals, the zygote's control socket, epoll, signalfd and other execs' sockets */
    if (close_range((unsigned)n, ~0U, 0) < 0)
        return -errno;
    return 0;
}

/* The children's sockets: the zygote's copy of each, for EXEC_EXITED. */
struct children {
    pid_t *pid;
    int *sock;
    size_t n, cap;
};

static int children_add(struct children *k, pid_t pid, int sock)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 16;
        pid_t *p = realloc(k->pid, cap * sizeof *p);
        if (p)
            k->pid = p;
        int *s = p ? realloc(k->sock, cap * sizeof *s) : NULL;
        if (!s)
            return -ENOMEM;
        k->sock = s;
        k->cap = cap;
    }
    k->pid[k->n] = pid;
    k->sock[k->n] = sock;
    k->n++;
    return 0;
}

/* A child forked ahead of the next FORK (the spare): blocked on its own socket until the zygote passes it that
 * FORK's fds, then a forked child as any (become_child). An exec start then waits for no fork(2), which costs
 * ~0.1-0.2 ms of a VM's exec, only for two wake-ups. The next one is forked once a child has ended (SIGCHLD),
 * off every exec's way; a FORK that finds none forks as before. It holds nothing of the execs' (their sockets
 * are closed in it at once); the zygote kills and reaps it before it ends, and a spare whose zygote died
 * (SIGKILL) ends at its socket's end of file. */
struct spare {
    pid_t pid; /* -1: none */
    int sock;  /* the zygote's end of the pair it waits on */
};

/* Reaps every child that has ended (WNOHANG: never blocks) and tells each one's JVM how; a spare that died
 * (killed) is forgotten, its socket closed. */
static void reap(struct children *k, struct spare *spare)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == spare->pid) {
            close(spare->sock);
            spare->pid = spare->sock = -1;
            continue;
        }
        for (size_t i = 0; i < k->n; i++) {
            if (k->pid[i] != pid)
                continue;
            zygote_send_exited(k->sock[i], status); /* -EPIPE: the JVM let go; nobody to tell */
            close(k->sock[i]);
            k->pid[i] = k->pid[k->n - 1];
            k->sock[i] = k->sock[k->n - 1];
            k->n--;
            break;
        }
    }
}

static void add(int ep, int fd)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* The forked child: the exec's fds on 0-3, the zygote's own from 4 on in the order of their numbers (the init's
 * pidfd on 4 and /proc/PID on 5, as it opened them first; the cgroups' after), its own session, no signal blocked. */
static int become_child(struct zygote *z, const int fds[ZYGOTE_FDS])
{
    sigset_t none;
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
        return -errno;
    if (setsid() < 0)
        return -errno;
    struct exec_cgroups *g = &z->cgroups;
    int *own[ZYGOTE_KEEP_MAX] = { &z->pidfd, &z->proc_dir, &z->probe_fd, &g->v2_fd }, n_own = 4 + g->n;
    for (int i = 0; i < g->n; i++)
        own[4 + i] = &g->fd[i];
    int *placed[ZYGOTE_KEEP_MAX], keep[ZYGOTE_KEEP_MAX] = { 0 }, n_keep = 0;
    for (int i = 0; i < n_own; i++) { /* the open ones, by number: each lands where it is when it can */
        if (*own[i] < 0)
            continue;
        int j = n_keep++;
        for (; j > 0 && *placed[j - 1] > *own[i]; j--)
            placed[j] = placed[j - 1];
        placed[j] = own[i];
    }
    for (int j = 0; j < n_keep; j++)
        keep[j] = *placed[j];
    int rc = zygote_place_fds(fds, keep, n_keep);
    if (rc < 0)
        return rc;
    for (int j = 0; j < n_keep; j++)
        *placed[j] = ZYGOTE_FDS + j;
    return 0;
}

/* Closes our copies of the children's sockets and the loop's own fds, and frees the list. */
static void let_go(struct children *kids, int ep, int sfd)
{
    for (size_t i = 0; i < kids->n; i++)
        close(kids->sock[i]);
    free(kids->pid);
    free(kids->sock);
    kids->pid = NULL;
    kids->sock = NULL;
    kids->n = kids->cap = 0;
    close(ep);
    close(sfd);
}

/* Forks a spare: 0 in it (its end of the pair in spare->sock), its pid in the zygote, -1 when it cannot (then
 * FORKs fork as before). */
static pid_t spare_fork(struct spare *spare)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    if (pid == 0) {
        close(sv[0]);
        spare->pid = -1;
        spare->sock = sv[1];
        return 0;
    }
    close(sv[1]);
    spare->pid = pid;
    spare->sock = sv[0];
    return pid;
}

/* Hands a FORK's fds to the spare: its pid, which is then an ordinary child of ours (no spare left), or -1 when
 * there is none or it is gone (the fds are still ours to fork with). */
static pid_t spare_take(struct spare *spare, const int fds[ZYGOTE_FDS])
{
    if (spare->pid < 0)
        return -1;
    pid_t pid = spare->pid;
    int rc = zygote_send_fork(spare->sock, fds);
    close(spare->sock); /* taken, or dead: either way not a spare any more */
    spare->pid = spare->sock = -1;
    if (rc < 0)
        return -1; /* it died (killed): reap() has it, or will; its pid is no child of an exec's */
    return pid;
}

int zygote_run(int control, struct zygote *z, int *is_child)
{
    *is_child = 0;
    /* main() did it before reading a byte; said again here so no caller of the loop forgets it: nothing of
     * the container reaches into the zygote, nor into the children it forks (the flag is inherited) */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
        return -errno;
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0)
        return -errno;
    int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (sfd < 0 || ep < 0) {
        int err = errno;
        if (sfd >= 0)
            close(sfd);
        return -err;
    }
    add(ep, control);
    add(ep, z->pidfd);
    add(ep, sfd);
    struct children kids = { 0 };
    struct spare spare = { -1, -1 };
    int rc = 0, done = 0;
    if (spare_fork(&spare) == 0)
        goto spare_child;
    while (!done) {
        struct epoll_event ev[4];
        int n = epoll_wait(ep, ev, 4, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            break;
        }
        for (int i = 0; i < n && !done; i++) {
            int fd = ev[i].data.fd;
            if (fd == sfd) {
                struct signalfd_siginfo si;
                while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
                    ;
                reap(&kids, &spare);
                /* an exec has ended: the next one's child is forked now, off its way */
                if (spare.pid < 0 && spare_fork(&spare) == 0)
                    goto spare_child;
            } else if (fd == z->pidfd) {
                done = 1; /* the init ended: no exec of this container can start any more */
            } else if (fd == control) {
                int fds[ZYGOTE_FDS];
                int got = zygote_receive_fork(control, fds);
                if (got == -EBADMSG || got == -EAGAIN)
                    continue; /* not a FORK we can act on: nothing was forked, its fds are closed */
                if (got <= 0) {
                    rc = got;
                    done = 1; /* end of file: the server went */
                    break;
                }
                pid_t pid = spare_take(&spare, fds);
                if (pid < 0)
                    pid = fork(); /* no spare, or it died: forked now, as before spares */
                if (pid == 0) {
                    close(ep);
                    close(sfd);
                    free(kids.pid);
                    free(kids.sock);
                    *is_child = 1;
                    return become_child(z, fds);
                }
                close(fds[0]);
                close(fds[1]);
                close(fds[2]);
                /* FORKED from here, not from the child: the JVM wakes on it while the child runs on, and the
                 * child is not preempted by that wake-up on its way to the EXEC; before the child's first message
                 * and before EXEC_EXITED, which comes from this loop later.  A failed fork sends nothing: the end
                 * of file with no message at all tells the JVM nothing was forked (it spawns instead) */
                if (pid > 0 && zygote_send_forked(fds[3], pid) < 0) {
                    close(fds[3]); /* the JVM let go already: the child finds its socket's end of file */
                } else if (pid < 0 || children_add(&kids, pid, fds[3]) < 0) {
                    close(fds[3]); /* a child we cannot track: its own end of file still tells the JVM */
                }
            }
        }
    }
    /* the children go on without us: their sockets are theirs and the JVM's now. The spare goes before we do
     * (SIGKILL: it runs nothing, and a stopped one ends too), so no orphan of ours is left to anyone */
    if (spare.pid > 0) {
        kill(spare.pid, SIGKILL);
        while (waitpid(spare.pid, NULL, 0) < 0 && errno == EINTR)
            ;
        close(spare.sock);
        spare.pid = spare.sock = -1;
    }
    reap(&kids, &spare);
    let_go(&kids, ep, sfd);
    return rc;

spare_child:
    /* nothing of the zygote's but what every child keeps (the init's fds, the cgroups') and our socket: the
     * other execs' sockets must see their end of file when the zygote lets go of them, not when we do */
    let_go(&kids, ep, sfd);
    close(control);
    {
        int fds[ZYGOTE_FDS];
        int got = zygote_receive_fork(spare.sock, fds);
        if (got != 1)
            _exit(0); /* the zygote ended, or dropped us: nothing to run */
        close(spare.sock);
        *is_child = 1;
        return become_child(z, fds);
    }
}
