#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/atomic_file.h"
#include "tap.h"

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
    if (d)
        closedir(d);
    return n;
}

static char *slurp(const char *path)
{
    static char buf[4096];
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    if (fd >= 0)
        close(fd);
    return buf;
}

int main(void)
{
    char dir[] = "/tmp/quilt-atomic-XXXXXX", tmp[128], final[128];
    if (!mkdtemp(dir))
        return 1;
    snprintf(tmp, sizeof tmp, "%s/.exit.json.tmp.%d", dir, (int)getpid());
    snprintf(final, sizeof final, "%s/exit.json", dir);

    struct reserved_file r;
    ok(reserve_file(&r, dir, "exit.json", 2048) == 0, "a reservation is made");
    struct stat st;
    ok(stat(tmp, &st) == 0 && st.st_size == 2048 && st.st_blocks * 512 >= 2048,
       "its temp file holds the whole size, allocated (%lld blocks)", (long long)st.st_blocks);
    ok(access(final, F_OK) < 0, "nothing is visible under the name yet");
    const char *json = "{\"exitCode\":7}\n";
    ok(reserved_commit(&r, json, strlen(json)) == 0, "the commit writes it");
    ok(strcmp(slurp(final), json) == 0, "the file holds exactly the record: %s", slurp(final));
    ok(access(tmp, F_OK) < 0 && entries(dir) == 1, "the temp file is gone");

    ok(reserve_file(&r, dir, "exit.json", 8) == 0, "another reservation");
    ok(reserved_commit(&r, json, strlen(json)) == -EMSGSIZE, "more than the reservation is refused");
    ok(access(tmp, F_OK) < 0 && strcmp(slurp(final), json) == 0, "and leaves the old record and no temp file");

    ok(reserve_file(&r, dir, "pids.json", 256) == 0, "a third");
    reserved_drop(&r);
    ok(entries(dir) == 1, "dropping it removes its temp file");
    reserved_drop(&r);
    ok(1 == entries(dir), "dropping twice is harmless");

    ok(reserve_file(&r, "/nonexistent-quilt-dir", "exit.json", 16) == -ENOENT, "a missing dir is ENOENT");
    unlink(final);
    rmdir(dir);
    return tap_done();
}
