/* exec/exit_record.c without root: the record's path, its text, its atomic write. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/exit_record.h"
#include "tap.h"

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

int main(void)
{
    char dir[] = "/tmp/quilt-exit-record-XXXXXX";
    ok(mkdtemp(dir) != NULL, "a temp dir");
    char path[256], buf[128];
    snprintf(path, sizeof path, "%s/e1.exit.json", dir);

    struct exit_record none;
    ok(exit_record_open(&none, NULL) == 0 && none.dfd == -1, "no path: no record");
    ok(exit_record_write(&none, 0, 0) == 0, "writing no record is no error");
    struct exit_record r;
    ok(exit_record_open(&r, "relative/e1") == -EINVAL, "a relative path is refused");
    ok(exit_record_open(&r, "/tmp/") == -EINVAL, "a path without a file name is refused");
    ok(exit_record_open(&r, "/tmp/..") == -EINVAL, "'..' as the name is refused");
    ok(exit_record_open(&r, "/nonexistent-quilt-dir/e1") == -ENOENT, "a missing directory is -ENOENT");

    ok(exit_record_format(buf, sizeof buf, 5 << 8, 0) > 0
       && strcmp(buf, "{\"ExitCode\":5,\"Signal\":0,\"TimedOut\":false}\n") == 0, "an exit is its code");
    ok(exit_record_format(buf, sizeof buf, SIGKILL, 1) > 0
       && strcmp(buf, "{\"ExitCode\":0,\"Signal\":9,\"TimedOut\":true}\n") == 0, "a kill is its signal");
    ok(exit_record_format(buf, 8, 0, 0) == -ENOSPC, "a small buffer is -ENOSPC");

    ok(exit_record_open(&r, path) == 0 && r.dfd >= 0 && strcmp(r.name, "e1.exit.json") == 0, "opens the directory");
    ok(exit_record_write(&r, 5 << 8, 0) == 0, "writes the record");
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    ok(strcmp(buf, "{\"ExitCode\":5,\"Signal\":0,\"TimedOut\":false}\n") == 0, "the record holds the exit");
    ok(entries(dir) == 1, "no temp file is left");
    if (fd >= 0)
        close(fd);
    close(r.dfd);
    unlink(path);
    rmdir(dir);
    return tap_done();
}
