/* quilt-monitor: the parent of one container's init.
 *
 * The JVM starts it (posix_spawn, never a fork of the JVM) with a SOCK_SEQPACKET
 * socket on fd 3 and sends one CONFIG message.  The monitor forks once so that
 * it is nobody's child (the JVM reaps the short-lived first half at once), clones
 * the init into new namespaces, records both pids with their start times in
 * pids.json, and reports READY (or FAIL: step, errno, object).  Then, driven by
 * signalfd + epoll only, it answers the init's seccomp listener, copies a detached
 * container's stdout/stderr into its CRI log, and when the init exits writes
 * exit.json atomically, sends EXIT to whoever still listens, and exits.  The JVM
 * may die at any point: the container and its exit are not lost.  Nor can a
 * full disk take the exit: the space for exit.json (and pids.json) is taken
 * before the init is cloned, and at the exit it is only overwritten and renamed.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "../common/atomic_file.h"
#include "../common/message.h"
#include "../common/sealed_copy.h"
#include "../common/signals.h"
#include "../common/tlv.h"
#include "cgroup.h"
#include "config.h"
#include "init.h"
#include "lease.h"
#include "logs.h"
#include "network.h"
#include "pid1_signals.h"
#include "procfs.h"
#include "restore.h"
#include "tree.h"
#include "userns.h"

#define SYNC_FD 3
/* room for the longest record each can be (json[] below) */
#define EXIT_RECORD_MAX 2048
#define PIDS_RECORD_MAX 256

struct monitor {
    struct container_config cfg;
    pid_t init;
    int init_pidfd;
    int initfd;        /* our end of the init's socket, until its execve */
    int listener;      /* seccomp listener, or -1 */
    int sfd;           /* signalfd for SIGCHLD */
    struct log_file log; /* detached: the CRI log */
    struct log_stream out, err;
    struct reserved_file exit_record, pids_record; /* their space, taken before the clone */
    int gate_signal;   /* the signal that ended a created init at its exec fifo */
    int ready_sent;
    int init_exited, code, sig;
    int failed;        /* the exec failed after start */
    int aborted;       /* the network or cgroup failed; the init was killed before it ran */
    long long net_nanos;
    long long spawned_at, net_done_at; /* CLOCK_REALTIME ns: the readiness phases' events */
    int cgroup_fd;     /* v2: the cgroup the init is cloned into */
    struct oom_watch oom;
    int oom_killed;
    struct init_failure failure;
};

static void send_msg(struct tlv_writer *w)
{
    /* the JVM may be gone; that is not our failure */
    ssize_t ignored = send(SYNC_FD, w->buf, w->len, MSG_NOSIGNAL);
    (void)ignored;
}

static void send_fail(int step, int err, const char *object)
{
    uint8_t buf[1024];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_FAIL);
    tlv_put_long(&w, QUILT_T_STEP, step);
    tlv_put_long(&w, QUILT_T_ERRNO, err);
    if (object)
        tlv_put_str(&w, QUILT_T_OBJECT, object);
    send_msg(&w);
}

static void send_ready(struct monitor *m)
{
    unsigned long long init_start = 0, self_start = 0;
    proc_start_time(m->init, &init_start);
    proc_start_time(getpid(), &self_start);
    uint8_t buf[256];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_READY);
    tlv_put_long(&w, QUILT_T_PID, m->init);
    tlv_put_long(&w, QUILT_T_START_TIME, (long long)init_start);
    tlv_put_long(&w, QUILT_T_MONITOR_PID, getpid());
    tlv_put_long(&w, QUILT_T_MONITOR_START, (long long)self_start);
    tlv_put_long(&w, QUILT_T_SPAWNED_AT, m->spawned_at);
    if (m->cfg.net_bridge) {
        tlv_put_long(&w, QUILT_T_NET_NANOS, m->net_nanos);
        tlv_put_long(&w, QUILT_T_NET_DONE_AT, m->net_done_at);
    }
    send_msg(&w);
    m->ready_sent = 1;
}

/* pids.json: who to signal and who to wait for, even if the JVM died before it
 * could write them into state.json.  Atomic through rename; the run dir does
 * not outlive a reboot, so no fsync is owed for a power loss. */
static void write_pids(struct monitor *m)
{
    unsigned long long init_start = 0, self_start = 0;
    proc_start_time(m->init, &init_start);
    proc_start_time(getpid(), &self_start);
    char json[256];
    int n = snprintf(json, sizeof json,
                     "{\"monitorPid\":%d,\"monitorStartTime\":%llu,\"initPid\":%d,\"initStartTime\":%llu}\n",
                     (int)getpid(), self_start, (int)m->init, init_start);
    int rc = reserved_commit(&m->pids_record, json, (size_t)n);
    if (rc < 0)
        fprintf(stderr, "quilt-monitor: write %s/pids.json failed: %s\n", m->cfg.state_dir, strerror(-rc));
}

static void json_escape(char *out, size_t cap, const char *in)
{
    size_t n = 0;
    for (; *in && n + 7 < cap; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c < 0x20) {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
        } else {
            out[n++] = (char)c;
        }
    }
    out[n] = 0;
}

static void write_exit_file(struct monitor *m)
{
    struct timespec ts;
    struct tm tm;
    char when[32], json[1536], error[1100] = "";
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    if (m->failed) {
        char raw[700], esc[1000];
        const char *text = strerror(m->failure.err);
        snprintf(raw, sizeof raw, "%s \"%s\": %c%s", m->failure.step == QUILT_STEP_EXEC ? "exec" : "start",
                 m->failure.object, tolower((unsigned char)text[0]), text + 1);
        json_escape(esc, sizeof esc, raw);
        snprintf(error, sizeof error, ",\"error\":\"%s\"", esc);
    }
    int n = snprintf(json, sizeof json,
                     "{\"exitCode\":%d,\"signal\":%d,\"oomKilled\":%s,\"exitedAt\":\"%s.%09ldZ\"%s}\n",
                     m->code, m->sig, m->oom_killed ? "true" : "false", when, ts.tv_nsec, error);
    int rc = reserved_commit(&m->exit_record, json, (size_t)n);
    if (rc < 0)
        fprintf(stderr, "quilt-monitor: write %s/exit.json failed: %s\n", m->cfg.state_dir, strerror(-rc));
}

/* One message from the init before its execve: 0 at EOF, the size, or -errno.
 * A listener fd that comes along is kept in *listener. */
static ssize_t receive_from_init(int fd, struct init_failure *f, int *listener)
{
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = f, .iov_len = sizeof *f };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                          .msg_controllen = sizeof control };
    ssize_t n;
    int reset = 0;
    /* ECONNRESET: the init died with our GO unread; what it sent before is
     * still queued, and the next read returns it */
    do
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && (errno == EINTR || (errno == ECONNRESET && !reset++)));
    if (n < 0)
        return -errno;
    if (n == 0)
        return 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && listener)
            memcpy(listener, CMSG_DATA(c), sizeof(int));
    if ((size_t)n < sizeof *f)
        return -EBADMSG;
    f->object[sizeof f->object - 1] = 0;
    return n;
}

/* Reaps every child that has exited; notes the init's status when it is among them. */
static void reap(struct monitor *m)
{
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
        if (p != m->init)
            continue; /* an orphan handed to us as subreaper */
        m->init_exited = 1;
        if (WIFSIGNALED(status)) {
            m->sig = WTERMSIG(status);
            m->code = 128 + m->sig;
        } else {
            m->code = WEXITSTATUS(status);
            /* a created init ends 128+n for the signal it caught at the exec fifo */
            m->sig = m->gate_signal && m->code == 128 + m->gate_signal ? m->gate_signal : 0;
        }
    }
}

/* Everything the init needs from us, made before clone(). */
static int prepare(struct monitor *m, const char **object)
{
    struct container_config *cfg = &m->cfg;
    if (cfg->log_path) {
        int out[2], err[2], rc;
        *object = cfg->log_path;
        if ((rc = log_open(&m->log, cfg->log_path, (off_t)cfg->log_max)) < 0)
            return rc;
        if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
            return -errno;
        m->out = (struct log_stream){ .name = "stdout", .fd = out[0] };
        m->err = (struct log_stream){ .name = "stderr", .fd = err[0] };
        cfg->stdout_fd = out[1];
        cfg->stderr_fd = err[1];
    }
    if (cfg->exec_fifo) {
        *object = cfg->exec_fifo;
        cfg->fifo_fd = open(cfg->exec_fifo, O_PATH | O_CLOEXEC);
        if (cfg->fifo_fd < 0)
            return -errno;
    }
    if (cfg->init_path) {
        *object = cfg->init_path;
        cfg->init_memfd = sealed_copy(cfg->init_path, "quilt-init");
        if (cfg->init_memfd < 0)
            return cfg->init_memfd;
    }
    return 0;
}

static void close_child_ends(struct container_config *cfg)
{
    int *fds[] = { &cfg->stdout_fd, &cfg->stderr_fd, &cfg->fifo_fd, &cfg->init_memfd };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
}

static long long now_nanos(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long wall_nanos(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The v1 cgroups, then the veth and addresses, while the init mounts its root;
 * then GO.  A failure is reported as FAIL and the init, which has run nothing
 * yet, is killed. */
static void release_init(struct monitor *m)
{
    struct net_error e = { 0 };
    const char *cgroup = NULL;
    const char *by_pid[CONFIG_MAX_CGROUPS]; /* the others: the init moves itself after GO, or was cloned there */
    int n = cgroup_by_pid(m->cfg.cgroup_v1, m->cfg.cgroup_tasks, m->cfg.n_cgroup_v1, by_pid);
    int rc = cgroup_join(by_pid, n, m->init, &cgroup);
    if (rc == 0 && m->cfg.net_bridge) {
        long long t0 = now_nanos();
        rc = network_setup(&m->cfg, m->init, &e);
        m->net_nanos = now_nanos() - t0;
        m->net_done_at = wall_nanos();
    }
    if (rc == 0) {
        struct init_failure go = { .kind = INIT_MSG_GO };
        if (send(m->initfd, &go, sizeof go, MSG_NOSIGNAL) == (ssize_t)sizeof go)
            return;
        net_error_set(&e, errno, "tell the init to go on");
    }
    /* The init runs nothing before GO, so it may die now.  But it may have
     * failed on its own first (a bad -w, say), and then its namespace was gone
     * before we could plug it: that failure is the one to report.  Once it is
     * dead its socket holds all it ever said, then end of file. */
    syscall(SYS_pidfd_send_signal, m->init_pidfd, SIGKILL, NULL, 0);
    if (m->cfg.net_bridge && !cgroup)
        network_undo(&m->cfg);
    struct init_failure f;
    int own = 0, listener = -1;
    ssize_t got;
    while ((got = receive_from_init(m->initfd, &f, &listener)) > 0)
        if (f.kind == INIT_MSG_FAILURE) {
            own = 1;
            break;
        }
    if (listener >= 0)
        close(listener);
    if (own) {
        send_fail(f.step, f.err, f.object);
    } else if (cgroup) {
        send_fail(QUILT_STEP_CGROUP, -rc, cgroup);
    } else {
        char object[400];
        net_error_text(&e, object, sizeof object);
        send_fail(QUILT_STEP_NETWORK, e.err ? e.err : EIO, object);
    }
    m->aborted = 1;
    close(m->initfd);
    m->initfd = -1;
}

static void watch(int ep, int fd)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* A message from the init: WAITING (created), a failure, or EOF at execve.
 * Returns 1 when the init's socket is finished with. */
static int on_init_message(struct monitor *m)
{
    struct init_failure f;
    ssize_t got = receive_from_init(m->initfd, &f, &m->listener);
    if (got > 0 && f.kind == INIT_MSG_WAITING) {
        send_ready(m);
        return 0;
    }
    if (got > 0 && f.kind == INIT_MSG_LISTENER)
        return 0; /* the epoll loop picks the listener up */
    if (got > 0 && f.kind == INIT_MSG_SIGNALED) {
        m->gate_signal = f.err; /* it exits 128+n now; the exit is recorded as signal n */
        return 1;
    }
    if (got == 0) { /* execve succeeded */
        if (!m->ready_sent)
            send_ready(m);
        return 1;
    }
    if (got < 0) {
        f = (struct init_failure){ .kind = INIT_MSG_FAILURE, .step = QUILT_STEP_CLONE, .err = (int)-got };
        strcpy(f.object, "init");
    }
    if (!m->ready_sent) {
        send_fail(f.step, f.err, f.object);
    } else {
        m->failed = 1; /* after start: recorded in exit.json for `quilt start` and `inspect` */
        m->failure = f;
    }
    return 1;
}

/* Restore mode: CRIU's restored tree instead of a cloned init (restore.c);
 * then its network, its hostname, pids.json and READY, as for a clone.  A
 * failure is FAIL with CRIU's lines; the JVM removes the cgroup and with it
 * whatever was restored. */
static int restore_init(struct monitor *m)
{
    char err[900] = "";
    m->init = restore_run(&m->cfg, err, sizeof err, &m->init_pidfd);
    m->spawned_at = wall_nanos();
    close_child_ends(&m->cfg);
    if (m->init < 0) {
        send_fail(QUILT_STEP_RESTORE, -m->init, err);
        return -1;
    }
    write_pids(m);
    struct net_error e = { 0 };
    int rc = 0;
    if (m->cfg.net_bridge) {
        long long t0 = now_nanos();
        rc = network_setup(&m->cfg, m->init, &e);
        m->net_nanos = now_nanos() - t0;
        m->net_done_at = wall_nanos();
    }
    if (rc == 0 && m->cfg.hostname && (rc = restore_hostname(m->init_pidfd, m->cfg.hostname)) < 0)
        net_error_set(&e, -rc, "set the hostname of the restored init");
    if (rc < 0) {
        char object[400];
        syscall(SYS_pidfd_send_signal, m->init_pidfd, SIGKILL, NULL, 0);
        net_error_text(&e, object, sizeof object);
        send_fail(QUILT_STEP_NETWORK, e.err ? e.err : EIO, object);
        return -1;
    }
    send_ready(m);
    return 0;
}

static struct monitor *reserving;

/* at any exit: a record never written (the init never ran) leaves no temp file */
static void drop_reservations(void)
{
    reserved_drop(&reserving->exit_record);
    reserved_drop(&reserving->pids_record);
}

int main(void)
{
    /* static: the log buffers are large, and drop_reservations() reaches it at exit */
    static struct monitor m; /* zeroed in .bss, not 100 KiB of .data in the binary */
    m.init_pidfd = m.initfd = m.listener = m.log.fd = m.out.fd = m.err.fd = m.cgroup_fd = -1;
    m.oom.fd = m.oom.counter = m.exit_record.fd = m.pids_record.fd = -1;
    const char *what;
    sigset_t mask;

    /* whatever the JVM left open without O_CLOEXEC stops here, and no signal
     * stays ignored or blocked because it was in the JVM (or glibc's spawn) */
    close_range(SYNC_FD + 1, ~0U, 0);
    signals_reset();

    uint8_t *msg;
    ssize_t n = message_receive(SYNC_FD, &msg);
    if (n < 0 && n != -EBADF && n != -ENOTSOCK) { /* a body that is not what its datagram says */
        send_fail(QUILT_STEP_CONFIG, (int)-n, "message");
        return 1;
    }
    if (n <= 0) {
        fprintf(stderr, "quilt-monitor: no config on fd %d; it is started by quilt, not by hand\n", SYNC_FD);
        return 1;
    }
    int rc = config_parse(&m.cfg, msg, (size_t)n, &what);
    free(msg);
    if (rc < 0) {
        send_fail(QUILT_STEP_CONFIG, -rc, what);
        return 1;
    }
    if (m.cfg.preserve_fds && (rc = tree_receive_fds(SYNC_FD, &m.cfg)) < 0) {
        send_fail(QUILT_STEP_PRESERVE_FDS, -rc, "--preserve-fds");
        return 1;
    }

    /* be nobody's child: the JVM reaps this first half now, and init adopts us */
    pid_t half = fork();
    if (half < 0) {
        send_fail(QUILT_STEP_CLONE, errno, "monitor");
        return 1;
    }
    if (half > 0)
        _exit(0);

    /* the exit's space, before anything can exit: a full disk later costs no exit code */
    reserving = &m;
    atexit(drop_reservations);
    const char *record = "exit.json";
    if ((rc = reserve_file(&m.exit_record, m.cfg.state_dir, record, EXIT_RECORD_MAX)) < 0 ||
        (rc = reserve_file(&m.pids_record, m.cfg.state_dir, record = "pids.json", PIDS_RECORD_MAX)) < 0) {
        char object[600];
        snprintf(object, sizeof object, "%s/%s", m.cfg.state_dir, record);
        send_fail(QUILT_STEP_STATE, -rc, object);
        return 1;
    }
    const char *object = "monitor";
    rc = prepare(&m, &object);
    if (rc == 0 && m.cfg.log_path && (rc = tree_drop_caller_stdio()) < 0)
        object = "/dev/null";
    if (rc < 0 || (rc = tree_prepare(&m.cfg, &object)) < 0) {
        send_fail(m.cfg.console_fd < 0 && m.cfg.console_socket ? QUILT_STEP_CONSOLE : QUILT_STEP_LOG, -rc, object);
        return 1;
    }
    if (m.cfg.uid_map && (rc = userns_prepare(&m.cfg, &object)) < 0) {
        send_fail(QUILT_STEP_USERNS, -rc, object);
        return 1;
    }
    /* armed before the init exists, so no OOM kill can go unseen */
    object = m.cfg.cgroup_v2;
    int restoring = m.cfg.restore.criu != NULL; /* CRIU's child joins the cgroups itself (restore.c) */
    if (!restoring && m.cfg.cgroup_v2 && (m.cgroup_fd = rc = cgroup_open_v2(m.cfg.cgroup_v2)) < 0) {
        send_fail(QUILT_STEP_CGROUP, -rc, object);
        return 1;
    }
    /* v1: the init moves itself after GO, through these (cgroup.h); no user namespace, see there */
    if (!m.cfg.uid_map && !restoring &&
        (rc = cgroup_open_tasks(m.cfg.cgroup_v1, m.cfg.n_cgroup_v1, m.cfg.cgroup_tasks, &m.cgroup_fd, &object)) < 0) {
        send_fail(QUILT_STEP_CGROUP, -rc, object);
        return 1;
    }
    if ((rc = oom_watch_open(&m.cfg, &m.oom, &object)) < 0) {
        send_fail(QUILT_STEP_CGROUP, -rc, object);
        return 1;
    }

    if ((rc = bundle_join(&m.cfg.bundle, &object)) < 0) { /* the init is cloned into them */
        send_fail(QUILT_STEP_JOIN_NAMESPACE, -rc, object);
        return 1;
    }
    /* orphans of the container come to us, not to the host's init */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    m.sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    int sp[2];
    if (m.sfd < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0 ||
        (rc = tree_lift_fds(&m.cfg, &sp[1])) < 0) {
        send_fail(QUILT_STEP_CLONE, m.sfd < 0 || rc == 0 ? errno : -rc, "monitor");
        return 1;
    }

    if (restoring) {
        close(sp[0]);
        close(sp[1]);
        if (restore_init(&m) < 0)
            return 1;
        goto serve;
    }
    int step;
    m.init = tree_clone_init(&m.cfg, &m.init_pidfd, m.cgroup_fd, &step);
    m.spawned_at = wall_nanos(); /* from here its namespaces can be joined */
    if (m.init < 0) {
        send_fail(step, errno, step != QUILT_STEP_CGROUP ? "init" : m.cfg.cgroup_v2 ? m.cfg.cgroup_v2 : "cgroup2");
        return 1;
    }
    if (m.init == 0) {
        close(sp[0]);
        container_init(&m.cfg, sp[1]);
    }
    close(sp[1]);
    for (int i = 0; i < m.cfg.n_cgroup_v1; i++) /* the init's copies are the ones it writes */
        if (m.cfg.cgroup_tasks[i] >= 0)
            close(m.cfg.cgroup_tasks[i]);
    close_child_ends(&m.cfg);
    tree_close_fds(&m.cfg);
    if (m.cfg.handed_off) /* the caller's stdio is the init's alone: its end of file is the init's exit */
        tree_drop_caller_stdio();
    m.initfd = sp[0];
    /* a user namespace: mapped before the init does anything */
    if (m.cfg.uid_map && (rc = userns_release(&m.cfg, m.init, m.initfd, &step, &object)) < 0) {
        syscall(SYS_pidfd_send_signal, m.init_pidfd, SIGKILL, NULL, 0);
        send_fail(step, -rc, object);
        return 1;
    }
    write_pids(&m);
    if (hooks_before_pivot(&m.cfg.hooks) && hooks_run_create(&m.cfg, m.init, m.init_pidfd, m.initfd, &m.failure) < 0) {
        send_fail(m.failure.step, m.failure.err, m.failure.object); /* the init is dead and reaped */
        return 1;
    }
    if (m.cgroup_fd >= 0)
        close(m.cgroup_fd);
    if (m.cfg.hold) {
        release_init(&m);
        if (m.aborted) /* failed before it ran: the JVM cleans up */
            m.out.fd = m.err.fd = -1;
    }

serve:;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    watch(ep, m.sfd);
    if (m.initfd >= 0)
        watch(ep, m.initfd);
    watch(ep, SYNC_FD);
    if (m.out.fd >= 0) {
        watch(ep, m.out.fd);
        watch(ep, m.err.fd);
    }
    if (m.oom.fd >= 0)
        watch(ep, m.oom.fd);
    if (m.cfg.handed_off) /* not our child: its pidfd says when it exits */
        watch(ep, m.init_pidfd);

    int listening = 0;
    /* done when the init is gone, its socket has said all it had to say (a FAIL
     * can come after the SIGCHLD), and a detached container's pipes are drained */
    while (!m.init_exited || m.initfd >= 0 || m.out.fd >= 0 || m.err.fd >= 0) {
        if (m.listener >= 0 && !listening) {
            watch(ep, m.listener);
            listening = 1;
        }
        struct epoll_event events[8];
        int k = epoll_wait(ep, events, 8, -1);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < k; i++) {
            int fd = events[i].data.fd;
            if (fd == m.sfd) {
                struct signalfd_siginfo si;
                while (read(m.sfd, &si, sizeof si) == sizeof si)
                    ;
                reap(&m);
            } else if (fd == m.initfd) {
                if (on_init_message(&m)) {
                    epoll_ctl(ep, EPOLL_CTL_DEL, m.initfd, NULL);
                    close(m.initfd);
                    m.initfd = -1;
                    if (!m.ready_sent) /* failed before it ran: the JVM cleans up */
                        m.out.fd = m.err.fd = -1;
                }
            } else if (fd == m.listener) {
                if ((events[i].events & (EPOLLHUP | EPOLLERR)) || pid1_signals_answer(m.listener, m.init_pidfd) < 0)
                    epoll_ctl(ep, EPOLL_CTL_DEL, m.listener, NULL); /* no process under the filter is left */
            } else if (fd == m.out.fd || fd == m.err.fd) {
                struct log_stream *s = fd == m.out.fd ? &m.out : &m.err;
                if (log_pump(s, &m.log) != 0) {
                    epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                    close(fd);
                    s->fd = -1;
                }
            } else if (fd == m.init_pidfd) {
                epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
                m.init_exited = 1; /* its reaper has its code */
            } else if (fd == m.oom.fd) {
                if (oom_watch_kills(&m.oom) > 0)
                    m.oom_killed = 1;
            } else if (fd == SYNC_FD) {
                char drain[256];
                if (recv(SYNC_FD, drain, sizeof drain, MSG_DONTWAIT) <= 0)
                    epoll_ctl(ep, EPOLL_CTL_DEL, SYNC_FD, NULL); /* the JVM left */
            }
        }
    }
    /* The kernel may tell of a kill after the victim's exit (v2 notifies from a
     * workqueue): one read of the count at the exit settles it. */
    if (m.oom.fd >= 0 && !m.oom_killed && oom_watch_kills(&m.oom) > 0)
        m.oom_killed = 1;
    if (m.ready_sent) {
        /* the address goes back before the exit is on record: whoever sees the exit sees it free */
        if (m.cfg.net_leases && (rc = lease_release(m.cfg.net_leases, m.cfg.net_address, m.cfg.id, 5)) < 0)
            fprintf(stderr, "quilt-monitor: give back %s: %s\n", m.cfg.net_address, strerror(-rc));
        if (m.cfg.handed_off) { /* no exit.json: a code is not ours to know (domain/Observed.java) */
            config_free(&m.cfg);
            return 0;
        }
        write_exit_file(&m);
        uint8_t buf[128];
        struct tlv_writer w = { buf, sizeof buf, 0 };
        tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_EXIT);
        tlv_put_long(&w, QUILT_T_EXIT_CODE, m.code);
        tlv_put_long(&w, QUILT_T_SIGNAL, m.sig);
        send_msg(&w);
    }
    config_free(&m.cfg);
    return 0;
}
