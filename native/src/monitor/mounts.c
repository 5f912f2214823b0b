#define _GNU_SOURCE
#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "mount_opts.h"
#include "quilt/proto.h"
#include "userns.h"

static int fail(struct step_error *e, int step, int err, const char *object)
{
    e->step = step;
    e->err = err;
    e->object = object;
    return -err;
}

static int openat2_in_root(int root, const char *path, int flags)
{
    struct open_how how = { .flags = (unsigned)flags | O_CLOEXEC,
                            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
    return (int)syscall(SYS_openat2, root, path, &how, sizeof how);
}

/* A dangling symlink on the way: made where it points, inside the root, as
 * runc's securejoin does; at most 8 links deep, like a path lookup's depth. */
static int open_in_root_depth(int root, const char *path, int make_file, int depth);

static int follow_dangling(int root, int dir, const char *name, const char *prefix, size_t parent_len,
                           const char *rest, int make_file, int depth)
{
    char target[PATH_MAX], joined[PATH_MAX];
    if (depth >= 8)
        return -ELOOP;
    ssize_t n = readlinkat(dir, name, target, sizeof target - 1);
    if (n < 0)
        return errno == EINVAL ? -EEXIST : -errno;
    target[n] = 0;
    int len = target[0] == '/' ? snprintf(joined, sizeof joined, "%s/%s", target, rest)
                               : snprintf(joined, sizeof joined, "%.*s/%s/%s", (int)parent_len, prefix, target, rest);
    if (len < 0 || (size_t)len >= sizeof joined)
        return -ENAMETOOLONG;
    return open_in_root_depth(root, joined, make_file, depth + 1);
}

int open_in_root(int root, const char *path, int make_file)
{
    return open_in_root_depth(root, path, make_file, 0);
}

static int open_in_root_depth(int root, const char *path, int make_file, int depth)
{
    char prefix[PATH_MAX];
    size_t plen = 0;
    int dir = fcntl(root, F_DUPFD_CLOEXEC, 0);
    if (dir < 0)
        return -errno;
    for (const char *p = path; *p;) {
        size_t len = strcspn(p, "/");
        if (len == 0) {
            p++;
            continue;
        }
        if (len > NAME_MAX || plen + len + 2 > sizeof prefix) {
            close(dir);
            return -ENAMETOOLONG;
        }
        char name[NAME_MAX + 1];
        memcpy(name, p, len);
        name[len] = 0;
        p += len;
        int last = p[strspn(p, "/")] == 0;
        size_t parent_len = plen;
        prefix[plen++] = '/';
        memcpy(prefix + plen, name, len + 1);
        plen += len;
        int next = openat2_in_root(root, prefix, O_PATH);
        if (next < 0 && errno == ENOENT) {
            /* made where the path so far resolved: inside the root */
            int rc;
            if (last && make_file) {
                rc = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (rc >= 0)
                    close(rc);
            } else {
                rc = mkdirat(dir, name, 0755);
            }
            if (rc < 0 && errno != EEXIST) {
                int err = errno;
                close(dir);
                return -err;
            }
            next = openat2_in_root(root, prefix, O_PATH);
            if (next < 0 && errno == ENOENT) {
                next = follow_dangling(root, dir, name, prefix, parent_len, p, make_file, depth);
                close(dir);
                return next;
            }
        }
        int err = errno;
        close(dir);
        if (next < 0)
            return -err;
        dir = next;
    }
    return dir;
}

static void fd_path(char *buf, size_t size, int fd)
{
    snprintf(buf, size, "/proc/self/fd/%d", fd);
}

/* A bind mount: the source is a host path (we are still in the host's tree),
 * cloned with open_tree and moved onto the destination; its flags are set on
 * the moved mount, leaving the source's mount as it was. */
static int bind_mount(const char *source, const struct mount_opts *o, int dst)
{
    int tree = (int)syscall(SYS_open_tree, AT_FDCWD, source,
                            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (o->recursive ? AT_RECURSIVE : 0));
    if (tree < 0)
        return -errno;
    int rc = 0;
    if (syscall(SYS_move_mount, tree, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        rc = -errno;
    struct mount_attr attr = { .attr_set = o->attr_set, .attr_clr = o->attr_clr,
                               .propagation = o->propagation & ~(unsigned long)MS_REC };
    if (rc == 0 && (attr.attr_set || attr.attr_clr || attr.propagation) &&
        syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (o->recursive ? AT_RECURSIVE : 0), &attr,
                sizeof attr) < 0)
        rc = -errno;
    close(tree);
    return rc;
}

static int one_mount(int root, const struct mount_entry *m, const char *source)
{
    struct mount_opts o;
    int rc = mount_opts_parse(m->options, &o);
    if (rc < 0)
        return rc;
    int is_bind = o.bind || !strcmp(m->type, "bind");
    int make_file = 0;
    if (is_bind) {
        struct stat st;
        if (stat(source, &st) < 0)
            return -errno;
        make_file = !S_ISDIR(st.st_mode);
    }
    int dst = open_in_root(root, m->dest, make_file);
    if (dst < 0)
        return dst;
    char path[64];
    fd_path(path, sizeof path, dst);
    if (is_bind) {
        rc = bind_mount(source, &o, dst);
    } else if (mount(m->source, path, m->type, o.flags, o.data[0] ? o.data : NULL) < 0) {
        rc = -errno;
    } else if (o.propagation) {
        /* the fd names what lies under the new mount: look again to reach it */
        int top = openat2_in_root(root, m->dest, O_PATH);
        if (top < 0) {
            rc = -errno;
        } else {
            fd_path(path, sizeof path, top);
            if (mount(NULL, path, NULL, o.propagation, NULL) < 0)
                rc = -errno;
            close(top);
        }
    }
    close(dst);
    return rc;
}

int mounts_extra(const struct container_config *cfg, struct step_error *e)
{
    if (cfg->n_mounts == 0)
        return 0;
    int root = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return fail(e, QUILT_STEP_MOUNTS, errno, "/");
    for (int i = 0; i < cfg->n_mounts; i++) {
        /* in a user namespace, a host path through the fd the init opened before it became the mapped root */
        int rc = one_mount(root, &cfg->mounts[i], userns_mount_source(i, cfg->mounts[i].source));
        if (rc < 0) {
            close(root);
            return fail(e, QUILT_STEP_MOUNTS, -rc, cfg->mounts[i].dest);
        }
    }
    close(root);
    return 0;
}

static int one_device(int root, const struct device_entry *d)
{
    char parent[PATH_MAX];
    const char *slash = strrchr(d->path, '/');
    size_t plen = (size_t)(slash - d->path);
    if (plen >= sizeof parent || !slash[1])
        return -EINVAL;
    memcpy(parent, d->path, plen);
    parent[plen] = 0;
    int dir = open_in_root(root, parent, 0);
    if (dir < 0)
        return dir;
    const char *name = slash + 1;
    int rc = 0;
    struct stat st;
    /* --device /dev/null:/dev/null: ours is replaced */
    if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        unlinkat(dir, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
        rc = -errno;
    if (rc == 0 && mknodat(dir, name, (d->type == 'b' ? S_IFBLK : S_IFCHR) | d->mode, makedev(d->major, d->minor)) < 0)
        rc = -errno;
    if (rc == 0 && fchownat(dir, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
        rc = -errno;
    close(dir);
    return rc;
}

int mounts_devices(const struct container_config *cfg, struct step_error *e)
{
    if (cfg->n_devices == 0)
        return 0;
    int root = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return fail(e, QUILT_STEP_DEVICES, errno, "/");
    for (int i = 0; i < cfg->n_devices; i++) {
        int rc = one_device(root, &cfg->devices[i]);
        if (rc < 0) {
            close(root);
            return fail(e, QUILT_STEP_DEVICES, -rc, cfg->devices[i].path);
        }
    }
    close(root);
    return 0;
}

/* runc's way: a directory is covered by an empty read-only tmpfs, anything
 * else by /dev/null; a path the kernel does not have is skipped. */
static int mask_one(int root, const char *p)
{
    int fd = openat2_in_root(root, p, O_PATH);
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    struct stat st;
    char path[64];
    int rc = fstat(fd, &st) < 0 ? -errno : 0;
    fd_path(path, sizeof path, fd);
    if (rc == 0 && S_ISDIR(st.st_mode)) {
        if (mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0,nr_inodes=1") < 0)
            rc = -errno;
    } else if (rc == 0 && mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
        rc = -errno;
    }
    close(fd);
    return rc;
}

/* A bind of the path over itself made read-only, nosuid, nodev and noexec;
 * whatever else its mount had (flags, submounts) is kept. */
static int readonly_one(int root, const char *p)
{
    int fd = openat2_in_root(root, p, O_PATH);
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    int rc = 0;
    int tree = (int)syscall(SYS_open_tree, fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
    if (tree < 0)
        rc = -errno;
    if (rc == 0 && syscall(SYS_move_mount, tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        rc = -errno;
    struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                           MOUNT_ATTR_NOEXEC };
    if (rc == 0 && syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
        rc = -errno;
    if (tree >= 0)
        close(tree);
    close(fd);
    return rc;
}

int mounts_mask(const struct container_config *cfg, struct step_error *e)
{
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return fail(e, QUILT_STEP_MASK, errno, "/");
    int rc = 0;
    for (int i = 0; rc == 0 && i < cfg->n_masked; i++)
        if ((rc = mask_one(root, cfg->masked[i])) < 0)
            fail(e, QUILT_STEP_MASK, -rc, cfg->masked[i]);
    for (int i = 0; rc == 0 && i < cfg->n_readonly; i++)
        if ((rc = readonly_one(root, cfg->readonly[i])) < 0)
            fail(e, QUILT_STEP_MASK, -rc, cfg->readonly[i]);
    close(root);
    return rc;
}

int mounts_readonly_root(const struct container_config *cfg, struct step_error *e)
{
    if (!cfg->readonly_root)
        return 0;
    /* the root's own mount only: /dev, /proc, /sys and the extra mounts keep theirs */
    struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
    if (syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, &attr, sizeof attr) < 0)
        return fail(e, QUILT_STEP_READONLY_ROOT, errno, "/");
    return 0;
}

/* One line of /proc/self/cgroup ("4:cpu,cpuacct:/", "1:name=systemd:/",
 * "0::/"): its hierarchy mounted at /sys/fs/cgroup/<dir>, with a link per
 * controller when several share it, as docker and podman show them. */
static int cgroup_hierarchy(int dir, char *line, unsigned long flags)
{
    char *ctrls = strchr(line, ':');
    if (!ctrls)
        return -EINVAL;
    *ctrls++ = 0;
    char *end = strchr(ctrls, ':');
    if (!end)
        return -EINVAL;
    *end = 0;
    int v2 = !strcmp(line, "0") && !*ctrls;
    const char *name = v2 ? "unified" : !strncmp(ctrls, "name=", 5) ? ctrls + 5 : ctrls;
    char data[256], path[PATH_MAX];
    if (snprintf(data, sizeof data, "%s%s", !strncmp(ctrls, "name=", 5) ? "none," : "", ctrls) >= (int)sizeof data ||
        snprintf(path, sizeof path, "/sys/fs/cgroup/%s", name) >= (int)sizeof path)
        return -ENAMETOOLONG;
    if (mkdirat(dir, name, 0555) < 0 && errno != EEXIST)
        return -errno;
    if (mount(v2 ? "cgroup2" : "cgroup", path, v2 ? "cgroup2" : "cgroup", flags, v2 ? NULL : data) < 0)
        return -errno;
    if (!v2 && strncmp(ctrls, "name=", 5) && strchr(ctrls, ',')) {
        for (char *c = ctrls; *c;) {
            size_t len = strcspn(c, ",");
            char one[64];
            if (len < sizeof one) {
                memcpy(one, c, len);
                one[len] = 0;
                if (symlinkat(name, dir, one) < 0 && errno != EEXIST)
                    return -errno;
            }
            c += len + (c[len] == ',');
        }
    }
    return 0;
}

int mounts_cgroupfs(const struct container_config *cfg, struct step_error *e)
{
    /* read under the namespace: every hierarchy's path is "/" */
    static char buf[8192];
    int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(e, QUILT_STEP_CGROUPFS, errno, "/proc/self/cgroup");
    size_t n = 0;
    ssize_t got = 0;
    while (n < sizeof buf - 1 && (got = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)got;
    int err = errno;
    close(fd);
    if (got < 0)
        return fail(e, QUILT_STEP_CGROUPFS, err, "/proc/self/cgroup");
    buf[n] = 0;
    unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME | (cfg->sys_rw ? 0 : MS_RDONLY);
    if (!strncmp(buf, "0::", 3) && !strchr(buf, '\n')[1]) { /* v2 only: the tree itself */
        if (mount("cgroup2", "/sys/fs/cgroup", "cgroup2", flags, NULL) < 0)
            return fail(e, QUILT_STEP_CGROUPFS, errno, "/sys/fs/cgroup");
        return 0;
    }
    if (mount("tmpfs", "/sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=64k") < 0)
        return fail(e, QUILT_STEP_CGROUPFS, errno, "/sys/fs/cgroup");
    int dir = open("/sys/fs/cgroup", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return fail(e, QUILT_STEP_CGROUPFS, errno, "/sys/fs/cgroup");
    for (char *line = buf, *next; *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        else
            next = line + strlen(line);
        static char failed[128]; /* the line, before cgroup_hierarchy cuts it */
        snprintf(failed, sizeof failed, "%s", line);
        int rc = cgroup_hierarchy(dir, line, flags);
        if (rc < 0) {
            close(dir);
            return fail(e, QUILT_STEP_CGROUPFS, -rc, failed);
        }
    }
    close(dir);
    if (!cfg->sys_rw && mount(NULL, "/sys/fs/cgroup", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV |
                              MS_NOEXEC, NULL) < 0)
        return fail(e, QUILT_STEP_CGROUPFS, errno, "/sys/fs/cgroup");
    return 0;
}
