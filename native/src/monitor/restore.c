#define _GNU_SOURCE
#include "restore.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "config.h"

#define RESTORE_ARGS 64
#define FD_BASE 100 /* where the child places what CRIU inherits: above anything we hold */

int restore_take(struct restore_terms *t, uint16_t tag, char *s, const char **what)
{
    char *end;
    switch (tag) {
    case QUILT_T_RESTORE_CRIU:
        *what = "criu";
        if (s[0] != '/')
            return -EINVAL;
        t->criu = s;
        return 1;
    case QUILT_T_RESTORE_IMAGES:
        *what = "restore images";
        if (s[0] != '/')
            return -EINVAL;
        t->images = s;
        return 1;
    case QUILT_T_RESTORE_NET_KEY:
        t->net_key = s;
        return 1;
    case QUILT_T_RESTORE_CGROUP_ROOT:
        t->cgroup_root = s;
        return 1;
    case QUILT_T_RESTORE_PIPE: {
        *what = "restore pipe";
        if (t->n_pipes == RESTORE_MAX_PIPES)
            return -E2BIG;
        errno = 0;
        long fd = strtol(s, &end, 10);
        if (errno || *end != ' ' || fd < 0 || fd > 1024)
            return -EINVAL;
        unsigned long ino = strtoul(end + 1, &end, 10);
        if (errno || *end)
            return -EINVAL;
        t->pipe_fd[t->n_pipes] = (int)fd;
        t->pipe_ino[t->n_pipes++] = ino;
        return 1;
    }
    case QUILT_T_RESTORE_DEADLINE_MS:
        *what = "restore deadline";
        errno = 0;
        t->deadline_ms = strtoul(s, &end, 10);
        return errno || *end || !*s ? -EINVAL : 1;
    case QUILT_T_RESTORE_TCP:
        t->tcp = strcmp(s, "1") == 0;
        return 1;
    default:
        return 0;
    }
}

/* A fresh, empty network namespace as an fd; we stay in ours.  -errno. */
static int empty_netns(void)
{
    int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (self < 0)
        return -errno;
    int fd = -1, rc = 0;
    if (unshare(CLONE_NEWNET) < 0)
        rc = -errno;
    else if ((fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
        rc = -errno;
    if (setns(self, CLONE_NEWNET) < 0 && rc == 0)
        rc = -errno; /* cannot happen: we held our own */
    close(self);
    if (rc < 0 && fd >= 0)
        close(fd);
    return rc < 0 ? rc : fd;
}

static int write_zero(const char *dir, const char *file)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = write(fd, "0", 1) == 1 ? 0 : -errno;
    close(fd);
    return rc;
}

/* The forked child, before execve(criu): every step's failure is its exit code. */
static void child(const struct container_config *cfg, char *const argv[], int netfd)
{
    /* the overlay lives in this private mount namespace only; CRIU builds the
     * container's from it, so nothing stays mounted on the host */
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        _exit(100);
    if (mount("overlay", cfg->merged, "overlay", 0, cfg->overlay_opts) < 0)
        _exit(101);
    /* the container's cgroups, so CRIU's tasks start there (v1: our thread,
     * which is the whole process; cgroup2: cgroup.procs) */
    for (int i = 0; i < cfg->n_cgroup_v1; i++)
        if (write_zero(cfg->cgroup_v1[i], "tasks") == -ENOENT && write_zero(cfg->cgroup_v1[i], "cgroup.procs") < 0)
            _exit(102);
    if (cfg->cgroup_v2 && write_zero(cfg->cgroup_v2, "cgroup.procs") < 0)
        _exit(102);
    int base = FD_BASE;
    if (dup2(netfd, base) < 0)
        _exit(103);
    for (int i = 0; i < cfg->restore.n_pipes; i++) {
        int src = cfg->restore.pipe_fd[i] == 2 ? cfg->stderr_fd : cfg->stdout_fd;
        if (dup2(src, base + 1 + i) < 0)
            _exit(103);
    }
    execv(cfg->restore.criu, argv);
    _exit(104);
}

static const char *child_step(int code)
{
    switch (code) {
    case 100: return "make a private mount namespace for criu";
    case 101: return "mount the container's overlay for criu";
    case 102: return "join the container's cgroups";
    case 103: return "hand criu its fds";
    case 104: return "exec criu";
    default: return NULL;
    }
}

/* CRIU's own error lines from its log, less the two every run logs here and
 * that fail nothing: RLIMIT_NOFILE (CRIU cannot raise it without
 * CAP_SYS_RESOURCE) and its probe of tun ("Unable to create tun"), joined with "; ". */
void restore_criu_errors(const char *log, char *out, size_t cap)
{
    out[0] = 0;
    FILE *f = fopen(log, "re");
    if (!f)
        return;
    char line[1024];
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        char *e = strstr(line, "Error (");
        if (!e || strstr(line, "RLIMIT_NOFILE") || strstr(line, "Unable to create tun"))
            continue;
        line[strcspn(line, "\n")] = 0;
        int w = snprintf(out + n, cap - n, "%s%s", n ? "; " : "", e);
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
    fclose(f);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

pid_t restore_run(const struct container_config *cfg, char *err, size_t errlen, int *pidfd)
{
    const struct restore_terms *t = &cfg->restore;
    static char inherit[RESTORE_MAX_PIPES + 1][96], log[4200], pidfile[4200], cgroot[4200];
    char *argv[RESTORE_ARGS];
    int a = 0;
    snprintf(log, sizeof log, "%s/restore.log", cfg->state_dir);
    snprintf(pidfile, sizeof pidfile, "%s/restore.pid", cfg->state_dir);
    argv[a++] = "criu";
    argv[a++] = "restore";
    argv[a++] = "--images-dir";
    argv[a++] = (char *)t->images;
    argv[a++] = "--work-dir";
    argv[a++] = (char *)cfg->state_dir;
    argv[a++] = "--log-file";
    argv[a++] = "restore.log";
    argv[a++] = "--root";
    argv[a++] = (char *)cfg->merged;
    argv[a++] = "--restore-detached";
    argv[a++] = "--pidfile";
    argv[a++] = pidfile;
    argv[a++] = "--manage-cgroups=soft";
    if (t->cgroup_root) {
        snprintf(cgroot, sizeof cgroot, "%s", t->cgroup_root);
        argv[a++] = "--cgroup-root";
        argv[a++] = cgroot;
    }
    if (t->tcp)
        argv[a++] = "--tcp-established";
    snprintf(inherit[0], sizeof inherit[0], "fd[%d]:%s", FD_BASE, t->net_key ? t->net_key : "quilt-net");
    argv[a++] = "--inherit-fd";
    argv[a++] = inherit[0];
    for (int i = 0; i < t->n_pipes; i++) {
        snprintf(inherit[i + 1], sizeof inherit[i + 1], "fd[%d]:pipe:[%lu]", FD_BASE + 1 + i, t->pipe_ino[i]);
        argv[a++] = "--inherit-fd";
        argv[a++] = inherit[i + 1];
    }
    argv[a] = NULL;
    unlink(pidfile);

    int netfd = empty_netns();
    if (netfd < 0) {
        snprintf(err, errlen, "make an empty network namespace: %s", strerror(-netfd));
        return netfd;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(netfd);
        snprintf(err, errlen, "fork criu: %s", strerror(e));
        return -e;
    }
    if (pid == 0)
        child(cfg, argv, netfd);
    close(netfd);

    int cfd = (int)syscall(SYS_pidfd_open, pid, 0);
    long long until = now_ms() + (long long)(t->deadline_ms ? t->deadline_ms : 60000);
    int status = 0, done = 0;
    while (!done) {
        long long left = until - now_ms();
        struct pollfd p = { .fd = cfd, .events = POLLIN };
        int k = left > 0 ? poll(&p, 1, (int)(left > 600000 ? 600000 : left)) : 0;
        if (k < 0 && errno == EINTR)
            continue;
        if (k == 0 && left <= 0) {
            /* the deadline: CRIU goes, and what it restored is in the container's cgroup */
            syscall(SYS_pidfd_send_signal, cfd, SIGKILL, NULL, 0);
            waitpid(pid, &status, 0);
            close(cfd);
            snprintf(err, errlen, "criu restore did not finish within %lu ms; killed it", t->deadline_ms);
            return -ETIMEDOUT;
        }
        if (k > 0)
            done = waitpid(pid, &status, 0) == pid;
    }
    close(cfd);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        const char *step = WIFEXITED(status) ? child_step(WEXITSTATUS(status)) : NULL;
        if (step) {
            snprintf(err, errlen, "%s failed", step);
        } else {
            restore_criu_errors(log, err, errlen);
            if (!err[0])
                snprintf(err, errlen, "criu restore failed (%s %d); see %s", WIFEXITED(status) ? "exit" : "signal",
                         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), log);
        }
        return -EIO;
    }
    FILE *f = fopen(pidfile, "re");
    int init = 0;
    if (!f || fscanf(f, "%d", &init) != 1 || init <= 0) {
        if (f)
            fclose(f);
        snprintf(err, errlen, "criu restore wrote no pid into %s", pidfile);
        return -EIO;
    }
    fclose(f);
    *pidfd = (int)syscall(SYS_pidfd_open, init, 0);
    if (*pidfd < 0) {
        int e = errno;
        snprintf(err, errlen, "open the restored init %d: %s", init, strerror(e));
        return -e;
    }
    return init;
}

int restore_hostname(int pidfd, const char *hostname)
{
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        if (setns(pidfd, CLONE_NEWUTS) < 0 || sethostname(hostname, strlen(hostname)) < 0)
            _exit(1);
        _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPERM;
}
