#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* the task flag the kernel sets first thing in do_exit() (include/linux/sched.h) */
#define PF_EXITING 0x00000004UL

/* Field `want` (3 or later) of a stat line as a number; field 3, the state, as its character. */
static int stat_field(const char *stat, int want, unsigned long long *out)
{
    /* the command name (field 2) may hold spaces and parentheses: skip to the last ')' */
    const char *p = strrchr(stat, ')');
    if (!p || p[1] != ' ' || !p[2])
        return -EBADMSG;
    p++;
    /* p now stands before field 3 */
    for (int field = 3; field < want; field++) {
        p = strchr(p + 1, ' ');
        if (!p)
            return -EBADMSG;
    }
    if (want == 3) {
        *out = (unsigned char)p[1];
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p + 1, &end, 10);
    if (errno || end == p + 1)
        return -EBADMSG;
    *out = v;
    return 0;
}

int proc_stat_start_time(const char *stat, unsigned long long *out)
{
    return stat_field(stat, 22, out);
}

int proc_stat_ended(const char *stat, unsigned long long start_time)
{
    unsigned long long state, flags, start;
    int rc;
    if ((rc = stat_field(stat, 3, &state)) < 0 || (rc = stat_field(stat, 9, &flags)) < 0 ||
        (rc = stat_field(stat, 22, &start)) < 0)
        return rc;
    return state == 'Z' || state == 'X' || (flags & PF_EXITING) || start != start_time;
}

static int read_stat(pid_t pid, char *buf, size_t cap)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, cap - 1);
    int err = errno;
    close(fd);
    if (n < 0)
        return -err;
    buf[n] = 0;
    return 0;
}

int proc_start_time(pid_t pid, unsigned long long *out)
{
    char buf[1024];
    int rc = read_stat(pid, buf, sizeof buf);
    return rc < 0 ? rc : proc_stat_start_time(buf, out);
}

int proc_ended(pid_t pid, unsigned long long start_time)
{
    char buf[1024];
    int rc = read_stat(pid, buf, sizeof buf);
    if (rc == -ENOENT || rc == -ESRCH)
        return 1;
    return rc < 0 ? rc : proc_stat_ended(buf, start_time);
}
