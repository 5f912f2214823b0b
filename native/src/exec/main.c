/* quilt-exec: one command inside a running container.
 *
 * The JVM starts it (posix_spawn, never a fork of the JVM) with its own stdio
 * and a SOCK_SEQPACKET socket on fd 3, and sends one EXEC message: the
 * container's init (pid and start time), the namespaces to join, the cgroup,
 * and the command with its env, cwd and user.  Before it touches the container
 * it makes itself non-dumpable, so nothing inside can open /proc/<pid>/exe (the
 * host binary) or its fds.  It opens the container's cgroups on the host
 * (exec/cgroups.h), joins every namespace at once through a pidfd
 * (setns(pidfd, flags)), marks every fd but stdio close-on-exec, and clones
 * the child that the pid namespace needs, in our memory until its execve as
 * posix_spawn's is (common/clone_vm.h): the child joins the cgroups itself
 * (v1: "0" into each tasks file; v2: it is cloned into it), so quilt-exec is
 * in none of the container's, changes to the cwd, drops to the user and
 * execs, searching the container's PATH.  A failure
 * before exec is sent back as FAIL (step, errno, object); success is the end of
 * file on the socket, whose last copy closes at execve.  We then wait for the
 * command and exit with its status (128+n for signal n), passing on the
 * signals a terminal or `quilt` sends us.
 *
 * Two variations serve the readiness chain and health checks.  With CAPTURE
 * the command's stdout and stderr go to a pipe instead of ours, TIMEOUT_MS arms
 * a timerfd that kills it, and the answer is a RESULT message (status, signal,
 * output, timed out) rather than our exit: epoll waits on the pipe, the child's
 * pidfd and the timer, never on a clock.  With PROBE_PATH the command is one of
 * our static binaries, exec'd from a sealed memfd copy taken on the host
 * (quilt-init --probe), so the probe works whatever the image holds and nothing
 * in the container can reach the host's file.
 *
 * With TTY the command gets a pty from the container's own devpts (opened
 * after we joined its mount namespace; the peer through TIOCGPTPEER, so no
 * path is looked up twice), as its controlling terminal.  We relay between
 * it and our stdio with epoll: our stdin (with -i; put in raw mode when it is
 * a terminal, and restored), the pty's output, SIGWINCH through a signalfd
 * for the window size, and the child's pidfd for its end.
 *
 * runc's exec (quilt-runc exec, exec/handoff.h): with EXEC_PID_WANTED the
 * command's host pid comes back as EXEC_STARTED before its execve; with
 * CONSOLE_SOCKET the pty master goes there instead of being relayed; with
 * DETACH we exit as soon as the command has exec'd and it is the caller's
 * subreaper's to reap; with PRESERVE_FDS the caller's fds 3.. (the JVM's, by
 * pidfd_getfd) are the command's 3.., our socket moved above them.
 *
 * Sessions (the API's exec start, exec/session.h): with SESSION we stay: the
 * command in its own process group, EXEC_STARTED once it has exec'd, RESIZE
 * and SIGNAL from the JVM, TIMEOUT_MS killing the group, RESULT at its end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "common/clone_vm.h"
#include "common/confine.h"
#include "common/exec_search.h"
#include "common/message.h"
#include "common/passwd.h"
#include "common/sealed_copy.h"
#include "common/signals.h"
#include "common/tlv.h"
#include "common/console_socket.h"
#include "exec/capture.h"
#include "exec/cgroups.h"
#include "exec/handoff.h"
#include "exec/request.h"
#include "exec/exit_record.h"
#include "exec/session.h"
#include "exec/tty.h"
#include "exec/zygote.h"
#include "monitor/procfs.h"

static int sync_fd = 3;     /* the JVM's socket; in a command with preserved fds, moved above them */
static int failure_fd = -1; /* in a detached command: tells our parent half it never exec'd */

static void send_fail(int step, int err, const char *object)
{
    handoff_report_failure(failure_fd);
    uint8_t buf[1024];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_FAIL);
    tlv_put_long(&w, QUILT_T_STEP, step);
    tlv_put_long(&w, QUILT_T_ERRNO, err);
    if (object)
        tlv_put_str(&w, QUILT_T_OBJECT, object);
    ssize_t ignored = send(sync_fd, w.buf, w.len, MSG_NOSIGNAL);
    (void)ignored;
}

static volatile pid_t child;

/* ^C, a hang-up or `quilt`'s own TERM are for the command, not for us */
static void pass_on(int sig)
{
    if (child > 0)
        kill(child, sig);
}

static _Noreturn void fail_confined(const struct confine_error *e)
{
    send_fail(e->step, e->err, e->object);
    _exit(126);
}

/* The child, in every namespace of the container: confined as the init's
 * command is (common/confine.h), in runc's order, then exec. */
static _Noreturn void run_command(const struct exec_config *c)
{
    struct confine_error e;
    signals_reset(); /* every disposition default, nothing blocked: as runc execs */
    /* only stdio, the socket (close-on-exec: the JVM's end of file), the probe and the preserved fds */
    int probe_fd = c->probe_fd;
    int keep[] = { sync_fd, probe_fd, failure_fd };
    int *others[] = { &sync_fd, &probe_fd, &failure_fd };
    int rc = c->n_preserve ? handoff_place_fds(c->preserved, c->n_preserve, others, 3) : confine_close_fds(keep, 3);
    if (rc < 0) {
        send_fail(QUILT_STEP_STDIO, -rc, "close_range");
        _exit(126);
    }
    if (confine_chdir(c->cwd, &e) < 0)
        fail_confined(&e);
    /* no HOME given: the user's, from the container's passwd (we are in its mount namespace) */
    static char home[PATH_MAX + 8];
    int home_at = passwd_needs_home(c->envp);
    if (home_at >= 0 && passwd_home_env(c->uid, home, sizeof home) == 0)
        c->envp[home_at] = home;
    if (confine_process(&c->confine, &e) < 0 || confine_identity(&c->confine, c->uid, c->gid, &e) < 0 ||
        confine_finish(&c->confine, &e) < 0)
        fail_confined(&e);
    if (probe_fd >= 0) {
        syscall(SYS_execveat, probe_fd, "", c->argv, c->envp, AT_EMPTY_PATH);
        rc = -errno;
    } else {
        rc = exec_search(c->argv, c->envp);
    }
    send_fail(QUILT_STEP_EXEC, -rc, c->argv[0]);
    _exit(exec_failure_code(rc));
}

/* A step that joins the container failed.  If its init is ending or gone
 * (it exited while we joined: setns finds no namespaces, clone3 a dying pid
 * namespace), that is the reason, reported as the init's ESRCH, which the JVM
 * turns into "container ... is not running"; otherwise the step's own error. */
static int init_ended(const struct exec_config *c)
{
    /* after setns, "/proc" is the container's: read through the host's, opened before */
    if (c->proc_dir < 0)
        return proc_ended(c->pid, c->start_time);
    char buf[1024];
    int fd = openat(c->proc_dir, "stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT || errno == ESRCH ? 1 : -errno;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    int err = errno;
    close(fd);
    if (n < 0)
        return err == ESRCH ? 1 : -err;
    buf[n] = '\0';
    return proc_stat_ended(buf, c->start_time);
}

static void fail_join(const struct exec_config *c, int step, int err, const char *object)
{
    if (init_ended(c) > 0) /* an error reading it is no proof that it ended: report the step's own */
        send_fail(QUILT_STEP_CLONE, ESRCH, "container init");
    else
        send_fail(step, err, object);
}

/* The signals a terminal or `quilt` sends us that we pass on to the command. */
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };

/* What the command's child reads of run_exec's frame, which it may share (common/clone_vm.h): it writes none of it. */
struct command_child {
    const struct exec_config *c;
    const struct exec_cgroups *cg;
    int out_w; /* CAPTURE: the pipe's write end, its stdout and stderr */
    int peer;  /* TTY: the pty's peer, its controlling terminal */
};

/* The stack it runs on: a few frames deep (exec_search's PATH_MAX buffer the largest), mapped lazily. */
#define COMMAND_STACK (256 * 1024)

/* The command's child, from the clone to its execve (run_command) or _exit(126). */
static int command_main(void *arg)
{
    const struct command_child *k = arg;
    const struct exec_config *c = k->c;
    const char *object = NULL;
    int rc;
    if (c->detach || c->session) {
        failure_fd = c->ready[1]; /* ours only: run_exec puts its own back after the clone */
        close(c->ready[0]);
    }
    /* into every cgroup of the container before anything else: quilt-exec stays in none of them */
    if ((rc = exec_cgroups_enter(k->cg, c->cgroup_v1, &object)) < 0) {
        fail_join(c, QUILT_STEP_CGROUP, -rc, object);
        _exit(126);
    }
    /* a session's command leads its own process group, so a signal or the deadline reaches its tree */
    if (c->session && !c->tty && setpgid(0, 0) < 0) {
        send_fail(QUILT_STEP_STDIO, errno, "setpgid");
        _exit(126);
    }
    struct sigaction dfl = { .sa_handler = SIG_DFL };
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaction(forwarded[i], &dfl, NULL);
    if (c->capture && (dup2(k->out_w, 1) < 0 || dup2(k->out_w, 2) < 0)) {
        send_fail(QUILT_STEP_STDIO, errno, "pipe");
        _exit(126);
    }
    /* its own session, with the pty as its controlling terminal: ^C there is its SIGINT */
    if (c->tty && (setsid() < 0 || ioctl(k->peer, TIOCSCTTY, 0) < 0 || dup2(k->peer, 0) < 0 ||
                   dup2(k->peer, 1) < 0 || dup2(k->peer, 2) < 0)) {
        send_fail(QUILT_STEP_STDIO, errno, "pty");
        _exit(126);
    }
    run_command(c);
}

/* The first message on sync_fd: its length (> 0), or -1 once the failure is told. */
static ssize_t receive_request(uint8_t **msg)
{
    ssize_t n = message_receive(sync_fd, msg);
    if (n < 0 && n != -EBADF && n != -ENOTSOCK) { /* a body that is not what its datagram says */
        send_fail(QUILT_STEP_CONFIG, (int)-n, "message");
        return -1;
    }
    if (n <= 0) {
        fprintf(stderr, "quilt-exec: no request on fd %d; it is started by quilt, not by hand\n", sync_fd);
        return -1;
    }
    return n;
}

static int run_exec(uint8_t *msg, ssize_t n, const struct zygote *z);

int main(void)
{
    /* first of all: nothing in the container may reach into this process */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        send_fail(QUILT_STEP_CONFIG, errno, "prctl(PR_SET_DUMPABLE)");
        return 125;
    }
    signals_reset(); /* nothing ignored or blocked because the JVM's spawn left it so */
    /* fds the JVM had not marked close-on-exec when it spawned us (a pipe of a process it was starting at that
     * moment) would stay open here for as long as we run (a session, a zygote: the container's life), and their
     * readers would never see the end of file. Only stdio and fd 3 stay */
    close_range((unsigned)sync_fd + 1, ~0U, 0);
    uint8_t *msg;
    ssize_t n = receive_request(&msg);
    if (n < 0)
        return 125;
    if (!zygote_is_request(msg, (size_t)n))
        return run_exec(msg, n, NULL);
    /* the zygote (exec/zygote.h): it joins nothing; each FORK returns here in a child, as a fresh quilt-exec */
    struct zygote z;
    int is_child = 0, rc = zygote_parse(msg, (size_t)n, &z);
    free(msg);
    if (rc < 0 || (rc = zygote_open_init(&z)) < 0)
        return 125; /* nobody reads the zygote's socket: the JVM sees it exit, and its FORKs fall back */
    rc = zygote_run(sync_fd, &z, &is_child);
    if (!is_child)
        return rc < 0 ? 125 : 0;
    if (rc < 0)
        return 125; /* the zygote reaps us and tells the JVM our status */
    if ((n = receive_request(&msg)) < 0)
        return 125;
    return run_exec(msg, n, &z);
}

/* Everything after the EXEC message is read: the same for a spawned quilt-exec (z NULL) and a zygote's child. */
static int run_exec(uint8_t *msg, ssize_t n, const struct zygote *z)
{
    char *strings = malloc(2 * (size_t)n); /* every value and its NUL: less than its record */
    if (!strings)
        return 125;
    struct exec_config c = { .probe_fd = -1, .proc_dir = -1, .ready = { -1, -1 } };
    confine_init(&c.confine);
    const char *what;
    int rc = exec_parse(&c, msg, (size_t)n, strings, &what);
    if (rc < 0) {
        send_fail(QUILT_STEP_CONFIG, -rc, what);
        return 125;
    }

    /* the container's init, and not a process that took its pid after it died */
    int pidfd;
    if (z) { /* the zygote's: checked when it started, and a pidfd names one process for ever */
        if (c.pid != z->pid || c.start_time != z->start_time) {
            send_fail(QUILT_STEP_CONFIG, EINVAL, "the zygote's init");
            return 125;
        }
        struct pollfd ended = { .fd = z->pidfd, .events = POLLIN };
        if (poll(&ended, 1, 0) != 0) { /* readable: it has exited */
            send_fail(QUILT_STEP_CLONE, ESRCH, "container init");
            return 125;
        }
        pidfd = z->pidfd;
        c.proc_dir = z->proc_dir;
    } else {
        pidfd = (int)syscall(SYS_pidfd_open, c.pid, 0);
        unsigned long long start = 0;
        if (pidfd < 0 || proc_start_time(c.pid, &start) < 0 || start != c.start_time) {
            send_fail(QUILT_STEP_CLONE, ESRCH, "container init");
            return 125;
        }
        char proc_path[32];
        snprintf(proc_path, sizeof proc_path, "/proc/%d", (int)c.pid);
        c.proc_dir = open(proc_path, O_PATH | O_DIRECTORY | O_CLOEXEC); /* -1: fall back to the path */
    }
    if (c.stdin_null) { /* no -i: the command reads nothing of ours */
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, 0) < 0) {
            send_fail(QUILT_STEP_STDIO, errno, "/dev/null");
            return 125;
        }
        close(null);
    }
    /* the probe is read on the host, before we enter the container: the zygote's copy when it made one of it */
    if (c.probe_path && z && z->probe_fd >= 0 && z->probe_path && strcmp(c.probe_path, z->probe_path) == 0)
        c.probe_fd = z->probe_fd;
    else if (c.probe_path && (c.probe_fd = rc = sealed_copy(c.probe_path, "quilt-probe")) < 0) {
        send_fail(QUILT_STEP_EXEC, -rc, c.probe_path);
        return 125;
    }
    int out[2] = { -1, -1 };
    if (c.capture && pipe2(out, O_CLOEXEC) < 0) {
        send_fail(QUILT_STEP_STDIO, errno, "pipe");
        return 125;
    }
    /* the caller's fds for --preserve-fds, from the JVM that inherited them, before anything else is opened */
    if (c.n_preserve > 0) {
        c.preserved = calloc((size_t)c.n_preserve, sizeof(int));
        rc = c.preserved ? handoff_take_fds(sync_fd, c.n_preserve, c.preserved) : -ENOMEM;
        if (rc < 0) {
            send_fail(QUILT_STEP_STDIO, -rc, "--preserve-fds");
            return 125;
        }
    }
    /* the console socket is a host path: connected before we enter the container's mount namespace */
    int console = -1;
    if (c.console_socket && (console = rc = console_socket_connect(c.console_socket)) < 0) {
        send_fail(QUILT_STEP_EXEC_CONSOLE, -rc, c.console_socket);
        return 125;
    }
    if ((c.detach || c.session) && pipe2(c.ready, O_CLOEXEC) < 0) {
        send_fail(QUILT_STEP_STDIO, errno, "pipe");
        return 125;
    }
    /* the exit record is a host path: its directory opened before we enter the container's mount namespace */
    struct exit_record record;
    if ((rc = exit_record_open(&record, c.exit_record)) < 0) {
        send_fail(QUILT_STEP_STDIO, -rc, c.exit_record);
        return 125;
    }
    /* the container's cgroups are the command's to join (exec/cgroups.h): opened here, on the host's cgroupfs */
    struct exec_cgroups cg;
    const char *object = NULL;
    if (z && zygote_same_cgroups(z, c.cgroup_v2, c.cgroup_v1, c.n_cgroup_v1)) { /* the zygote opened them once */
        cg = z->cgroups;
    } else if ((rc = exec_cgroups_open(&cg, c.cgroup_v2, c.cgroup_v1, c.n_cgroup_v1, &object)) < 0) {
        fail_join(&c, QUILT_STEP_CGROUP, -rc, object);
        return 125;
    }
    int cgroup_fd = cg.v2_fd;
    /* every namespace at once; the mount namespace's root becomes our root and cwd */
    if (setns(pidfd, (int)c.ns_flags) < 0) {
        fail_join(&c, QUILT_STEP_CLONE, errno, "setns");
        return 125;
    }
    close(pidfd);
    int master = -1, peer = -1;
    if (c.tty && (rc = tty_open_pty(&master, &peer)) < 0) {
        fail_join(&c, QUILT_STEP_STDIO, -rc, "/dev/ptmx");
        return 125;
    }
    if (c.tty && (rc = session_size(master, c.rows, c.cols ? c.cols : c.rows)) < 0) {
        send_fail(QUILT_STEP_STDIO, -rc, "TIOCSWINSZ");
        return 125;
    }
    if (console >= 0) { /* the caller's now: it relays the terminal, we do not */
        if ((rc = handoff_send_console(console, master)) < 0) {
            send_fail(QUILT_STEP_EXEC_CONSOLE, -rc, c.console_socket);
            return 125;
        }
        close(master);
        close(console);
        master = -1;
    }
    /* only stdio and our socket reach the command, and the socket goes at its execve */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        send_fail(QUILT_STEP_STDIO, errno, "close_range");
        return 125;
    }

    struct sigaction sa = { .sa_handler = pass_on };
    sigemptyset(&sa.sa_mask);
    sigset_t block, old;
    sigemptyset(&block);
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaddset(&block, forwarded[i]);
    sigprocmask(SIG_BLOCK, &block, &old); /* until child is set */
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaction(forwarded[i], &sa, NULL);

    /* the pid namespace takes children only: the command is our child */
    int child_pidfd = -1;
    struct clone_args args = { .exit_signal = SIGCHLD };
    if (c.capture || c.tty || c.session) {
        args.flags |= CLONE_PIDFD;
        args.pidfd = (unsigned long long)(uintptr_t)&child_pidfd;
    }
    if (cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (unsigned long long)cgroup_fd;
    }
    /* the command borrows our memory until its execve (common/clone_vm.h); it reads run_exec's frame and writes
     * only sync_fd and failure_fd, which are put back here once it has exec'd (they name fds of its own table) */
    struct command_child k = { .c = &c, .cg = &cg, .out_w = c.capture ? out[1] : -1, .peer = c.tty ? peer : -1 };
    int own_sync = sync_fd, own_failure = failure_fd;
    struct clone_vm_stack stack = { 0 };
    pid_t pid = clone_vm_stack_map(&stack, COMMAND_STACK) == 0 ? clone_vm_run(&args, &stack, command_main, &k)
                                                               : -ENOSYS;
    sync_fd = own_sync;
    failure_fd = own_failure;
    if (pid == -ENOSYS) { /* no trampoline for this architecture, or no stack mapped for one: a fork */
        args.flags &= ~(unsigned long long)(CLONE_VM | CLONE_VFORK);
        args.stack = 0;
        args.stack_size = 0;
        pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
        if (pid == 0)
            _exit(command_main(&k));
        if (pid < 0)
            pid = -errno;
    }
    if (pid < 0) {
        fail_join(&c, cgroup_fd >= 0 ? QUILT_STEP_CGROUP : QUILT_STEP_CLONE, -pid, "command");
        return 125;
    }
    child = pid;
    sigprocmask(SIG_SETMASK, &old, NULL);
    exec_cgroups_close(&cg);
    if (c.capture) {
        close(out[1]);
        if ((rc = exec_capture(&c, sync_fd, pid, child_pidfd, out[0])) < 0) {
            send_fail(QUILT_STEP_STDIO, -rc, "capture");
            return 125;
        }
        return rc;
    }
    if (c.session) {
        if (!c.tty)
            setpgid(pid, pid); /* as its own call does: whichever runs first (EACCES once it has exec'd) */
        close(c.ready[1]);
        if (c.tty)
            close(peer);
        signal(SIGPIPE, SIG_IGN); /* a caller gone from our stdout is no reason to end */
        struct session s = { .pid = pid, .pidfd = child_pidfd, .ready = c.ready[0], .sync = sync_fd,
                             .master = c.tty ? master : -1, .with_stdin = !c.stdin_null,
                             .timeout_ms = c.timeout_ms, .record = &record };
        return session_run(&s);
    }
    if (c.want_pid && (rc = handoff_send_pid(sync_fd, pid)) < 0) {
        /* the JVM is gone or broken: the command must not run unrecorded */
        kill(pid, SIGKILL);
        exec_await(pid);
        return 125;
    }
    close(sync_fd); /* the child's copy is the last: its execve is the JVM's end of file */
    if (c.tty)
        close(peer);
    if (c.detach) {
        close(c.ready[1]);
        return handoff_await_exec(c.ready[0], pid);
    }
    if (c.tty && master >= 0)
        return exec_status_code(tty_relay(pid, child_pidfd, master, !c.stdin_null));

    int status = exec_await(pid);
    return status < 0 ? 125 : exec_status_code(status);
}
