/* An exec session's exit record: see exit_record.h. */
#define _GNU_SOURCE
#include "exec/exit_record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/atomic_file.h"

int exit_record_open(struct exit_record *r, const char *path)
{
    r->dfd = -1;
    r->name[0] = '\0';
    if (!path)
        return 0;
    const char *slash = strrchr(path, '/');
    if (path[0] != '/' || !slash || !slash[1] || strcmp(slash + 1, ".") == 0 || strcmp(slash + 1, "..") == 0)
        return -EINVAL;
    size_t n = strlen(slash + 1);
    if (n >= sizeof r->name)
        return -ENAMETOOLONG;
    char dir[4096];
    size_t d = slash == path ? 1 : (size_t)(slash - path);
    if (d >= sizeof dir)
        return -ENAMETOOLONG;
    memcpy(dir, path, d);
    dir[d] = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    memcpy(r->name, slash + 1, n + 1);
    r->dfd = fd;
    return 0;
}

int exit_record_format(char *buf, size_t size, int status, int timed_out)
{
    int n = snprintf(buf, size, "{\"ExitCode\":%d,\"Signal\":%d,\"TimedOut\":%s}\n",
                     WIFEXITED(status) ? WEXITSTATUS(status) : 0, WIFSIGNALED(status) ? WTERMSIG(status) : 0,
                     timed_out ? "true" : "false");
    return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

int exit_record_write(const struct exit_record *r, int status, int timed_out)
{
    if (r->dfd < 0)
        return 0;
    char buf[96];
    int n = exit_record_format(buf, sizeof buf, status, timed_out);
    if (n < 0)
        return n;
    return write_file_atomic_at(r->dfd, r->name, buf, (size_t)n);
}
