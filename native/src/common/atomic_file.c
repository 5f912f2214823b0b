#define _GNU_SOURCE
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int write_file_atomic(const char *dir, const char *name, const void *data, size_t len)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -errno;
    int rc = write_file_atomic_at(dfd, name, data, len);
    close(dfd);
    return rc;
}

int write_file_atomic_at(int dfd, const char *name, const void *data, size_t len)
{
    char tmp[256];
    int rc = 0;
    if (snprintf(tmp, sizeof tmp, ".%s.tmp.%d", name, (int)getpid()) >= (int)sizeof tmp)
        return -ENAMETOOLONG;
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -errno;
    rc = write_all(fd, data, len);
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && renameat(dfd, tmp, dfd, name) < 0)
        rc = -errno;
    if (rc < 0)
        unlinkat(dfd, tmp, 0);
    else if (fsync(dfd) < 0)
        rc = -errno;
    return rc;
}

int reserve_file(struct reserved_file *r, const char *dir, const char *name, size_t size)
{
    char fill[512];
    int rc = 0;
    r->fd = -1;
    r->size = size;
    if (snprintf(r->name, sizeof r->name, "%s", name) >= (int)sizeof r->name ||
        snprintf(r->tmp, sizeof r->tmp, ".%s.tmp.%d", name, (int)getpid()) >= (int)sizeof r->tmp)
        return -ENAMETOOLONG;
    r->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r->dfd < 0)
        return -errno;
    r->fd = openat(r->dfd, r->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (r->fd < 0) {
        rc = -errno;
        close(r->dfd);
        return rc;
    }
    /* real bytes, not fallocate (whose unwritten extents may need more on the
     * first write): the space is the file's from write() on (tmpfs allocates the
     * pages, ext4 and xfs reserve the delayed blocks), so no fsync is needed, and
     * none is spent in the spawn path; the commit fsyncs what it writes */
    memset(fill, ' ', sizeof fill);
    for (size_t left = size; rc == 0 && left > 0;) {
        size_t n = left < sizeof fill ? left : sizeof fill;
        rc = write_all(r->fd, fill, n);
        left -= n;
    }
    if (rc < 0)
        reserved_drop(r);
    return rc;
}

int reserved_commit(struct reserved_file *r, const void *data, size_t len)
{
    int rc = 0;
    if (len > r->size) {
        rc = -EMSGSIZE;
    } else {
        const char *p = data;
        for (size_t done = 0; rc == 0 && done < len;) {
            ssize_t n = pwrite(r->fd, p + done, len - done, (off_t)done);
            if (n < 0 && errno != EINTR)
                rc = -errno;
            else if (n > 0)
                done += (size_t)n;
        }
    }
    if (rc == 0 && (ftruncate(r->fd, (off_t)len) < 0 || fsync(r->fd) < 0))
        rc = -errno;
    if (rc == 0 && renameat(r->dfd, r->tmp, r->dfd, r->name) < 0)
        rc = -errno;
    if (rc < 0) {
        reserved_drop(r);
        return rc;
    }
    if (fsync(r->dfd) < 0)
        rc = -errno;
    close(r->fd);
    close(r->dfd);
    r->fd = r->dfd = -1;
    return rc;
}

void reserved_drop(struct reserved_file *r)
{
    if (r->fd < 0)
        return;
    unlinkat(r->dfd, r->tmp, 0);
    close(r->fd);
    close(r->dfd);
    r->fd = r->dfd = -1;
}
