#define _GNU_SOURCE
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "bundle.h"
#include "mounts.h"
#include "quilt/proto.h"
#include "userns.h"

static int fail(struct step_error *e, int step, const char *object)
{
    e->step = step;
    e->err = errno;
    e->object = object;
    return -e->err;
}

static int ensure_dir(const char *path, mode_t mode)
{
    if (mkdir(path, mode) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

struct device {
    const char *path;
    unsigned major, minor;
};

static const struct device devices[] = {
    { "dev/null", 1, 3 }, { "dev/zero", 1, 5 }, { "dev/full", 1, 7 },
    { "dev/random", 1, 8 }, { "dev/urandom", 1, 9 }, { "dev/tty", 5, 0 },
};

static const char *const dev_links[][2] = {
    { "pts/ptmx", "dev/ptmx" }, { "/proc/self/fd", "dev/fd" },
    { "/proc/self/fd/0", "dev/stdin" }, { "/proc/self/fd/1", "dev/stdout" },
    { "/proc/self/fd/2", "dev/stderr" },
};

static int make_dev(const struct container_config *cfg, struct step_error *e)
{
    if (ensure_dir("dev", 0755) < 0)
        return fail(e, QUILT_STEP_MOUNT_DEV, "/dev");
    if (mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0)
        return fail(e, QUILT_STEP_MOUNT_DEV, "/dev");
    for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++) {
        const struct device *d = &devices[i];
        if (mknod(d->path, S_IFCHR | 0666, makedev(d->major, d->minor)) < 0) {
            /* a user namespace may not mknod: bind the host's node instead */
            int fd = open(d->path, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
            if (fd < 0)
                return fail(e, QUILT_STEP_MOUNT_DEV, d->path + 3);
            close(fd);
            char host[32]; /* before pivot_root "/" is still the host's */
            snprintf(host, sizeof host, "/%s", d->path);
            if (mount(host, d->path, NULL, MS_BIND, NULL) < 0)
                return fail(e, QUILT_STEP_MOUNT_DEV, d->path + 3);
        }
    }
    if (ensure_dir("dev/pts", 0755) < 0 ||
        mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
              "newinstance,ptmxmode=0666,mode=0620,gid=5") < 0)
        return fail(e, QUILT_STEP_MOUNT_DEV, "/dev/pts");
    if (ensure_dir("dev/shm", 01777) < 0 ||
        mount("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") < 0)
        return fail(e, QUILT_STEP_MOUNT_DEV, "/dev/shm");
    if (ensure_dir("dev/mqueue", 0755) < 0 ||
        mount("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return fail(e, QUILT_STEP_MOUNT_DEV, "/dev/mqueue");
    for (size_t i = 0; i < sizeof dev_links / sizeof dev_links[0]; i++)
        if (symlink(dev_links[i][0], dev_links[i][1]) < 0)
            return fail(e, QUILT_STEP_MOUNT_DEV, dev_links[i][1] + 3);
    return mounts_devices(cfg, e);
}

/* /etc/hosts, /etc/hostname and /etc/resolv.conf, written by Quilt into the
 * container's state dir, copied into the container's own layer: no mount of
 * a host file, whose file system open_by_handle_at could then reach
 * ("shocker").  Paths are resolved inside the root (RESOLVE_IN_ROOT), and a
 * link or directory in the image's place is replaced by a file in the
 * container's own layer, so an image cannot aim the write anywhere else. */
static const char *const etc_files[] = { "hosts", "hostname", "resolv.conf" };

static int copy_fd(int from, int to)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(from, buf, sizeof buf)) > 0)
        for (ssize_t done = 0, w; done < n; done += w)
            if ((w = write(to, buf + done, (size_t)(n - done))) < 0)
                return -errno;
    return n < 0 ? -errno : 0;
}

static int write_etc_files(const struct container_config *cfg, struct step_error *e)
{
    struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
    int root = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return fail(e, QUILT_STEP_ETC, "/");
    int etc = (int)syscall(SYS_openat2, root, "etc", &how, sizeof how);
    if (etc < 0 && errno == ENOENT && mkdirat(root, "etc", 0755) == 0)
        etc = (int)syscall(SYS_openat2, root, "etc", &how, sizeof how);
    close(root);
    if (etc < 0)
        return fail(e, QUILT_STEP_ETC, "/etc");
    for (size_t i = 0; i < sizeof etc_files / sizeof etc_files[0]; i++) {
        char src[4096];
        snprintf(src, sizeof src, "%s/%s", userns_etc_dir(cfg), etc_files[i]);
        struct stat st;
        if (fstatat(etc, etc_files[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode) &&
            unlinkat(etc, etc_files[i], S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0) {
            close(etc);
            return fail(e, QUILT_STEP_ETC, etc_files[i]);
        }
        int in = open(src, O_RDONLY | O_CLOEXEC);
        int fd = in < 0 ? -1 : openat(etc, etc_files[i], O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
        int rc = fd < 0 ? -errno : copy_fd(in, fd);
        if (rc == 0 && fchmod(fd, 0644) < 0)
            rc = -errno;
        if (in >= 0)
            close(in);
        if (fd >= 0)
            close(fd);
        if (rc < 0) {
            close(etc);
            errno = -rc;
            return fail(e, QUILT_STEP_ETC, etc_files[i]);
        }
    }
    close(etc);
    return 0;
}

int rootfs_mount(const struct container_config *cfg, struct step_error *e)
{
    /* nothing we mount may travel back to the host, nor host mounts in */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return fail(e, QUILT_STEP_MOUNT_PRIVATE, "/");
    /* The overlay lives only in this mount namespace: when the container's last
     * process is gone, so is the mount.  Nothing can leak on the host. */
    if (cfg->bundle.root_in_place) {
        int rc = bundle_bind_root(cfg, e); /* runc's way: the bundle's rootfs itself, written in place */
        if (rc < 0)
            return rc;
    } else if (cfg->uid_map) {
        int rc = userns_mount_rootfs(cfg, e); /* the mapped root's, through an idmapped layer */
        if (rc < 0)
            return rc;
    } else if (mount("overlay", cfg->merged, "overlay", 0, cfg->overlay_opts) < 0 || chdir(cfg->merged) < 0) {
        return fail(e, QUILT_STEP_MOUNT_ROOTFS, cfg->merged);
    }
    if (ensure_dir("proc", 0555) < 0 ||
        mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return fail(e, QUILT_STEP_MOUNT_PROC, "/proc");
    int rc = make_dev(cfg, e);
    if (rc < 0)
        return rc;
    /* read-only unless --privileged */
    if (ensure_dir("sys", 0555) < 0)
        return fail(e, QUILT_STEP_MOUNT_SYS, "/sys");
    if (cfg->uid_map && !(cfg->ns_flags & CLONE_NEWNET)) {
        /* a user namespace may mount sysfs only over a network namespace it owns:
         * with the host's network, the host's /sys is bound instead (runc's rule) */
        if (mount("/sys", "sys", NULL, MS_BIND | MS_REC, NULL) < 0 ||
            (!cfg->sys_rw && mount(NULL, "sys", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0))
            return fail(e, QUILT_STEP_MOUNT_SYS, "/sys");
    } else if (mount("sysfs", "sys", "sysfs", (cfg->sys_rw ? 0 : MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
        return fail(e, QUILT_STEP_MOUNT_SYS, "/sys");
    }
    if (cfg->etc_dir && (rc = write_etc_files(cfg, e)) < 0)
        return rc;
    /* after Quilt's own, so that -v over /etc/resolv.conf wins, as in docker */
    return mounts_extra(cfg, e);
}

int rootfs_pivot(const struct container_config *cfg, struct step_error *e)
{
    if (cfg->bundle.no_pivot)
        return bundle_move_root(cfg, e);
    /* pivot_root(".", ".") stacks the old root under the new one; detaching it
     * then leaves only the container's tree, with no directory to create. */
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return fail(e, QUILT_STEP_PIVOT_ROOT, cfg->merged);
    if (umount2(".", MNT_DETACH) < 0)
        return fail(e, QUILT_STEP_PIVOT_ROOT, "old root");
    if (chdir("/") < 0)
        return fail(e, QUILT_STEP_PIVOT_ROOT, "/");
    return 0;
}

/* The masked and read-only paths the spec names (Security.maskedPaths and
 * readonlyPaths; the OCI defaults unless --privileged emptied them). */
int rootfs_mask(const struct container_config *cfg, struct step_error *e)
{
    return mounts_mask(cfg, e);
}

/* One component at a time from "/", which is the container's root by now: a
 * symlink in the image resolves inside it (an absolute one from its root, ".."
 * stops there), and a magic link of /proc, the one way to name something
 * outside, is refused (RESOLVE_NO_MAGICLINKS). */
int rootfs_workdir(const char *cwd, struct step_error *e)
{
    struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC, .resolve = RESOLVE_NO_MAGICLINKS };
    int dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return fail(e, QUILT_STEP_CWD, cwd);
    for (const char *p = cwd; *p;) {
        size_t len = strcspn(p, "/");
        if (len == 0) {
            p++;
            continue;
        }
        char name[NAME_MAX + 1];
        if (len > NAME_MAX) {
            close(dir);
            errno = ENAMETOOLONG;
            return fail(e, QUILT_STEP_CWD, cwd);
        }
        memcpy(name, p, len);
        name[len] = 0;
        p += len;
        if (mkdirat(dir, name, 0755) < 0 && errno != EEXIST) {
            int err = errno;
            close(dir);
            errno = err;
            return fail(e, QUILT_STEP_CWD, cwd);
        }
        int next = (int)syscall(SYS_openat2, dir, name, &how, sizeof how);
        int err = errno;
        close(dir);
        if (next < 0) {
            errno = err;
            return fail(e, QUILT_STEP_CWD, cwd);
        }
        dir = next;
    }
    close(dir);
    return 0;
}
