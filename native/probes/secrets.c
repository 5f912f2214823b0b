/* Probes of what the host's kernel tells: its log (/dev/kmsg, syslog(2)),
 * its addresses (/proc/kallsyms) and its keys (the caller's session keyring). */
#define _GNU_SOURCE
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

/* one record read from our own reader position (each open has its own):
 * nothing is consumed.  Where the container's /dev has no kmsg, a node of
 * our own (c 1:11 in /tmp) is tried, as an attacker with CAP_MKNOD would. */
enum verdict probe_kmsg(void)
{
    const char *path = "/dev/kmsg";
    char node[128] = "";
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        scratch(node, sizeof node, "kmsg");
        if (mknod(node, S_IFCHR | 0600, makedev(1, 11)) < 0)
            return report("kmsg", errno == EPERM || errno == EACCES || errno == ENOSYS ? HELD : UNKNOWN,
                          "no /dev/kmsg, and mknod c 1:11: %s", errname(errno));
        path = node;
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    }
    int e = errno;
    if (*node)
        unlink(node);
    if (fd < 0)
        return report("kmsg", e == EPERM || e == EACCES ? HELD : UNKNOWN, "open %s: %s", path, errname(e));
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof buf);
    e = errno;
    close(fd);
    if (n > 0)
        return report("kmsg", ESCAPED, "read the host's kernel log from %s", path);
    return report("kmsg", e == EPERM || e == EACCES ? HELD : UNKNOWN, "read %s: %s", path, n == 0 ? "empty" : errname(e));
}

enum verdict probe_syslog(void)
{
    static char buf[1 << 16];
    int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL: reads, consumes nothing */, buf, sizeof buf);
    if (n > 0)
        return report("syslog", ESCAPED, "syslog(READ_ALL) returned %d bytes of the host's kernel log", n);
    if (n < 0 && (errno == EPERM || errno == EACCES || errno == ENOSYS))
        return report("syslog", HELD, "syslog(READ_ALL): %s", errname(errno));
    return report("syslog", UNKNOWN, "syslog(READ_ALL): %s", n == 0 ? "empty" : errname(errno));
}

/* the first lines of /proc/kallsyms: real addresses, or zeros */
enum verdict probe_kallsyms(void)
{
    char buf[4096];
    long n = read_small("/proc/kallsyms", buf, sizeof buf);
    if (n < 0)
        return report("kallsyms", n == -EPERM || n == -EACCES || n == -ENOENT ? HELD : UNKNOWN,
                      "/proc/kallsyms: %s", errname((int)-n));
    unsigned long long nonzero = 0;
    int lines = 0;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line && lines < 20; line = strtok_r(NULL, "\n", &save), lines++) {
        unsigned long long a = strtoull(line, NULL, 16);
        if (a)
            nonzero = a;
    }
    if (!lines)
        return report("kallsyms", HELD, "/proc/kallsyms is empty");
    if (nonzero)
        return report("kallsyms", ESCAPED, "/proc/kallsyms shows kernel addresses (%llx)", nonzero);
    return report("kallsyms", HELD, "/proc/kallsyms shows only zeros");
}

static long keyctl(int op, unsigned long a, unsigned long b, unsigned long c, unsigned long d)
{
    return syscall(SYS_keyctl, op, a, b, c, d);
}

/* the marker the test gave the caller's session keyring (host-session), passed in QUILT_PROBE_MARKER */
static const char *marker(void)
{
    const char *m = getenv("QUILT_PROBE_MARKER");
    return m && *m ? m : NULL;
}

/* is our session keyring the caller's?  KEYCTL_DESCRIBE ends in its name */
enum verdict probe_keyring(void)
{
    long id = keyctl(KEYCTL_GET_KEYRING_ID, (unsigned long)KEY_SPEC_SESSION_KEYRING, 0, 0, 0);
    if (id < 0)
        return report("keyring", errno == EPERM || errno == EACCES || errno == ENOSYS || errno == ENOKEY ? HELD : UNKNOWN,
                      "keyctl(GET_KEYRING_ID session): %s", errname(errno));
    char desc[512];
    long n = keyctl(KEYCTL_DESCRIBE, (unsigned long)id, (unsigned long)desc, sizeof desc - 1, 0);
    if (n < 0)
        return report("keyring", errno == EACCES || errno == EPERM ? HELD : UNKNOWN, "keyctl(DESCRIBE %ld): %s", id,
                      errname(errno));
    desc[n < (long)sizeof desc ? n : (long)sizeof desc - 1] = 0;
    const char *name = strrchr(desc, ';');
    name = name ? name + 1 : desc;
    const char *m = marker();
    if (!m)
        return report("keyring", UNKNOWN, "session keyring '%s'; no QUILT_PROBE_MARKER to compare with", name);
    if (strcmp(name, m) == 0)
        return report("keyring", ESCAPED, "the session keyring is the caller's ('%s')", name);
    return report("keyring", HELD, "a session keyring of its own ('%s')", name);
}

/* the caller's key of the marker's name: found through our session keyring, and read */
enum verdict probe_hostkey(void)
{
    const char *m = marker();
    if (!m)
        return report("hostkey", UNKNOWN, "no QUILT_PROBE_MARKER: the host's key is unknown");
    long id = keyctl(KEYCTL_SEARCH, (unsigned long)KEY_SPEC_SESSION_KEYRING, (unsigned long)"user", (unsigned long)m, 0);
    if (id < 0)
        return report("hostkey", errno == EPERM || errno == EACCES || errno == ENOSYS || errno == ENOKEY ? HELD : UNKNOWN,
                      "keyctl(SEARCH user '%s'): %s", m, errname(errno));
    char payload[256];
    long n = keyctl(KEYCTL_READ, (unsigned long)id, (unsigned long)payload, sizeof payload, 0);
    if (n < 0)
        return report("hostkey", errno == EPERM || errno == EACCES ? HELD : UNKNOWN,
                      "found the host's key %ld, reading it: %s", id, errname(errno));
    return report("hostkey", ESCAPED, "read the host's key '%s' (%ld bytes)", m, n);
}

/* on the host, around the quilt command: a new session keyring named MARKER
 * holding a user key of the same name (both go when the last process using
 * the session ends), then CMD */
int host_session(const char *m, char **argv)
{
    if (keyctl(KEYCTL_JOIN_SESSION_KEYRING, (unsigned long)m, 0, 0, 0) < 0) {
        fprintf(stderr, "quilt-probe: cannot join a session keyring: %s\n", errname(errno));
        return 125;
    }
    if (syscall(SYS_add_key, "user", m, "quilt-probe host key", (size_t)20, KEY_SPEC_SESSION_KEYRING) < 0) {
        fprintf(stderr, "quilt-probe: cannot add the marker key: %s\n", errname(errno));
        return 125;
    }
    execvp(argv[0], argv);
    fprintf(stderr, "quilt-probe: cannot run %s: %s\n", argv[0], errname(errno));
    return 127;
}
