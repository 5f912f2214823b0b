#define _GNU_SOURCE
#include "sealed_copy.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

int sealed_copy(const char *path, const char *name)
{
    int src = open(path, O_RDONLY | O_CLOEXEC);
    if (src < 0)
        return -errno;
    struct stat st;
    int fd = -1, rc = 0;
    if (fstat(src, &st) < 0) {
        rc = -errno;
        goto out;
    }
    fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    for (off_t off = 0; off < st.st_size;) {
        ssize_t n = sendfile(fd, src, &off, (size_t)(st.st_size - off));
        if (n <= 0) {
            rc = n < 0 ? -errno : -EIO;
            goto out;
        }
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0)
        rc = -errno;
out:
    close(src);
    if (rc < 0 && fd >= 0)
        close(fd);
    return rc < 0 ? rc : fd;
}
