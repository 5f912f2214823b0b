/* quilt-probe CLASS | all | host-session MARKER -- CMD ARGS...: see probe.h and README.md */
#define _GNU_SOURCE
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const verdicts[] = { "held", "escaped", "unknown" };

enum verdict report(const char *cls, enum verdict v, const char *fmt, ...)
{
    char why[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    printf("PROBE %s %s %s\n", cls, verdicts[v], why);
    fflush(stdout);
    return v;
}

const char *errname(int e)
{
    const char *n = strerrorname_np(e);
    return n ? n : "E?";
}

long read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t have = 0;
    while (have + 1 < cap) {
        ssize_t n = read(fd, buf + have, cap - 1 - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        if (n == 0)
            break;
        have += (size_t)n;
    }
    buf[have] = 0;
    close(fd);
    return (long)have;
}

/* "a b c d e f - g h i": fields 3 (major:minor), 4 (root), 5 (mount point), 6 (options), then the fs type */
static int parse_mount_line(char *line, struct mount_line *m)
{
    char *f[6];
    char *save = NULL, *p = line;
    for (int i = 0; i < 6; i++) {
        f[i] = strtok_r(p, " ", &save);
        p = NULL;
        if (!f[i])
            return -EINVAL;
    }
    if (sscanf(f[2], "%u:%u", &m->major, &m->minor) != 2)
        return -EINVAL;
    snprintf(m->root, sizeof m->root, "%s", f[3]);
    snprintf(m->point, sizeof m->point, "%s", f[4]);
    snprintf(m->options, sizeof m->options, "%s", f[5]);
    char *t;
    while ((t = strtok_r(NULL, " ", &save)) != NULL && strcmp(t, "-") != 0)
        ;
    t = strtok_r(NULL, " ", &save);
    snprintf(m->fstype, sizeof m->fstype, "%s", t ? t : "");
    return 0;
}

int mountinfo_each(int (*fn)(const struct mount_line *m, void *arg), void *arg)
{
    static char buf[512 * 1024];
    long n = read_small("/proc/self/mountinfo", buf, sizeof buf);
    if (n < 0)
        return (int)n;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        static char copy[4096];
        struct mount_line m;
        snprintf(copy, sizeof copy, "%s", line);
        if (parse_mount_line(copy, &m) < 0)
            continue;
        int rc = fn(&m, arg);
        if (rc)
            return rc;
    }
    return 0;
}

void scratch(char *buf, size_t cap, const char *what)
{
    snprintf(buf, cap, "/tmp/.quilt-probe-%s-%d", what, (int)getpid());
}

struct probe {
    const char *name;
    enum verdict (*run)(void);
    int in_all; /* setuid needs -u and a setuid copy; exe needs a sibling quilt exec */
};

/* in the order `all` runs them: those that change the container's own mounts last */
static const struct probe probes[] = {
    { "caps", probe_caps, 1 },           { "handle", probe_handle, 1 },
    { "kmsg", probe_kmsg, 1 },           { "syslog", probe_syslog, 1 },
    { "kallsyms", probe_kallsyms, 1 },   { "keyring", probe_keyring, 1 },
    { "hostkey", probe_hostkey, 1 },     { "packet", probe_packet, 1 },
    { "bpf", probe_bpf, 1 },             { "perf", probe_perf, 1 },
    { "userfaultfd", probe_userfaultfd, 1 }, { "clock", probe_clock, 1 },
    { "swapoff", probe_swapoff, 1 },     { "limits", probe_limits, 1 },
    { "mknod", probe_mknod, 1 },         { "cwd", probe_cwd, 1 },
    { "procfs", probe_procfs, 1 },       { "sysfs", probe_sysfs, 1 },
    { "cgroupfs", probe_cgroupfs, 1 },   { "release_agent", probe_release_agent, 1 },
    { "remount", probe_remount, 1 },     { "umount", probe_umount, 1 },
    { "setuid", probe_setuid, 0 },       { "exe", probe_exe, 0 },
};
#define NPROBES (sizeof probes / sizeof probes[0])

/* each probe in a child of its own, so one's crash or state is not the next one's */
static int run_all(void)
{
    int escaped = 0, unknown = 0;
    for (size_t i = 0; i < NPROBES; i++) {
        if (!probes[i].in_all)
            continue;
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            report(probes[i].name, UNKNOWN, "fork: %s", errname(errno));
            unknown++;
            continue;
        }
        if (pid == 0)
            _exit(probes[i].run());
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : UNKNOWN;
        if (WIFSIGNALED(status))
            report(probes[i].name, UNKNOWN, "killed by signal %d", WTERMSIG(status));
        escaped += code == ESCAPED;
        unknown += code != ESCAPED && code != HELD;
    }
    return escaped ? ESCAPED : unknown ? UNKNOWN : HELD;
}

static int usage(void)
{
    fprintf(stderr, "usage: quilt-probe all | CLASS | host-session MARKER -- CMD ARGS...\nclasses:");
    for (size_t i = 0; i < NPROBES; i++)
        fprintf(stderr, " %s", probes[i].name);
    fprintf(stderr, "\n");
    return UNKNOWN;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "host-session") == 0) {
        if (argc < 5 || strcmp(argv[3], "--") != 0)
            return usage();
        return host_session(argv[2], argv + 4);
    }
    if (strcmp(argv[1], "all") == 0)
        return run_all();
    for (size_t i = 0; i < NPROBES; i++)
        if (strcmp(argv[1], probes[i].name) == 0)
            return probes[i].run();
    return usage();
}
