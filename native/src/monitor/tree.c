#define _GNU_SOURCE
#include "tree.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "../common/console_socket.h"
#include "../common/fd_pass.h"
#include "../common/tlv.h"

int tree_receive_fds(int sock, struct container_config *cfg)
{
    uint8_t buf[64];
    int got = 0;
    ssize_t n = fd_pass_receive(sock, buf, sizeof buf, cfg->preserved, cfg->preserve_fds, &got);
    if (n < 0 && n != -EBADMSG)
        return (int)n;
    struct tlv_reader r = { .buf = buf, .len = n < 0 ? 0 : (size_t)n };
    uint16_t tag;
    const uint8_t *val;
    uint32_t vlen;
    char type[8] = "";
    if (tlv_next(&r, &tag, &val, &vlen) == 1 && tag == QUILT_T_TYPE && vlen < sizeof type)
        memcpy(type, val, vlen);
    char want[8];
    snprintf(want, sizeof want, "%d", QUILT_MSG_FDS);
    int rc = n < 0 || got != cfg->preserve_fds || strcmp(type, want) != 0 ? -EBADMSG : 0;
    if (rc < 0)
        tree_close_fds(cfg);
    return rc;
}

int tree_prepare(struct container_config *cfg, const char **object)
{
    if (!cfg->console_socket)
        return 0;
    *object = cfg->console_socket;
    int fd = console_socket_connect(cfg->console_socket);
    if (fd < 0)
        return fd;
    cfg->console_fd = fd;
    return 0;
}

int tree_lift_fd(int *fd, int base)
{
    if (*fd < 0 || *fd >= base)
        return 0;
    int high = fcntl(*fd, F_DUPFD_CLOEXEC, base);
    if (high < 0)
        return -errno;
    close(*fd);
    *fd = high;
    return 0;
}

int tree_lift_fds(struct container_config *cfg, int *errfd)
{
    int base = 3 + cfg->preserve_fds, rc = 0;
    if (cfg->preserve_fds == 0)
        return 0;
    int *fds[] = { errfd, &cfg->fifo_fd, &cfg->init_memfd, &cfg->console_fd, &cfg->stdout_fd, &cfg->stderr_fd };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0] && rc == 0; i++)
        rc = tree_lift_fd(fds[i], base);
    for (int i = 0; i < cfg->preserve_fds && rc == 0; i++)
        rc = tree_lift_fd(&cfg->preserved[i], base);
    return rc;
}

pid_t tree_clone_init(const struct container_config *cfg, int *pidfd, int cgroup_fd, int *step)
{
    struct clone_args args = {
        .flags = cfg->ns_flags | CLONE_PIDFD,
        .pidfd = (unsigned long long)(uintptr_t)pidfd,
        .exit_signal = SIGCHLD,
    };
    *step = QUILT_STEP_CLONE;
    if (cfg->handed_off) {
        /* copy_process() refuses CLONE_PARENT with CLONE_NEWPID: the namespace is made for
         * our children first (runc's nsexec does the same in its stage 1) */
        if ((cfg->ns_flags & CLONE_NEWPID) && unshare(CLONE_NEWPID) < 0) {
            *step = QUILT_STEP_HANDOFF;
            return -1;
        }
        args.flags = (args.flags & ~(unsigned long long)CLONE_NEWPID) | CLONE_PARENT;
        /* clone3 refuses an exit_signal with CLONE_PARENT: the child's is our own (SIGCHLD, as we were forked) */
        args.exit_signal = 0;
    }
    if (cgroup_fd >= 0) { /* born in its cgroup: not one instruction runs outside it */
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = (unsigned long long)cgroup_fd;
    }
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0 && cgroup_fd >= 0 && errno != ENOMEM && errno != EAGAIN)
        *step = QUILT_STEP_CGROUP;
    return pid;
}

void tree_close_fds(struct container_config *cfg)
{
    for (int i = 0; i < CONFIG_MAX_PRESERVED_FDS; i++)
        if (cfg->preserved[i] >= 0) {
            close(cfg->preserved[i]);
            cfg->preserved[i] = -1;
        }
    if (cfg->console_fd >= 0) {
        close(cfg->console_fd);
        cfg->console_fd = -1;
    }
}

int tree_drop_caller_stdio(void)
{
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0)
        return -errno;
    for (int fd = 0; fd <= 2; fd++)
        if (dup2(null, fd) < 0) {
            int err = errno;
            close(null);
            return -err;
        }
    close(null);
    return 0;
}

static int console_fail(struct step_error *e, int err, const char *object)
{
    *e = (struct step_error){ QUILT_STEP_CONSOLE, err, object };
    return -err;
}

int tree_console(const struct container_config *cfg, struct step_error *e)
{
    /* /dev/ptmx is pts/ptmx of the container's own devpts instance (newinstance) */
    int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        return console_fail(e, errno, "/dev/ptmx");
    int unlock = 0, n = 0, peer = -1;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0 ||
        (peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
        int err = errno;
        close(master);
        return console_fail(e, err, "/dev/ptmx");
    }
    static char name[32]; /* the init's own memory: no allocation after clone() */
    snprintf(name, sizeof name, "/dev/pts/%d", n);
    int err = 0;
    const char *what = name;
    struct winsize ws = { .ws_row = cfg->console_rows, .ws_col = cfg->console_cols };
    if ((ws.ws_row || ws.ws_col) && ioctl(peer, TIOCSWINSZ, &ws) < 0)
        err = errno;
    /* as runc's fixStdioPermissions: the process owns its terminal (the group stays tty) */
    if (!err && fchown(peer, cfg->uid, (gid_t)-1) < 0)
        err = errno;
    if (!err) {
        int rc = console_socket_send(cfg->console_fd, master, name);
        if (rc < 0) {
            err = -rc;
            what = cfg->console_socket;
        }
    }
    close(master);
    close(cfg->console_fd);
    if (!err && setsid() < 0)
        err = errno, what = "setsid";
    if (!err && ioctl(peer, TIOCSCTTY, 0) < 0)
        err = errno, what = "TIOCSCTTY";
    for (int fd = 0; fd <= 2 && !err; fd++)
        if (dup2(peer, fd) < 0)
            err = errno;
    close(peer);
    return err ? console_fail(e, err, what) : 0;
}

int tree_place_fds(const struct container_config *cfg, struct step_error *e)
{
    /* tree_lift_fds put every one of them above 3+N: no dup2 here lands on another */
    for (int i = 0; i < cfg->preserve_fds; i++)
        if (dup2(cfg->preserved[i], 3 + i) < 0) { /* dup2 clears O_CLOEXEC: they outlive execve */
            *e = (struct step_error){ QUILT_STEP_PRESERVE_FDS, errno, "--preserve-fds" };
            return -e->err;
        }
    return 0;
}
