/* Probes of what capabilities and the seccomp profile allow: the sets
 * themselves, setuid regain, raw packet sockets, bpf, perf, userfaultfd, the
 * clock and swapoff. */
#define _GNU_SOURCE
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

static const char *const cap_names[] = {
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
    "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
    "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
    "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
    "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
    "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

/* podman's default set (containers.conf default_capabilities), which docker's adds
 * AUDIT_WRITE, MKNOD and NET_RAW to */
static const unsigned long long podman_default =
    1ULL << 0 | 1ULL << 1 | 1ULL << 3 | 1ULL << 4 | 1ULL << 5 | 1ULL << 6 | 1ULL << 7 | 1ULL << 8 |
    1ULL << 10 | 1ULL << 18 | 1ULL << 31;

static unsigned long long status_field(const char *status, const char *name)
{
    const char *p = strstr(status, name);
    return p ? strtoull(p + strlen(name), NULL, 16) : 0;
}

/* allowed: effective, permitted and bounding within podman's default; inheritable and ambient empty */
enum verdict probe_caps(void)
{
    char status[8192];
    long n = read_small("/proc/self/status", status, sizeof status);
    if (n < 0)
        return report("caps", UNKNOWN, "/proc/self/status: %s", errname((int)-n));
    unsigned long long eff = status_field(status, "\nCapEff:"), prm = status_field(status, "\nCapPrm:"),
                       bnd = status_field(status, "\nCapBnd:"), inh = status_field(status, "\nCapInh:"),
                       amb = status_field(status, "\nCapAmb:");
    unsigned long long extra = (eff | prm | bnd) & ~podman_default;
    if (!extra && !inh && !amb)
        return report("caps", HELD, "CapEff=%016llx CapBnd=%016llx within podman's default set", eff, bnd);
    char names[600] = "";
    size_t len = 0;
    for (unsigned i = 0; i < 64 && len < sizeof names - 40; i++)
        if (extra >> i & 1)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? "," : "",
                                    i < sizeof cap_names / sizeof cap_names[0] ? cap_names[i] : "?");
    return report("caps", ESCAPED, "CapEff=%016llx CapBnd=%016llx CapInh=%016llx CapAmb=%016llx beyond the default: %s",
                  eff, bnd, inh, amb, len ? names : "(inheritable/ambient)");
}

/* run as a non-root user from a setuid-root copy of this binary: does exec give euid 0? */
enum verdict probe_setuid(void)
{
    uid_t r, e, s;
    getresuid(&r, &e, &s);
    if (r == 0)
        return report("setuid", UNKNOWN, "runs as uid 0; run a setuid-root copy as a non-root user (-u 1000)");
    char status[8192];
    const char *nnp = "?";
    if (read_small("/proc/self/status", status, sizeof status) > 0) {
        const char *p = strstr(status, "\nNoNewPrivs:");
        nnp = p && p[13] == '1' ? "1" : p ? "0" : "?";
    }
    if (e == 0)
        return report("setuid", ESCAPED, "uid %u gained euid 0 through a setuid-root file (NoNewPrivs %s)", r, nnp);
    return report("setuid", HELD, "uid %u kept euid %u (NoNewPrivs %s)", r, e, nnp);
}

/* opens and closes; nothing is sent (and the container has no network of its own here) */
enum verdict probe_packet(void)
{
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        close(fd);
        return report("packet", ESCAPED, "socket(AF_PACKET, SOCK_RAW) opened");
    }
    if (errno == EPERM || errno == EACCES)
        return report("packet", HELD, "socket(AF_PACKET, SOCK_RAW): %s", errname(errno));
    return report("packet", UNKNOWN, "socket(AF_PACKET, SOCK_RAW): %s", errname(errno));
}

/* a one-entry array map, freed at close: no program is loaded */
enum verdict probe_bpf(void)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    int fd = (int)syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
    if (fd >= 0) {
        close(fd);
        return report("bpf", ESCAPED, "bpf(BPF_MAP_CREATE) made a map");
    }
    if (errno == EPERM || errno == EACCES || errno == ENOSYS)
        return report("bpf", HELD, "bpf(BPF_MAP_CREATE): %s", errname(errno));
    return report("bpf", UNKNOWN, "bpf(BPF_MAP_CREATE): %s", errname(errno));
}

/* a disabled dummy software event on CPU 0 for every process: needs CAP_PERFMON
 * at any perf_event_paranoid above -1, so the host's sysctl does not decide it */
enum verdict probe_perf(void)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.type = PERF_TYPE_SOFTWARE;
    attr.size = sizeof attr;
    attr.config = PERF_COUNT_SW_DUMMY;
    attr.disabled = 1;
    int fd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return report("perf", ESCAPED, "perf_event_open of a CPU-wide event opened");
    }
    if (errno == EPERM || errno == EACCES || errno == ENOSYS)
        return report("perf", HELD, "perf_event_open (CPU-wide): %s", errname(errno));
    return report("perf", UNKNOWN, "perf_event_open (CPU-wide): %s", errname(errno));
}

/* kernel-mode faults too (no UFFD_USER_MODE_ONLY): CAP_SYS_PTRACE unless vm.unprivileged_userfaultfd */
enum verdict probe_userfaultfd(void)
{
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
        close(fd);
        return report("userfaultfd", ESCAPED, "userfaultfd() opened");
    }
    if (errno == EPERM || errno == EACCES || errno == ENOSYS)
        return report("userfaultfd", HELD, "userfaultfd(): %s", errname(errno));
    return report("userfaultfd", UNKNOWN, "userfaultfd(): %s", errname(errno));
}

/* Setting the clock is checked for CAP_SYS_TIME before the tick value is:
 * ADJ_TICK with tick 0 is EINVAL when allowed and EPERM when refused, and
 * changes nothing either way.  (clock_settime checks its value first, so an
 * invalid time cannot tell; a valid one would be a write.)  Both adjtimex and
 * clock_adjtime(CLOCK_REALTIME) must refuse. */
enum verdict probe_clock(void)
{
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    tx.modes = ADJ_TICK;
    tx.tick = 0;
    int a = adjtimex(&tx) < 0 ? errno : 0;
    memset(&tx, 0, sizeof tx);
    tx.modes = ADJ_TICK;
    tx.tick = 0;
    int b = syscall(SYS_clock_adjtime, CLOCK_REALTIME, &tx) < 0 ? errno : 0;
    struct timespec bad = { .tv_sec = 0, .tv_nsec = 2000000000L };
    int c = clock_settime(CLOCK_REALTIME, &bad) < 0 ? errno : 0;
    if (a == EINVAL || b == EINVAL)
        return report("clock", ESCAPED, "setting the clock passed its permission check (adjtimex %s, clock_adjtime %s)",
                      errname(a), errname(b));
    if ((a == EPERM || a == ENOSYS) && (b == EPERM || b == ENOSYS))
        return report("clock", HELD, "adjtimex %s, clock_adjtime %s, clock_settime of an invalid time %s",
                      errname(a), errname(b), errname(c));
    return report("clock", UNKNOWN, "adjtimex %s, clock_adjtime %s", errname(a), errname(b));
}

/* swapoff of a file that is not swap: EINVAL after the CAP_SYS_ADMIN check, EPERM before it */
enum verdict probe_swapoff(void)
{
    char path[128];
    scratch(path, sizeof path, "swap");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return report("swapoff", UNKNOWN, "cannot make %s: %s", path, errname(errno));
    close(fd);
    int rc = swapoff(path) < 0 ? errno : 0;
    unlink(path);
    if (rc == EPERM || rc == ENOSYS)
        return report("swapoff", HELD, "swapoff: %s", errname(rc));
    if (rc == EINVAL)
        return report("swapoff", ESCAPED, "swapoff passed its permission check (EINVAL: not a swap file)");
    return report("swapoff", UNKNOWN, "swapoff: %s", rc ? errname(rc) : "succeeded on a non-swap file");
}
