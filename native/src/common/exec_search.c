#define _GNU_SOURCE
#include "exec_search.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

static const char *getenv_in(char *const envp[], const char *name)
{
    size_t n = strlen(name);
    for (char *const *e = envp; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

int exec_search(char *const argv[], char *const envp[])
{
    const char *file = argv[0];
    if (strchr(file, '/')) {
        execve(file, argv, envp);
        return -errno;
    }
    const char *path = getenv_in(envp, "PATH");
    if (!path)
        path = QUILT_DEFAULT_PATH;
    int first = -ENOENT;
    char buf[PATH_MAX];
    size_t flen = strlen(file);
    for (const char *p = path;; ) {
        const char *colon = strchrnul(p, ':');
        size_t dlen = (size_t)(colon - p);
        if (dlen + 1 + flen < sizeof buf) {
            memcpy(buf, p, dlen);
            size_t at = dlen;
            if (dlen)
                buf[at++] = '/';
            memcpy(buf + at, file, flen + 1);
            execve(buf, argv, envp);
            /* like execvp: remember that something was there but not runnable */
            if (errno == EACCES)
                first = -EACCES;
            else if (errno != ENOENT && errno != ENOTDIR)
                return -errno;
        }
        if (!*colon)
            break;
        p = colon + 1;
    }
    return first;
}

int exec_failure_code(int rc)
{
    return rc == -ENOENT ? 127 : 126;
}
