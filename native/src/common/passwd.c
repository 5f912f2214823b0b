#define _GNU_SOURCE
#include "passwd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* a passwd file is read this far at most */
#define PASSWD_READ_MAX (16 * 1024 * 1024)

/* name:password:uid:gid:gecos:home:shell */
static int line_home(const char *line, size_t len, uid_t uid, char *home, size_t cap)
{
    const char *field[7];
    size_t flen[7], n = 0;
    const char *p = line, *end = line + len;
    while (n < 7) {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        field[n] = p;
        flen[n] = (size_t)((colon ? colon : end) - p);
        n++;
        if (!colon)
            break;
        p = colon + 1;
    }
    if (n < 6 || flen[2] == 0 || flen[2] > 10)
        return 0;
    unsigned long long v = 0;
    for (size_t i = 0; i < flen[2]; i++) {
        char c = field[2][i];
        if (c < '0' || c > '9')
            return 0;
        v = v * 10 + (unsigned)(c - '0');
    }
    if (v != (unsigned long long)uid)
        return 0;
    if (flen[5] == 0 || flen[5] >= cap)
        return 0;
    memcpy(home, field[5], flen[5]);
    home[flen[5]] = 0;
    return 1;
}

int passwd_home(int fd, uid_t uid, char *home, size_t cap)
{
    char buf[4096];
    size_t have = 0, total = 0;
    int skipping = 0; /* inside a line too long to hold */
    for (;;) {
        if (total > PASSWD_READ_MAX)
            return 0; /* an image's giant file must not hold its container up */
        ssize_t n = read(fd, buf + have, sizeof buf - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        total += (size_t)n;
        size_t end = have + (size_t)n, start = 0;
        char *nl;
        while ((nl = memchr(buf + start, '\n', end - start)) != NULL) {
            size_t len = (size_t)(nl - (buf + start));
            if (!skipping && line_home(buf + start, len, uid, home, cap))
                return 1;
            skipping = 0;
            start += len + 1;
        }
        size_t left = end - start;
        if (n == 0) /* the last line may lack its newline */
            return left && !skipping ? line_home(buf + start, left, uid, home, cap) : 0;
        if (left == sizeof buf) {
            skipping = 1;
            have = 0;
        } else {
            memmove(buf, buf + start, left);
            have = left;
        }
    }
}

int passwd_home_env(uid_t uid, char *env, size_t cap)
{
    char home[PATH_MAX];
    int found = 0;
    /* O_NONBLOCK: a fifo put there must not hold the container up; only a regular file is read */
    struct open_how how = { .flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
                            .resolve = RESOLVE_NO_MAGICLINKS };
    int fd = (int)syscall(SYS_openat2, AT_FDCWD, "/etc/passwd", &how, sizeof how);
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
            found = passwd_home(fd, uid, home, sizeof home) > 0;
        close(fd);
    }
    const char *h = found ? home : uid == 0 ? "/root" : "/";
    size_t n = strlen(h);
    if (n + 6 > cap)
        return -ENAMETOOLONG;
    memcpy(env, "HOME=", 5);
    memcpy(env + 5, h, n + 1);
    return 0;
}

int passwd_needs_home(char *const envp[])
{
    int i = 0;
    for (; envp[i]; i++)
        if (strncmp(envp[i], "HOME=", 5) == 0)
            return -1;
    return i;
}
