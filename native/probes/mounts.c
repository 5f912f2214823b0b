/* Probes of the filesystem's guards: masks and read-only paths undone, fresh
 * procfs/sysfs/cgroupfs, release_agent, the container's own limits, a host
 * block device, and open_by_handle_at.  Every mount made is the container's
 * own, under its /tmp, and taken down before the probe ends. */
#define _GNU_SOURCE
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* the paths docker, podman and runc's spec mask */
static const char *const masked[] = {
    "/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/proc/latency_stats",
    "/proc/acpi", "/proc/scsi", "/sys/firmware", "/proc/interrupts", NULL,
};

static int find_point(const struct mount_line *m, void *arg)
{
    return strcmp(m->point, (const char *)arg) == 0;
}

static int is_mount_point(const char *path)
{
    return mountinfo_each(find_point, (void *)path) == 1;
}

/* the read-only paths of the same, and a mount every container has */
static const char *const others[] = {
    "/proc/sys", "/proc/sysrq-trigger", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/asound", "/dev/mqueue", NULL,
};

/* umount2(MNT_DETACH) of the first masked path (the mask goes, for this
 * container only); with nothing masked (--privileged), of a read-only path or
 * /dev/mqueue: what is probed is whether it can unmount at all */
enum verdict probe_umount(void)
{
    const char *target = NULL;
    for (int i = 0; masked[i] && !target; i++)
        if (is_mount_point(masked[i]))
            target = masked[i];
    for (int i = 0; others[i] && !target; i++)
        if (is_mount_point(others[i]))
            target = others[i];
    if (!target)
        return report("umount", UNKNOWN, "nothing masked, read-only or in /dev/mqueue is mounted (nothing to undo)");
    if (umount2(target, MNT_DETACH) == 0)
        return report("umount", ESCAPED, "unmounted %s", target);
    if (errno == EPERM || errno == EACCES || errno == ENOSYS)
        return report("umount", HELD, "umount2(%s): %s", target, errname(errno));
    return report("umount", UNKNOWN, "umount2(%s): %s", target, errname(errno));
}

/* a bind remount of /proc/sys without MS_RDONLY changes only that mount's flags; put back after */
enum verdict probe_remount(void)
{
    struct statvfs st;
    if (statvfs("/proc/sys", &st) < 0)
        return report("remount", UNKNOWN, "statvfs(/proc/sys): %s", errname(errno));
    if (!(st.f_flag & ST_RDONLY))
        return report("remount", ESCAPED, "/proc/sys is writable without a remount");
    if (!is_mount_point("/proc/sys"))
        return report("remount", UNKNOWN, "/proc/sys is read-only but not a mount of its own");
    if (mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0) {
        mount(NULL, "/proc/sys", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
        return report("remount", ESCAPED, "remounted /proc/sys read-write (and back)");
    }
    if (errno == EPERM || errno == EACCES || errno == ENOSYS)
        return report("remount", HELD, "remount of /proc/sys read-write: %s", errname(errno));
    return report("remount", UNKNOWN, "remount of /proc/sys read-write: %s", errname(errno));
}

/* mounts TYPE with DATA on a fresh directory under /tmp, then takes it down */
static enum verdict fresh_mount(const char *cls, const char *type, const char *data)
{
    char dir[128];
    scratch(dir, sizeof dir, cls);
    if (mkdir(dir, 0700) < 0)
        return report(cls, UNKNOWN, "mkdir %s: %s", dir, errname(errno));
    int rc = mount(type, dir, type, MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, data) < 0 ? errno : 0;
    if (!rc)
        umount2(dir, MNT_DETACH);
    rmdir(dir);
    if (!rc)
        return report(cls, ESCAPED, "mounted a fresh %s%s%s", type, data ? " " : "", data ? data : "");
    if (rc == EPERM || rc == EACCES || rc == ENOSYS)
        return report(cls, HELD, "mount %s: %s", type, errname(rc));
    return report(cls, UNKNOWN, "mount %s: %s", type, errname(rc));
}

enum verdict probe_procfs(void)
{
    return fresh_mount("procfs", "proc", NULL);
}

enum verdict probe_sysfs(void)
{
    return fresh_mount("sysfs", "sysfs", NULL);
}

/* the v1 hierarchies, as /proc/self/cgroup names them ("cpu,cpuacct", "name=systemd") */
static int v1_hierarchies(char out[][64], int cap)
{
    char buf[4096];
    if (read_small("/proc/self/cgroup", buf, sizeof buf) < 0)
        return 0;
    int n = 0;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line && n < cap; line = strtok_r(NULL, "\n", &save)) {
        char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;
        if (!a || !b || b == a + 1)
            continue; /* "0::/..." is the v2 tree */
        *b = 0;
        snprintf(out[n++], 64, "%s", a + 1);
    }
    return n;
}

/* a v1 hierarchy that exists (never a new one: that would be a host-wide change), or cgroup2 */
enum verdict probe_cgroupfs(void)
{
    char h[32][64];
    int n = v1_hierarchies(h, 32);
    for (int i = 0; i < n; i++)
        if (strncmp(h[i], "name=", 5) != 0)
            return fresh_mount("cgroupfs", "cgroup", h[i]);
    return fresh_mount("cgroupfs", "cgroup2", NULL);
}

/* opens PATH for writing and closes it unwritten: 1 opened, 0 refused, -errno otherwise */
static int open_unwritten(const char *path, int *err)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd >= 0) {
        close(fd);
        return 1;
    }
    *err = errno;
    return 0;
}

/* every v1 hierarchy mounted fresh under /tmp (and as the container sees it under
 * /sys/fs/cgroup): is a release_agent there to open for writing?  It exists
 * only where the mount's root is the hierarchy's root. */
enum verdict probe_release_agent(void)
{
    char h[32][64], dir[128], path[256], refused[512] = "";
    int n = v1_hierarchies(h, 32), mounted = 0, err = 0;
    size_t len = 0;
    scratch(dir, sizeof dir, "ra");
    if (mkdir(dir, 0700) < 0)
        return report("release_agent", UNKNOWN, "mkdir %s: %s", dir, errname(errno));
    for (int i = 0; i < n; i++) {
        const char *opts = h[i];
        char named[96];
        if (strncmp(h[i], "name=", 5) == 0) {
            snprintf(named, sizeof named, "none,%.60s", h[i]);
            opts = named;
        }
        if (mount("cgroup", dir, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0) {
            if (len < sizeof refused - 80)
                len += (size_t)snprintf(refused + len, sizeof refused - len, " %s:%s", h[i], errname(errno));
            continue;
        }
        mounted++;
        snprintf(path, sizeof path, "%s/release_agent", dir);
        int opened = open_unwritten(path, &err);
        umount2(dir, MNT_DETACH);
        if (opened) {
            rmdir(dir);
            return report("release_agent", ESCAPED, "mounted the %s hierarchy at its root and opened release_agent for writing",
                          h[i]);
        }
    }
    rmdir(dir);
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "/sys/fs/cgroup/%.60s/release_agent", h[i]);
        if (open_unwritten(path, &err))
            return report("release_agent", ESCAPED, "opened %s for writing", path);
    }
    if (mounted)
        return report("release_agent", HELD, "%d hierarchies mounted, none at its root (no release_agent)%s", mounted,
                      refused);
    return report("release_agent", HELD, "no hierarchy could be mounted:%s", refused);
}

/* the container's own limits: as its /sys/fs/cgroup shows them, else through a
 * fresh mount of the hierarchy (its cgroup namespace makes the mount's root its
 * own cgroup); each file opened for writing and closed unwritten */
enum verdict probe_limits(void)
{
    static const char *const files[] = {
        "/sys/fs/cgroup/pids/pids.max", "/sys/fs/cgroup/devices/devices.allow",
        "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/pids.max", "/sys/fs/cgroup/memory.max", NULL,
    };
    static const char *const own[][2] = {
        { "pids", "pids.max" }, { "devices", "devices.allow" }, { "memory", "memory.limit_in_bytes" },
    };
    char seen[600] = "", dir[128], path[256];
    size_t len = 0;
    for (int i = 0; files[i]; i++) {
        int err = 0;
        if (open_unwritten(files[i], &err))
            return report("limits", ESCAPED, "opened %s for writing", files[i]);
        if (err != ENOENT && len < sizeof seen - 80)
            len += (size_t)snprintf(seen + len, sizeof seen - len, " %s:%s", files[i], errname(err));
    }
    scratch(dir, sizeof dir, "limits");
    if (mkdir(dir, 0700) < 0)
        return report("limits", UNKNOWN, "mkdir %s: %s", dir, errname(errno));
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        int err = 0;
        if (mount("cgroup", dir, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC, own[i][0]) < 0) {
            err = errno;
        } else {
            snprintf(path, sizeof path, "%s/%s", dir, own[i][1]);
            int opened = open_unwritten(path, &err);
            umount2(dir, MNT_DETACH);
            if (opened) {
                rmdir(dir);
                return report("limits", ESCAPED, "mounted its %s hierarchy and opened %s for writing", own[i][0],
                              own[i][1]);
            }
        }
        if (len < sizeof seen - 80)
            len += (size_t)snprintf(seen + len, sizeof seen - len, " mount %s:%s", own[i][0], errname(err));
    }
    rmdir(dir);
    return report("limits", HELD, "no limit file opens for writing:%s", seen);
}

/* the host's root block device: a mount of a real block device, else /proc/partitions' first */
static int block_dev(const struct mount_line *m, void *arg)
{
    int block_fs = strncmp(m->fstype, "ext", 3) == 0 || strcmp(m->fstype, "xfs") == 0 ||
                   strcmp(m->fstype, "btrfs") == 0;
    if (m->major == 0 || !block_fs)
        return 0;
    *(dev_t *)arg = makedev(m->major, m->minor);
    return 1;
}

static int host_block_device(dev_t *dev, const char **from)
{
    *from = "mountinfo";
    if (mountinfo_each(block_dev, dev) == 1)
        return 0;
    char buf[8192];
    *from = "/proc/partitions";
    if (read_small("/proc/partitions", buf, sizeof buf) < 0)
        return -ENOENT;
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned ma, mi;
        unsigned long long blocks;
        char name[64];
        if (sscanf(line, " %u %u %llu %63s", &ma, &mi, &blocks, name) == 4 && strncmp(name, "loop", 4) != 0 &&
            strncmp(name, "ram", 3) != 0) {
            *dev = makedev(ma, mi);
            return 0;
        }
    }
    return -ENOENT;
}

/* mknod of NODE in /tmp, opened read-only and closed unread: 1 opened, 0 not (errno in *err, *made: mknod worked) */
static int node_opens(mode_t type, dev_t dev, int *made, int *err)
{
    char path[128];
    scratch(path, sizeof path, "node");
    *made = 0;
    if (mknod(path, type | 0600, dev) < 0) {
        *err = errno;
        return 0;
    }
    *made = 1;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    *err = errno;
    unlink(path);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

/* The host's root block device, then loop-control (c 10:237, outside every
 * default device list, and inert when opened and closed): made in /tmp and
 * opened read-only.  Some hosts refuse block devices to everyone (this one's
 * root cannot open /dev/vda), so the character device decides there. */
enum verdict probe_mknod(void)
{
    dev_t dev;
    const char *from;
    int made, err, made2, err2;
    if (host_block_device(&dev, &from) < 0)
        return report("mknod", UNKNOWN, "no host block device to name");
    if (node_opens(S_IFBLK, dev, &made, &err))
        return report("mknod", ESCAPED, "made and opened the host's block device %u:%u (from %s)", major(dev),
                      minor(dev), from);
    if (node_opens(S_IFCHR, makedev(10, 237), &made2, &err2))
        return report("mknod", ESCAPED, "made and opened loop-control (c 10:237); the block device %u:%u: %s %s",
                      major(dev), minor(dev), made ? "open" : "mknod", errname(err));
    int refused = (err == EPERM || err == EACCES || err == ENOSYS) && (err2 == EPERM || err2 == EACCES || err2 == ENOSYS);
    return report("mknod", refused ? HELD : UNKNOWN, "b %u:%u (from %s): %s %s; c 10:237: %s %s", major(dev),
                  minor(dev), from, made ? "open" : "mknod", errname(err), made2 ? "open" : "mknod", errname(err2));
}

/* "shocker": a handle of inode 2 (the root of ext4 and most block filesystems) of the
 * filesystem behind /etc/hosts.  The kernel checks CAP_DAC_READ_SEARCH before it looks
 * at the handle: EPERM is refused; anything else (an fd, ESTALE) got past the check. */
enum verdict probe_handle(void)
{
    struct {
        struct file_handle h;
        unsigned char bytes[MAX_HANDLE_SZ];
    } fh;
    const char *anchor = "/etc/hosts";
    int mfd = open(anchor, O_RDONLY | O_CLOEXEC);
    if (mfd < 0) {
        anchor = "/";
        mfd = open(anchor, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    if (mfd < 0)
        return report("handle", UNKNOWN, "open %s: %s", anchor, errname(errno));
    int mount_id;
    fh.h.handle_bytes = MAX_HANDLE_SZ;
    const char *how = "its own handle's type";
    if (name_to_handle_at(AT_FDCWD, anchor, &fh.h, &mount_id, 0) < 0 || fh.h.handle_bytes < 8) {
        fh.h.handle_type = 1; /* FILEID_INO32_GEN */
        how = "FILEID_INO32_GEN";
    }
    fh.h.handle_bytes = 8;
    unsigned int ino_gen[2] = { 2, 0 };
    memcpy(fh.h.f_handle, ino_gen, sizeof ino_gen);
    int fd = open_by_handle_at(mfd, &fh.h, O_RDONLY | O_CLOEXEC);
    int e = errno;
    close(mfd);
    if (fd >= 0) {
        close(fd);
        return report("handle", ESCAPED, "open_by_handle_at opened inode 2 of the filesystem behind %s", anchor);
    }
    if (e == EPERM || e == ENOSYS)
        return report("handle", HELD, "open_by_handle_at: %s", errname(e));
    return report("handle", ESCAPED, "open_by_handle_at passed its permission check (%s for inode 2 with %s behind %s)",
                  errname(e), how, anchor);
}
