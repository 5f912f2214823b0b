/* quilt-probe: escape and hardening probes, run inside a container.
 *
 * Each probe tries one thing a hostile process would try and prints one line,
 * "PROBE <class> escaped|held|unknown <reason>", exiting 1, 0 or 2.  Every
 * probe is harmless even when it succeeds: it reads, writes a marker in the
 * container's own /tmp, or opens and closes unwritten; where the kernel checks
 * a permission before an argument, the probe passes a bad argument so that
 * "allowed" shows as EINVAL (or ESTALE) and "refused" as EPERM, and nothing
 * changes.  See README.md for what each probe does and how it tells them apart.
 */
#ifndef QUILT_PROBE_H
#define QUILT_PROBE_H

#include <stddef.h>

enum verdict { HELD = 0, ESCAPED = 1, UNKNOWN = 2 };

/* prints the probe's one line; returns v */
enum verdict report(const char *cls, enum verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "EPERM", "ENOENT", ... */
const char *errname(int e);

/* reads a whole small file (procfs) into buf, NUL-terminated; bytes read or -errno */
long read_small(const char *path, char *buf, size_t cap);

/* one line of /proc/self/mountinfo: the fields a probe needs */
struct mount_line {
    unsigned major, minor;
    char root[512];
    char point[512];
    char fstype[64];
    char options[256]; /* per-mount options (ro, nosuid, ...) */
};
/* calls fn for each line until fn returns non-zero; returns that value, 0, or -errno */
int mountinfo_each(int (*fn)(const struct mount_line *m, void *arg), void *arg);

/* a scratch path under the container's /tmp, unique to this process */
void scratch(char *buf, size_t cap, const char *what);

/* the probes: each returns its verdict after printing its line */
enum verdict probe_caps(void);
enum verdict probe_setuid(void);
enum verdict probe_packet(void);
enum verdict probe_bpf(void);
enum verdict probe_perf(void);
enum verdict probe_userfaultfd(void);
enum verdict probe_clock(void);
enum verdict probe_swapoff(void);

enum verdict probe_umount(void);
enum verdict probe_remount(void);
enum verdict probe_procfs(void);
enum verdict probe_sysfs(void);
enum verdict probe_cgroupfs(void);
enum verdict probe_release_agent(void);
enum verdict probe_limits(void);
enum verdict probe_mknod(void);
enum verdict probe_handle(void);

enum verdict probe_kmsg(void);
enum verdict probe_syslog(void);
enum verdict probe_kallsyms(void);
enum verdict probe_keyring(void);
enum verdict probe_hostkey(void);
/* on the host: joins a new session keyring named MARKER holding a user key of that name, then runs argv */
int host_session(const char *marker, char **argv);

enum verdict probe_exe(void);
enum verdict probe_cwd(void);

#endif
