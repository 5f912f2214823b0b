/* cgroup joins that cost no RCU grace period (monitor/cgroup.h): the tasks
 * files opened before the clone, "0" written by the process that moves, a
 * cgroup2 dir (no tasks file) left to CLONE_INTO_CGROUP.  On plain files and
 * directories of a temp dir: no root, no cgroupfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/cgroups.h"
#include "monitor/cgroup.h"
#include "tap.h"

static char base[] = "/tmp/quilt-test-cgroup.XXXXXX";

static const char *dir(const char *name, int with_tasks)
{
    static char paths[8][PATH_MAX];
    static int next;
    char *p = paths[next++];
    snprintf(p, PATH_MAX, "%s/%s", base, name);
    mkdir(p, 0755);
    if (with_tasks) {
        char f[PATH_MAX + 8];
        snprintf(f, sizeof f, "%s/tasks", p);
        close(open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    }
    return p;
}

static const char *read_tasks(const char *d)
{
    static char buf[64];
    char f[PATH_MAX + 8];
    snprintf(f, sizeof f, "%s/tasks", d);
    int fd = open(f, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0)
        close(fd);
    buf[n > 0 ? n : 0] = 0;
    return buf;
}

int main(void)
{
    if (!mkdtemp(base))
        return 1;
    const char *dirs[] = { dir("memory", 1), dir("unified", 0), dir("pids", 1), dir("second-cgroup2", 0) };
    int tasks[4], v2 = -1;
    const char *object = NULL;
    ok(cgroup_open_tasks(dirs, 4, tasks, &v2, &object) == 0, "every dir is opened or placed");
    ok(tasks[0] >= 0 && tasks[2] >= 0, "a v1 dir: its tasks file, open for the init to write");
    ok(fcntl(tasks[0], F_GETFD) == FD_CLOEXEC, "close-on-exec: nothing of ours reaches the command");
    ok(tasks[1] == CGROUP_BY_CLONE && v2 >= 0, "the first dir with no tasks file (cgroup2): the clone's cgroup");
    ok(tasks[3] == CGROUP_BY_PID, "a second one: joined by pid through cgroup.procs");
    const char *by_pid[4];
    int n = cgroup_by_pid(dirs, tasks, 4, by_pid);
    ok(n == 1 && by_pid[0] == dirs[3], "only that one is the monitor's to write (%d)", n);

    int failed = -1;
    ok(cgroup_enter_tasks(tasks, 4, &failed) == 0, "the init writes itself in");
    ok(strcmp(read_tasks(dirs[0]), "0") == 0 && strcmp(read_tasks(dirs[2]), "0") == 0,
       "as \"0\": the calling thread, which the kernel moves without the global write lock");
    ok(fcntl(tasks[0], F_GETFD) < 0 && errno == EBADF, "and closes what it wrote");

    /* a dir that cannot be opened: named, and nothing left open */
    const char *bad[] = { dirs[0], "/nonexistent/quilt/cgroup" };
    int tasks2[2], v2b = v2, before = dup(0);
    close(before);
    ok(cgroup_open_tasks(bad, 2, tasks2, &v2b, &object) == -ENOENT && strcmp(object, bad[1]) == 0,
       "a missing dir is ENOENT naming it (%s)", object ? object : "-");
    int probe = dup(0);
    ok(probe == before, "the tasks file opened before it is closed again");
    close(probe);

    /* a tasks file that refuses the write: the index of the one that failed */
    int ro = open(dirs[2], O_RDONLY | O_DIRECTORY);
    int refusing[] = { CGROUP_BY_CLONE, ro };
    ok(cgroup_enter_tasks(refusing, 2, &failed) < 0 && failed == 1, "a refused write names its dir's index");

    /* an exec's command moves itself the same way (exec/cgroups.h): quilt-exec opens, the command writes */
    const char *own[] = { dir("cpu", 1), dir("exec-unified", 0), dir("exec-second", 0) };
    char procs[PATH_MAX + 16];
    snprintf(procs, sizeof procs, "%s/cgroup.procs", own[2]);
    close(open(procs, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    struct exec_cgroups g;
    ok(exec_cgroups_open(&g, NULL, own, 3, &object) == 0 && g.n == 3, "exec: every dir opened");
    ok(g.fd[0] >= 0 && fcntl(g.fd[0], F_GETFD) == FD_CLOEXEC, "a v1 dir: its tasks file, close-on-exec");
    ok(g.fd[1] == -1 && g.v2_fd >= 0, "the first cgroup2 dir: the clone's (CLONE_INTO_CGROUP)");
    ok(g.fd[2] >= 0, "a second one: its cgroup.procs");
    ok(strcmp(read_tasks(own[0]), "") == 0, "opening writes nothing: quilt-exec joins no cgroup");
    ok(exec_cgroups_enter(&g, own, &object) == 0, "the command writes itself in");
    ok(strcmp(read_tasks(own[0]), "0") == 0, "itself, as \"0\" into tasks");
    char got[16] = "";
    int pf = open(procs, O_RDONLY);
    ssize_t r = pf < 0 ? -1 : read(pf, got, sizeof got - 1);
    got[r > 0 ? r : 0] = 0;
    close(pf);
    ok(strcmp(got, "0") == 0, "and \"0\" into the second cgroup2 dir's cgroup.procs (%s)", got);
    ok(fcntl(g.fd[0], F_GETFD) < 0 && errno == EBADF, "the fds it wrote are closed");
    close(g.v2_fd);
    const char *gone[] = { own[0], "/nonexistent/quilt/exec" };
    int free_fd = dup(0);
    close(free_fd);
    ok(exec_cgroups_open(&g, NULL, gone, 2, &object) == -ENOENT && strcmp(object, gone[1]) == 0,
       "exec: a missing dir is ENOENT naming it");
    int next = dup(0);
    ok(next == free_fd && g.n == 0 && g.v2_fd == -1, "and nothing stays open");
    close(next);
    ok(exec_cgroups_open(&g, "/nonexistent/quilt/v2", own, 1, &object) == -ENOENT &&
       strcmp(object, "/nonexistent/quilt/v2") == 0, "a missing cgroup2 dir of a v2 host: ENOENT naming it");
    int ro_fd[] = { open(own[0], O_RDONLY | O_DIRECTORY) };
    struct exec_cgroups refused = { .n = 1, .v2_fd = -1 };
    refused.fd[0] = ro_fd[0];
    ok(exec_cgroups_enter(&refused, own, &object) < 0 && object == own[0], "a refused write names its dir");

    close(v2);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", base);
    if (system(cmd) != 0)
        return 1;
    return tap_done();
}
