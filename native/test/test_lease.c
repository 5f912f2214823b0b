#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/lease.h"
#include "tap.h"

static char dir[] = "/tmp/quilt-lease-test.XXXXXX";

static int lease_is(const char *ip, const char *want)
{
    char path[256], got[64];
    snprintf(path, sizeof path, "%s/leases/%s", dir, ip);
    ssize_t n = readlink(path, got, sizeof got - 1);
    if (n < 0)
        return want == NULL;
    got[n] = 0;
    return want && strcmp(got, want) == 0;
}

static void lease(const char *ip, const char *id)
{
    char path[256];
    snprintf(path, sizeof path, "%s/leases/%s", dir, ip);
    unlink(path);
    if (symlink(id, path) < 0)
        perror("symlink");
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    char path[256];
    snprintf(path, sizeof path, "%s/leases", dir);
    mkdir(path, 0755);

    lease("10.0.0.5", "c1");
    lease("10.0.0.6", "c2");
    ok(lease_release(dir, "10.0.0.5/24", "c1", 5) == 0, "the container's lease is given back");
    ok(lease_is("10.0.0.5", NULL), "its symlink is gone");
    ok(lease_is("10.0.0.6", "c2"), "another container's lease stays");

    lease("10.0.0.5", "c3");
    ok(lease_release(dir, "10.0.0.5/24", "c1", 5) == 0, "an address handed to another container since is not ours");
    ok(lease_is("10.0.0.5", "c3"), "and stays with it");
    ok(lease_release(dir, "10.0.0.9/24", "c1", 5) == 0, "a lease already gone (rm was first) is fine");
    ok(lease_release("/tmp/quilt-lease-test-nosuch", "10.0.0.5/24", "c1", 5) == 0, "so is a root without a network dir");
    ok(lease_release(dir, "/24", "c1", 5) == -EINVAL, "an address without an address is EINVAL");

    /* someone holds the lock (another open file description conflicts, as a quilt command's would) */
    snprintf(path, sizeof path, "%s/lock", dir);
    int holder = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    ok(fcntl(holder, F_OFD_SETLK, &fl) == 0, "the lock is taken by another holder");
    lease("10.0.0.7", "c1");
    ok(lease_release(dir, "10.0.0.7/24", "c1", 1) == -ETIMEDOUT, "a lock that is not free by the deadline is ETIMEDOUT");
    ok(lease_is("10.0.0.7", "c1"), "and the lease is left for rm or gc");
    close(holder);
    ok(lease_release(dir, "10.0.0.7/24", "c1", 1) == 0, "once free, it goes");

    snprintf(path, sizeof path, "rm -rf %s", dir);
    if (system(path) != 0)
        return 1;
    return tap_done();
}
