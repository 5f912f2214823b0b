/* The exec'd command's cgroups: see cgroups.h. */
#define _GNU_SOURCE
#include "exec/cgroups.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "monitor/cgroup.h"

void exec_cgroups_init(struct exec_cgroups *g)
{
    g->n = 0;
    g->v2_fd = -1;
    for (int i = 0; i < CONFIG_MAX_CGROUPS; i++)
        g->fd[i] = -1;
}

static int open_file(const char *dir, const char *file)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, file) >= (int)sizeof path)
        return -ENAMETOOLONG;
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int exec_cgroups_open(struct exec_cgroups *g, const char *v2, const char *const dirs[], int n,
                      const char **object)
{
    exec_cgroups_init(g);
    if (n < 0 || n > CONFIG_MAX_CGROUPS)
        return *object = "cgroups", -E2BIG;
    if (v2 && (g->v2_fd = cgroup_open_v2(v2)) < 0) {
        int rc = g->v2_fd;
        g->v2_fd = -1;
        return *object = v2, rc;
    }
    for (int i = 0; i < n; i++) {
        int fd = open_file(dirs[i], "tasks"), rc = fd < 0 ? fd : 0;
        if (rc == -ENOENT && g->v2_fd < 0) { /* cgroup2 has no tasks file: the command is cloned into it */
            rc = cgroup_open_v2(dirs[i]);
            if (rc >= 0)
                g->v2_fd = rc, rc = 0;
            fd = -1;
        } else if (rc == -ENOENT) { /* a second one: the command writes itself into its cgroup.procs */
            fd = open_file(dirs[i], "cgroup.procs");
            rc = fd < 0 ? fd : 0;
        }
        if (rc < 0) {
            g->n = i;
            exec_cgroups_close(g);
            return *object = dirs[i], rc;
        }
        g->fd[i] = fd;
    }
    g->n = n;
    return 0;
}

int exec_cgroups_enter(const struct exec_cgroups *g, const char *const dirs[], const char **object)
{
    for (int i = 0; i < g->n; i++) {
        if (g->fd[i] < 0)
            continue;
        ssize_t w = write(g->fd[i], "0", 1);
        int rc = w < 0 ? -errno : w != 1 ? -EIO : 0;
        close(g->fd[i]);
        if (rc < 0)
            return *object = dirs[i], rc;
    }
    return 0;
}

void exec_cgroups_close(struct exec_cgroups *g)
{
    for (int i = 0; i < g->n; i++)
        if (g->fd[i] >= 0)
            close(g->fd[i]);
    if (g->v2_fd >= 0)
        close(g->v2_fd);
    exec_cgroups_init(g);
}
