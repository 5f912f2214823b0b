#define _GNU_SOURCE
#include "lease.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void on_alarm(int sig)
{
    (void)sig; /* only to interrupt the wait for the lock */
}

/* The whole file, as Java's FileChannel.lock() takes it; an OFD lock and a
 * process-associated one conflict, so either side waits for the other.  The
 * deadline is an alarm that interrupts the wait: a command stopped while
 * holding the lock must not keep the exit from being recorded. */
static int lock_with_deadline(int fd, unsigned deadline_s)
{
    struct sigaction sa = { .sa_handler = on_alarm }, old;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, &old); /* no SA_RESTART: the alarm ends the wait */
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
    alarm(deadline_s);
    int rc = fcntl(fd, F_OFD_SETLKW, &fl) < 0 ? -errno : 0;
    alarm(0);
    sigaction(SIGALRM, &old, NULL);
    return rc == -EINTR ? -ETIMEDOUT : rc;
}

int lease_release(const char *network_dir, const char *address, const char *id, unsigned deadline_s)
{
    char ip[64];
    size_t n = strcspn(address, "/");
    if (n == 0 || n >= sizeof ip)
        return -EINVAL;
    memcpy(ip, address, n);
    ip[n] = 0;

    int dir = open(network_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return errno == ENOENT ? 0 : -errno;
    int rc, leases = -1;
    int lock = openat(dir, "lock", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (lock < 0) {
        rc = -errno;
        goto out;
    }
    if ((rc = lock_with_deadline(lock, deadline_s)) < 0)
        goto out;
    leases = openat(dir, "leases", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (leases < 0) {
        rc = errno == ENOENT ? 0 : -errno;
        goto out;
    }
    char holder[PATH_MAX];
    ssize_t len = readlinkat(leases, ip, holder, sizeof holder - 1);
    if (len < 0) {
        rc = errno == ENOENT ? 0 : -errno; /* rm (or gc) was first */
        goto out;
    }
    holder[len] = 0;
    if (strcmp(holder, id) != 0) {
        rc = 0; /* handed to another container since: not ours to give back */
        goto out;
    }
    if (unlinkat(leases, ip, 0) < 0 && errno != ENOENT)
        rc = -errno;
    else
        rc = fsync(leases) < 0 ? -errno : 0;
out:
    if (leases >= 0)
        close(leases);
    if (lock >= 0)
        close(lock); /* and with it the lock */
    close(dir);
    return rc;
}
