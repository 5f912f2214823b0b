#define _GNU_SOURCE
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

int cgroup_open_v2(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

static int write_at(const char *dir, const char *file, const char *value)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path)
        return -ENAMETOOLONG;
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t n = strlen(value);
    ssize_t w = write(fd, value, n);
    int rc = w < 0 ? -errno : (size_t)w != n ? -EIO : 0;
    close(fd);
    return rc;
}

int cgroup_join(const char *const dirs[], int n, pid_t pid, const char **object)
{
    char value[16];
    snprintf(value, sizeof value, "%d", (int)pid);
    for (int i = 0; i < n; i++) {
        int rc = write_at(dirs[i], "cgroup.procs", value);
        if (rc < 0) {
            *object = dirs[i];
            return rc;
        }
    }
    return 0;
}

int cgroup_open_tasks(const char *const dirs[], int n, int tasks[], int *v2_fd, const char **object)
{
    char path[PATH_MAX];
    for (int i = 0; i < n; i++) {
        tasks[i] = CGROUP_BY_PID;
        int rc = snprintf(path, sizeof path, "%s/tasks", dirs[i]) >= (int)sizeof path ? -ENAMETOOLONG : 0;
        if (rc == 0 && (tasks[i] = open(path, O_WRONLY | O_CLOEXEC)) < 0)
            rc = -errno, tasks[i] = CGROUP_BY_PID;
        if (rc == -ENOENT) { /* no tasks file: cgroup2, if the dir is there */
            int fd = cgroup_open_v2(dirs[i]);
            if (fd < 0)
                rc = fd;
            else if (*v2_fd < 0)
                *v2_fd = fd, tasks[i] = CGROUP_BY_CLONE, rc = 0;
            else
                close(fd), rc = 0;
        }
        if (rc < 0) {
            *object = dirs[i];
            for (int j = 0; j < i; j++)
                if (tasks[j] >= 0)
                    close(tasks[j]);
            return rc;
        }
    }
    return 0;
}

int cgroup_enter_tasks(const int tasks[], int n, int *failed)
{
    for (int i = 0; i < n; i++) {
        if (tasks[i] < 0)
            continue;
        ssize_t w = write(tasks[i], "0", 1);
        int rc = w < 0 ? -errno : w != 1 ? -EIO : 0;
        close(tasks[i]);
        if (rc < 0) {
            *failed = i;
            return rc;
        }
    }
    return 0;
}

int cgroup_by_pid(const char *const dirs[], const int tasks[], int n, const char *out[])
{
    int k = 0;
    for (int i = 0; i < n; i++)
        if (tasks[i] == CGROUP_BY_PID)
            out[k++] = dirs[i];
    return k;
}

static int open_at(const char *dir, const char *file, int flags, char *path, size_t cap)
{
    if (snprintf(path, cap, "%s/%s", dir, file) >= (int)cap)
        return -ENAMETOOLONG;
    int fd = open(path, flags | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int oom_watch_open(const struct container_config *cfg, struct oom_watch *w, const char **object)
{
    static char path[PATH_MAX]; /* for *object; the monitor is single-threaded */
    w->fd = w->counter = -1;
    int rc;
    if (cfg->cgroup_v2) {
        *object = path;
        if ((rc = open_at(cfg->cgroup_v2, "memory.events", O_RDONLY, path, sizeof path)) < 0)
            return rc == -ENOENT ? 0 : rc; /* no memory controller there: no OOM kills to count */
        w->counter = rc;
        if ((w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0)
            return -errno;
        /* kernfs signals a change of memory.events as IN_MODIFY */
        return inotify_add_watch(w->fd, path, IN_MODIFY) < 0 ? -errno : 0;
    }
    if (!cfg->cgroup_memory_v1)
        return 0;
    *object = path;
    if ((rc = open_at(cfg->cgroup_memory_v1, "memory.oom_control", O_RDONLY, path, sizeof path)) < 0)
        return rc;
    w->counter = rc;
    if ((w->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
        return -errno;
    char arm[32];
    snprintf(arm, sizeof arm, "%d %d", w->fd, w->counter);
    rc = write_at(cfg->cgroup_memory_v1, "cgroup.event_control", arm);
    if (rc < 0)
        snprintf(path, sizeof path, "%s/cgroup.event_control", cfg->cgroup_memory_v1);
    return rc;
}

long oom_watch_kills(struct oom_watch *w)
{
    char buf[512];
    /* the event itself only says "look": eventfd holds a count, inotify events */
    while (read(w->fd, buf, sizeof buf) > 0)
        ;
    ssize_t n = pread(w->counter, buf, sizeof buf - 1, 0);
    if (n < 0)
        return -errno;
    buf[n] = 0;
    /* "oom_kill N" in both v1's memory.oom_control and v2's memory.events */
    for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, "oom_kill ", 9) == 0)
            return strtol(line + 9, NULL, 10);
    return 0;
}
