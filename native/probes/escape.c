/* Probes of the ways out of the root: the exec helper's binary through
 * /proc/<pid>/exe (CVE-2019-5736) and a directory fd or cwd left outside the
 * root (CVE-2024-21626). */
#define _GNU_SOURCE
#include "probe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define MAX_PIDS 4096
#define EXE_DEADLINE_S 60
/* the container's own /etc/passwd is made this big, its lines last: quilt-exec's
 * child reads it between joining the container and its execve, which keeps
 * that window open for milliseconds rather than microseconds */
#define PASSWD_PAD (8 << 20)

static int pids_now(int *pids, int cap)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -errno;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < cap) {
        int pid = atoi(e->d_name);
        if (pid > 0)
            pids[n++] = pid;
    }
    closedir(d);
    return n;
}

static int widen_window(void)
{
    static char original[1 << 16];
    long n = read_small("/etc/passwd", original, sizeof original);
    if (n < 0)
        n = 0;
    int fd = open("/etc/.passwd-quilt-probe", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    static char block[64 * 1024];
    size_t len = 0;
    for (int i = 0; len < sizeof block - 64; i++)
        len += (size_t)snprintf(block + len, sizeof block - len, "probe%06d:x:%d:%d::/:/bin/false\n", i, 300000 + i,
                                300000 + i);
    for (size_t done = 0; done < PASSWD_PAD; done += len)
        if (write(fd, block, len) != (ssize_t)len)
            return close(fd), -EIO;
    if (write(fd, original, (size_t)n) != n)
        return close(fd), -EIO;
    close(fd);
    return rename("/etc/.passwd-quilt-probe", "/etc/passwd") < 0 ? -errno : 0;
}

#define CAUGHT 3

/* the helper's binary, kept as an O_PATH fd while a quilt-exec still runs it */
static struct {
    int fd, pid;
    char target[512];
} caught = { -1, 0, "" };

/* a new process: HELD/ESCAPED when it was quilt-exec's child, CAUGHT when its
 * binary is the host's but busy (ETXTBSY) for now, -1 when it is not (or no longer) */
static int examine(int pid)
{
    char path[64], target[512];
    snprintf(path, sizeof path, "/proc/%d/exe", pid);
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) {
        if (errno == EACCES || errno == EPERM)
            return report("exe", HELD, "open %s: %s (a non-dumpable process, and no CAP_SYS_PTRACE)", path,
                          errname(errno));
        return -1;
    }
    ssize_t n = readlink(path, target, sizeof target - 1);
    target[n > 0 ? n : 0] = 0;
    struct stat via, here;
    fstat(fd, &via);
    /* the container's own binary (already exec'd): not the helper */
    if (strncmp(target, "/memfd:", 7) != 0 && stat(target, &here) == 0 && here.st_dev == via.st_dev &&
        here.st_ino == via.st_ino) {
        close(fd);
        return -1;
    }
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    /* a memfd copy (whatever its name) sealed against writing is safe */
    int rd = open(self, O_RDONLY | O_CLOEXEC);
    int seals = rd >= 0 ? fcntl(rd, F_GET_SEALS) : -1;
    if (rd >= 0)
        close(rd);
    if (seals >= 0 && (seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))) {
        close(fd);
        return report("exe", HELD, "pid %d runs %s, a sealed memfd (seals %#x)", pid, target, seals);
    }
    int w = open(self, O_WRONLY | O_CLOEXEC);
    int e = errno;
    if (w >= 0) {
        close(w);
        close(fd);
        return report("exe", ESCAPED, "opened pid %d's %s for writing through /proc/%d/exe", pid, target, pid);
    }
    if (e == ETXTBSY) {
        caught.fd = fd;
        caught.pid = pid;
        snprintf(caught.target, sizeof caught.target, "%s", target);
        return CAUGHT;
    }
    close(fd);
    return report("exe", HELD, "pid %d's %s: O_WRONLY %s", pid, target, errname(e));
}

/* SIGUSR1 (quilt kill NAME USR1) says no quilt-exec runs any more: open the kept binary for writing */
static enum verdict reopen_caught(void)
{
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", caught.fd);
    int w = open(self, O_WRONLY | O_CLOEXEC);
    int e = errno;
    if (w >= 0) {
        close(w);
        return report("exe", ESCAPED, "kept pid %d's %s through /proc/%d/exe and opened it for writing after it ended",
                      caught.pid, caught.target, caught.pid);
    }
    if (e == ETXTBSY)
        return report("exe", ESCAPED, "kept pid %d's %s through /proc/%d/exe; O_WRONLY is ETXTBSY while a quilt-exec "
                      "runs it", caught.pid, caught.target, caught.pid);
    return report("exe", HELD, "kept pid %d's %s, but O_WRONLY: %s", caught.pid, caught.target, errname(e));
}

/* Waits for a sibling `quilt exec` to enter the container: prints "PROBE-READY exe"
 * when watching, then on each open of /etc/passwd looks at every process that
 * was not there before.  When it holds the host's binary but a quilt-exec
 * still runs it (ETXTBSY), it prints "PROBE-CAUGHT exe ..." and waits for
 * SIGUSR1, the test's word that no quilt-exec runs, to open it for writing.
 * Ends at the first verdict, or at a deadline. */
static enum verdict watch_exe(void)
{
    static int before[MAX_PIDS], now[MAX_PIDS];
    int rc = widen_window();
    if (rc < 0)
        return report("exe", UNKNOWN, "cannot write the container's /etc/passwd: %s", errname(-rc));
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    int in = inotify_init1(IN_CLOEXEC);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    int sfd = signalfd(-1, &usr1, SFD_CLOEXEC);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (in < 0 || tfd < 0 || sfd < 0 || ep < 0 || inotify_add_watch(in, "/etc/passwd", IN_OPEN) < 0)
        return report("exe", UNKNOWN, "inotify/timerfd/epoll: %s", errname(errno));
    struct itimerspec deadline = { .it_value = { .tv_sec = EXE_DEADLINE_S } };
    timerfd_settime(tfd, 0, &deadline, NULL);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = in };
    epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev);
    ev.data.fd = tfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
    ev.data.fd = sfd;
    epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
    int nb = pids_now(before, MAX_PIDS);
    printf("PROBE-READY exe\n");
    fflush(stdout);
    for (;;) {
        struct epoll_event got;
        int k = epoll_wait(ep, &got, 1, -1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return report("exe", UNKNOWN, "epoll_wait: %s", errname(errno));
        if (got.data.fd == tfd)
            return caught.fd >= 0 ? report("exe", UNKNOWN, "caught pid %d's %s, but no SIGUSR1 came within %d s",
                                           caught.pid, caught.target, EXE_DEADLINE_S)
                                  : report("exe", UNKNOWN, "no quilt exec entered the container within %d s",
                                           EXE_DEADLINE_S);
        if (got.data.fd == sfd) {
            struct signalfd_siginfo si;
            ssize_t ignored = read(sfd, &si, sizeof si);
            (void)ignored;
            if (caught.fd >= 0)
                return reopen_caught();
            continue;
        }
        if (caught.fd >= 0) {
            char drain[4096];
            ssize_t ignored = read(in, drain, sizeof drain);
            (void)ignored;
            continue;
        }
        char events[4096];
        ssize_t ignored = read(in, events, sizeof events);
        (void)ignored;
        int nn = pids_now(now, MAX_PIDS);
        for (int i = 0; i < nn; i++) {
            int old = now[i] == getpid();
            for (int j = 0; j < nb && !old; j++)
                old = before[j] == now[i];
            if (old)
                continue;
            int v = examine(now[i]);
            if (v == CAUGHT) {
                printf("PROBE-CAUGHT exe pid %d runs %s; send SIGUSR1 once no quilt exec runs\n", caught.pid,
                       caught.target);
                fflush(stdout);
                break;
            }
            if (v >= 0)
                return (enum verdict)v;
        }
    }
}

static volatile sig_atomic_t verdict_code;

static void end_on_signal(int sig)
{
    (void)sig;
    _exit(verdict_code);
}

/* As a container's pid 1 the watcher stays after its verdict (until it is
 * stopped), so the container outlives whichever exec it caught, even the
 * readiness check of `run -d`. */
enum verdict probe_exe(void)
{
    verdict_code = watch_exe();
    if (getpid() != 1)
        return verdict_code;
    struct sigaction sa = { .sa_handler = end_on_signal };
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    for (;;)
        pause();
}

/* 1 when the directory FD is inside our root, 0 when its ".." chain tops out elsewhere */
static int inside_root(int fd)
{
    struct stat root, st, up;
    if (stat("/", &root) < 0)
        return -errno;
    int cur = openat(fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    for (int depth = 0; cur >= 0 && depth < 4096; depth++) {
        if (fstat(cur, &st) < 0)
            break;
        if (st.st_dev == root.st_dev && st.st_ino == root.st_ino)
            return close(cur), 1;
        int parent = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (parent < 0 || fstat(parent, &up) < 0)
            break;
        close(cur);
        cur = parent;
        if (up.st_dev == st.st_dev && up.st_ino == st.st_ino)
            return close(cur), 0; /* a top that is not our root */
    }
    if (cur >= 0)
        close(cur);
    return -EIO;
}

/* our cwd, and every inherited fd beyond stdio that is a directory */
enum verdict probe_cwd(void)
{
    int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cwd >= 0 && inside_root(cwd) == 0) {
        char where[512];
        ssize_t n = readlink("/proc/self/cwd", where, sizeof where - 1);
        where[n > 0 ? n : 0] = 0;
        return report("cwd", ESCAPED, "the cwd is outside the root (%s)", where);
    }
    if (cwd >= 0)
        close(cwd);
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return report("cwd", UNKNOWN, "/proc/self/fd: %s", errname(errno));
    char leaked[256] = "";
    size_t len = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int fd = atoi(e->d_name);
        if (fd <= 2 || fd == dirfd(d))
            continue;
        char link[64], target[512];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof target - 1);
        target[n > 0 ? n : 0] = 0;
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && inside_root(fd) == 0) {
            int moved = chdir(link) == 0;
            closedir(d);
            return report("cwd", ESCAPED, "fd %d is a directory outside the root (%s)%s", fd, target,
                          moved ? "; chdir through /proc/self/fd reached it" : "");
        }
        if (len < sizeof leaked - 40)
            len += (size_t)snprintf(leaked + len, sizeof leaked - len, " %d", fd);
    }
    closedir(d);
    return report("cwd", HELD, "cwd inside the root; no directory fd outside it%s%s", len ? " (other fds:" : "",
                  len ? strcat(leaked, ")") : "");
}
