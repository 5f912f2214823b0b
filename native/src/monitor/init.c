#define _GNU_SOURCE
#include "init.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <setjmp.h>
#include <stdio.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "../common/confine.h"
#include "../common/exec_search.h"
#include "../common/fd_pass.h"
#include "../common/signals.h"
#include "../common/passwd.h"
#include "cgroup.h"
#include "hooks.h"
#include "pid1_signals.h"
#include "mounts.h"
#include "rootfs.h"
#include "tree.h"
#include "userns.h"

static _Noreturn void die(int errfd, const struct step_error *e, int code)
{
    struct init_failure f = { .kind = INIT_MSG_FAILURE, .step = e->step, .err = e->err };
    if (e->object) {
        size_t n = strlen(e->object);
        if (n >= sizeof f.object)
            n = sizeof f.object - 1;
        memcpy(f.object, e->object, n);
    }
    ssize_t ignored = send(errfd, &f, sizeof f, MSG_NOSIGNAL);
    (void)ignored;
    _exit(code);
}

static _Noreturn void die_confined(int errfd, const struct confine_error *ce)
{
    struct step_error e = { ce->step, ce->err, ce->object };
    die(errfd, &e, 1);
}

int init_send_fd(int sock, int kind, int fd)
{
    struct init_failure f = { .kind = kind };
    return fd_pass_send(sock, &f, sizeof f, &fd, 1);
}

/* --network none: the namespace's lo, up, with two ioctls and no netlink. */
static int loopback_up(void)
{
    struct ifreq ifr = { .ifr_name = "lo" };
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    int rc = 0;
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        rc = -errno;
    ifr.ifr_flags |= IFF_UP;
    if (rc == 0 && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
        rc = -errno;
    close(s);
    return rc;
}

/* Blocks until the monitor has put us in our cgroup and plugged our network;
 * it kills us if either fails. */
/* runc's reOpenDevNull: a stdio fd on /dev/null that the caller opened (conmon's, the shim's: runc's process
 * tree hands the init the caller's stdio) is the host's node, on a mount pivot_root left behind, and CRIU cannot
 * dump it ("Can't lookup mount ... path=/dev/null").  Each is pointed at the container's own /dev/null, the
 * same device, so nothing the process sees changes.  A root with no /dev/null node leaves them as they are.
 * 0 or -errno. */
static int reopen_dev_null(void)
{
    struct stat ours;
    if (stat("/dev/null", &ours) < 0 || !S_ISCHR(ours.st_mode))
        return 0;
    for (int fd = 0; fd <= 2; fd++) {
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != ours.st_rdev)
            continue;
        if (st.st_dev == ours.st_dev && st.st_ino == ours.st_ino)
            continue;
        int n = open("/dev/null", O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (n < 0)
            return -errno;
        int rc = dup3(n, fd, 0) < 0 ? -errno : 0;
        close(n);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int await_go(int errfd)
{
    struct init_failure go;
    ssize_t n;
    do
        n = recv(errfd, &go, sizeof go, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    return n == (ssize_t)sizeof go && go.kind == INIT_MSG_GO ? 0 : -ECONNRESET;
}

static sigjmp_buf gate_jump;
static volatile sig_atomic_t gate_signal, gate_armed;

static void on_gate_signal(int sig)
{
    gate_signal = sig;
    if (gate_armed) /* out of the open it blocks in: no window between a check and the block */
        siglongjmp(gate_jump, 1);
}

/* A created init waits for start in open() on the exec fifo.  As pid 1 of its
 * namespace it gets no signal from outside whose action is the default,
 * SIGKILL and SIGSTOP excepted, so `quilt kill` (TERM) would not reach it.
 * While it waits, every signal whose default is to end a process gets a
 * handler, which leaves the open by siglongjmp (a signal that came just
 * before it would otherwise leave it blocked), and the init ends as the
 * command would have (128+n), telling the monitor which signal it was.  Signals whose default is to be ignored, stop or continue are
 * left alone, as the command's would be; glibc keeps 32 and 33 to itself. */
static void catch_ending_signals(void)
{
    struct sigaction sa = { .sa_handler = on_gate_signal };
    sigemptyset(&sa.sa_mask);
    for (int sig = 1; sig < _NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD || sig == SIGCONT || sig == SIGURG ||
            sig == SIGWINCH || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
            continue;
        sigaction(sig, &sa, NULL); /* EINVAL for glibc's own: not ours to catch */
    }
}

/* The signal caught at the gate ends the init: the monitor records it. */
static _Noreturn void end_by_gate_signal(int errfd, int sig)
{
    struct init_failure f = { .kind = INIT_MSG_SIGNALED, .err = sig };
    ssize_t ignored = send(errfd, &f, sizeof f, MSG_NOSIGNAL);
    (void)ignored;
    _exit(128 + sig);
}
/* the init's own copy of memory after clone(): no allocation needed */
static char home_env[PATH_MAX + 8];
static char hook_line[512];

/* Created: tells the monitor it waits (its READY lets `quilt create` return),
 * then, with `early`, takes the last of the confinement (no_new_privs and the
 * seccomp filter, confine_finish) while start is still to come, so that start
 * does not wait for the kernel to take the filter; then blocks until `quilt
 * start` opens the fifo.  Returns our end with the gate byte written, or
 * -errno; a signal that ends the wait ends the init, and a filter the kernel
 * refuses ends it with that step's error. */
static int await_start(const struct container_config *cfg, int errfd, int early)
{
    struct init_failure w = { .kind = INIT_MSG_WAITING };
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", cfg->fifo_fd);
    catch_ending_signals();
    if (sigsetjmp(gate_jump, 1) != 0)
        end_by_gate_signal(errfd, gate_signal);
    if (send(errfd, &w, sizeof w, MSG_NOSIGNAL) < 0)
        return -errno;
    struct confine_error ce = { 0 };
    if (early && confine_finish(&cfg->confine, &ce) < 0)
        die_confined(errfd, &ce);
    gate_armed = 1;
    if (gate_signal) /* it came before we were armed */
        end_by_gate_signal(errfd, gate_signal);
    int gate = open(path, O_WRONLY | O_CLOEXEC);
    gate_armed = 0;
    if (gate < 0)
        return -errno;
    return write(gate, "0", 1) == 1 ? gate : -errno;
}

_Noreturn void container_init(const struct container_config *cfg, int errfd)
{
    struct step_error e = { 0 };
    sigset_t none;

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* in a user namespace our ids mean nothing until the monitor has mapped them */
    if (cfg->uid_map && userns_await(errfd) < 0)
        _exit(1); /* the monitor failed and reports it */
    /* anything not meant for the container dies at execve */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
        e = (struct step_error){ QUILT_STEP_STDIO, errno, "close_range" };
        die(errfd, &e, 1);
    }
    if (cfg->stdout_fd >= 0 && (dup2(cfg->stdout_fd, 1) < 0 || dup2(cfg->stderr_fd, 2) < 0)) {
        e = (struct step_error){ QUILT_STEP_STDIO, errno, "log pipes" };
        die(errfd, &e, 1);
    }
    int up = cfg->loopback ? loopback_up() : 0;
    if (up < 0) {
        e = (struct step_error){ QUILT_STEP_NETWORK, -up, "set lo up" };
        die(errfd, &e, 1);
    }
    umask(0);
    struct confine_error ce = { 0 };
    if (rootfs_mount(cfg, &e) < 0)
        die(errfd, &e, 1);
    /* the monitor runs prestart, createRuntime and createContainer now: the root is built, not yet entered */
    if (hooks_before_pivot(&cfg->hooks) && hooks_await_create(errfd) < 0)
        _exit(1); /* the monitor failed and reports it */
    if (rootfs_pivot(cfg, &e) < 0)
        die(errfd, &e, 1);
    /* through the container's /proc/sys, before it is made read-only */
    if (confine_sysctls(&cfg->confine, &ce) < 0)
        die_confined(errfd, &ce);
    if (rootfs_mask(cfg, &e) < 0)
        die(errfd, &e, 1);
    umask(022);
    /* in the container's root now: its -w made if missing, its HOME from its passwd */
    if (rootfs_workdir(cfg->cwd, &e) < 0 || mounts_readonly_root(cfg, &e) < 0)
        die(errfd, &e, 1);
    int home_at = passwd_needs_home(cfg->envp);
    if (home_at >= 0 && passwd_home_env(cfg->uid, home_env, sizeof home_env) == 0)
        cfg->envp[home_at] = home_env; /* config_parse left a spare slot; the one after stays NULL */
    if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0) {
        e = (struct step_error){ QUILT_STEP_HOSTNAME, errno, cfg->hostname };
        die(errfd, &e, 1);
    }
    /* process.terminal with a console socket: a pty of our own devpts, its master to the socket */
    if (cfg->console_fd >= 0 && tree_console(cfg, &e) < 0)
        die(errfd, &e, 1);
    /* the container's own /dev/null (the node rootfs_mount made in its fresh /dev), not the host's: a file of a
     * mount left behind at pivot_root is one CRIU cannot find, and then cannot dump */
    if (cfg->stdin_null) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || dup2(fd, 0) < 0) {
            e = (struct step_error){ QUILT_STEP_STDIO, errno, "/dev/null" };
            die(errfd, &e, 1);
        }
        close(fd);
    }
    int nrc = reopen_dev_null();
    if (nrc < 0) {
        e = (struct step_error){ QUILT_STEP_STDIO, -nrc, "/dev/null" };
        die(errfd, &e, 1);
    }
    /* a session of its own, as runc's init: nothing ties it to the monitor's session or terminal, and
     * CRIU can dump its tree (a session leader outside the pid namespace cannot be restored) */
    if (cfg->console_fd < 0 && setsid() < 0) {
        e = (struct step_error){ QUILT_STEP_STDIO, errno, "setsid" };
        die(errfd, &e, 1);
    }
    /* nothing of the image's runs outside its cgroup or without its network */
    if (cfg->hold && await_go(errfd) < 0)
        _exit(1); /* the monitor failed and reports it */
    /* into the v1 cgroups the monitor opened for us (monitor/cgroup.h): before anything of the image's */
    int failed = 0, joined = cgroup_enter_tasks(cfg->cgroup_tasks, cfg->n_cgroup_v1, &failed);
    if (joined < 0) {
        e = (struct step_error){ QUILT_STEP_CGROUP, -joined, cfg->cgroup_v1[failed] };
        die(errfd, &e, 1);
    }
    /* rooted at the cgroup we are in now: the container sees itself as "/" */
    if (cfg->cgroupns_late && unshare(CLONE_NEWCGROUP) < 0) {
        e = (struct step_error){ QUILT_STEP_CGROUP, errno, "cgroup namespace" };
        die(errfd, &e, 1);
    }
    /* its own cgroups, as the namespace roots them, read-only */
    if (cfg->cgroupns_late && mounts_cgroupfs(cfg, &e) < 0)
        die(errfd, &e, 1);
    /* while we still hold CAP_SYS_ADMIN, which a filter needs without no_new_privs; only the
     * first process of a new pid namespace is its pid 1 (not in one joined by path, nor the host's) */
    if (cfg->ns_flags & CLONE_NEWPID) {
        int listener = pid1_signals_install();
        /* the seccomp listener goes to the monitor, which answers it from outside */
        if (listener < 0 || init_send_fd(errfd, INIT_MSG_LISTENER, listener) < 0) {
            e = (struct step_error){ QUILT_STEP_SECCOMP, listener < 0 ? -listener : errno, "pid 1 signal filter" };
            die(errfd, &e, 1);
        }
        close(listener);
    }
    /* runc's order: rlimits, oom_score_adj, keyring while all-powerful; then
     * the bounding set, groups and user, the capability sets */
    if (confine_process(&cfg->confine, &ce) < 0 || confine_identity(&cfg->confine, cfg->uid, cfg->gid, &ce) < 0)
        die_confined(errfd, &ce);
    /* nothing of the monitor's reaches the command, not even close-on-exec (CVE-2024-21626) */
    if (tree_place_fds(cfg, &e) < 0) /* --preserve-fds: the caller's 3..3+N-1, kept below */
        die(errfd, &e, 1);
    int keep[] = { errfd, cfg->fifo_fd, cfg->init_memfd };
    int rc = confine_close_fds_from(3 + (unsigned)cfg->preserve_fds, keep, 3);
    if (rc < 0) {
        e = (struct step_error){ QUILT_STEP_STDIO, -rc, "close_range" };
        die(errfd, &e, 1);
    }
    if (confine_chdir(cfg->cwd, &ce) < 0)
        die_confined(errfd, &ce);
    /* created, with no OCI hook to run in here after the gate: the filter goes on while we wait for start, as
     * runc's goes on before its fifo when no_new_privs is off; the gate's own calls (open, write, sigaction,
     * send, exit) are then filtered too, as they are under runc */
    int early = cfg->fifo_fd >= 0 && cfg->hooks.n == 0;
    int gate = -1;
    if (cfg->fifo_fd >= 0 && (gate = await_start(cfg, errfd, early)) < 0) {
        e = (struct step_error){ QUILT_STEP_START, -gate, "exec.fifo" };
        die(errfd, &e, 1);
    }
    /* the command starts with every signal at its default and none blocked, as
     * with runc: nothing of ours (the gate's handlers) nor of the JVM's spawn */
    signals_reset();
    if (gate_signal)
        end_by_gate_signal(errfd, gate_signal);
    /* runc's startContainer point: started, in the container, before the command */
    if (cfg->hooks.n && hooks_run_start(cfg, hook_line, sizeof hook_line) < 0) {
        /* `quilt start` reads this before the fifo's end of file, as an exec error */
        ssize_t ignored = write(gate, "HOOK ", 5);
        ignored = write(gate, hook_line, strlen(hook_line));
        (void)ignored;
        e = (struct step_error){ QUILT_STEP_HOOK, ECANCELED, hook_line };
        die(errfd, &e, 1);
    }
    /* last before execve: no_new_privs, and the seccomp program with it (at the gate, for a created init) */
    if (!early && confine_finish(&cfg->confine, &ce) < 0)
        die_confined(errfd, &ce);
    if (cfg->init_memfd >= 0) {
        fexecve(cfg->init_memfd, cfg->argv, cfg->envp);
        rc = -errno;
    } else {
        rc = exec_search(cfg->argv, cfg->envp);
    }
    e = (struct step_error){ QUILT_STEP_EXEC, -rc, cfg->argv[0] };
    if (gate >= 0) {
        /* `quilt start` reads this before the fifo's end of file */
        /* "ENOENT exec "x": no such file or directory": the errno's name, then our one line */
        char msg[600];
        const char *name = strerrorname_np(-rc), *text = strerror(-rc);
        int n = snprintf(msg, sizeof msg, "%s exec \"%s\": %c%s", name ? name : "EIO", cfg->argv[0],
                         tolower((unsigned char)text[0]), text + 1);
        ssize_t ignored = write(gate, msg, (size_t)n);
        (void)ignored;
    }
    /* the shell's convention: 127 not found, 126 found but not runnable */
    die(errfd, &e, exec_failure_code(rc));
}
