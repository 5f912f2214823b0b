#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int proc_stat_start_time(const char *stat, unsigned long long *out)
{
    /* the command name (field 2) may hold spaces and parentheses: skip to the last ')' */
    const char *p = strrchr(stat, ')');
    if (!p)
        return -EBADMSG;
    p++;
    /* p now stands before field 3; field 22 is 19 fields further */
    for (int field = 3; field < 22; field++) {
        p = strchr(p + 1, ' ');
        if (!p)
            return -EBADMSG;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p + 1, &end, 10);
    if (errno || end == p + 1)
        return -EBADMSG;
    *out = v;
    return 0;
}

int proc_start_time(pid_t pid, unsigned long long *out)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    int err = errno;
    close(fd);
    if (n < 0)
        return -err;
    buf[n] = 0;
    return proc_stat_start_time(buf, out);
}
