#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/passwd.h"
#include "tap.h"

static int with(const char *text, uid_t uid, char *home, size_t cap)
{
    int fd = memfd_create("passwd", MFD_CLOEXEC);
    size_t n = strlen(text);
    if (write(fd, text, n) != (ssize_t)n)
        return -EIO;
    lseek(fd, 0, SEEK_SET);
    int rc = passwd_home(fd, uid, home, cap);
    close(fd);
    return rc;
}

int main(void)
{
    const char *passwd = "root:x:0:0:root:/root:/bin/sh\n"
                         "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                         "# a comment\n"
                         "odd line without fields\n"
                         "empty:x:7:7::/:/bin/sh\n"
                         "nohome:x:8:8:x::/bin/sh\n"
                         "again:x:1:1::/second:/bin/sh\n"
                         "last:x:1000:1000::/home/last:/bin/sh";
    char home[64];
    ok(with(passwd, 0, home, sizeof home) == 1 && !strcmp(home, "/root"), "uid 0: /root");
    ok(with(passwd, 1, home, sizeof home) == 1 && !strcmp(home, "/usr/sbin"), "the first line of a uid wins");
    ok(with(passwd, 1000, home, sizeof home) == 1 && !strcmp(home, "/home/last"), "a last line without its newline");
    ok(with(passwd, 8, home, sizeof home) == 0, "an empty home field is no home");
    ok(with(passwd, 4242, home, sizeof home) == 0, "no line of the uid: 0");
    ok(with(passwd, 10, home, sizeof home) == 0, "uid 10 is not uid 1000's prefix");
    ok(with(passwd, 1000, home, 5) == 0, "a home longer than the buffer is not used");

    /* a line longer than the reader's 4 KiB buffer is skipped, not split into lines */
    char big[10000];
    size_t at = 0;
    at += (size_t)sprintf(big + at, "long:x:9:9:");
    memset(big + at, 'g', 4096 - at);
    at = 4096;
    /* what follows the first 4 KiB would read as uid 5's line on its own */
    at += (size_t)sprintf(big + at, "t:x:5:5::/trap:/bin/sh\nfive:x:5:5::/five:/bin/sh\n");
    big[at] = 0;
    ok(with(big, 5, home, sizeof home) == 1 && !strcmp(home, "/five"), "a too-long line is skipped whole: %s", home);

    /* a giant file is not read to its end */
    int fd = memfd_create("passwd", MFD_CLOEXEC);
    char line[64];
    memset(line, '#', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    for (int i = 0; i < 17 * 1024 * 1024 / (int)sizeof line; i++)
        if (write(fd, line, sizeof line) != (ssize_t)sizeof line)
            break;
    const char *late = "late:x:6:6::/late:/bin/sh\n";
    ssize_t w = write(fd, late, strlen(late));
    lseek(fd, 0, SEEK_SET);
    ok(w > 0 && passwd_home(fd, 6, home, sizeof home) == 0, "nothing past the first 16 MiB is read");
    close(fd);

    char *env_with[] = { "PATH=/bin", "HOME=/x", NULL };
    char *env_without[] = { "PATH=/bin", "HOMER=1", NULL, NULL };
    ok(passwd_needs_home(env_with) == -1, "HOME given: nothing to add");
    ok(passwd_needs_home(env_without) == 2, "no HOME: the slot of the NULL");
    return tap_done();
}
