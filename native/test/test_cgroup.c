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

    /* quilt-exec moves itself the same way, and joins a second cgroup2 dir by its pid */
    const char *own[] = { dir("cpu", 1), dir("exec-unified", 0), dir("exec-second", 0) };
    char procs[PATH_MAX + 16];
    snprintf(procs, sizeof procs, "%s/cgroup.procs", own[2]);
    close(open(procs, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    int v2e = -1;
    ok(cgroup_join_self(own, 3, &v2e, &object) == 0 && v2e >= 0, "quilt-exec: joined, its cgroup2 dir for the clone");
    ok(strcmp(read_tasks(own[0]), "0") == 0, "itself, as \"0\" into tasks");
    char want[16], got[16] = "";
    snprintf(want, sizeof want, "%d", (int)getpid());
    int pf = open(procs, O_RDONLY);
    ssize_t r = pf < 0 ? -1 : read(pf, got, sizeof got - 1);
    got[r > 0 ? r : 0] = 0;
    close(pf);
    ok(strcmp(got, want) == 0, "a second cgroup2 dir: its pid into cgroup.procs (%s)", got);
    close(v2e);

    close(v2);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", base);
    if (system(cmd) != 0)
        return 1;
    return tap_done();
}
