/* A container in its own user namespace (--userns, --uidmap): its root is an
 * unprivileged host uid.
 *
 * The monitor clones the init with CLONE_NEWUSER beside every other namespace
 * (so that the user namespace owns them all: sysfs and procfs mount inside),
 * then, from outside and still all-powerful, writes the init's uid_map and
 * gid_map (setgroups stays "allow": a privileged parent writes the maps) and
 * makes the image's layer an idmapped mount over the new namespace, so that
 * files the image owns as 0 are the container's root's.  It hands that mount
 * to the init with INIT_MSG_MAPPED; the init, which waited for it before doing
 * anything that needs its ids, mounts it over the lower dir in its own mount
 * namespace (still as the host's root, unmapped there), opens the dirs it
 * needs, becomes the mapped root and builds the overlay from those fds.  The
 * container's upper and work dirs and the exec fifo are given to the mapped
 * root before the clone.
 */
#define _GNU_SOURCE
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "init.h"
#include "rootfs.h"

/* the init's copy: the idmapped layer it was handed, until it is mounted */
static int lower_fd = -1;

int userns_host_root(const char *map, unsigned long *out)
{
    for (const char *line = map; line && *line;) {
        unsigned long inside, host, size;
        if (sscanf(line, "%lu %lu %lu", &inside, &host, &size) == 3 && inside == 0 && size > 0) {
            *out = host;
            return 0;
        }
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return -ENOENT;
}

int userns_prepare(const struct container_config *cfg, const char **object)
{
    unsigned long uid, gid;
    *object = "uid map";
    if (userns_host_root(cfg->uid_map, &uid) < 0)
        return -EINVAL;
    *object = "gid map";
    if (userns_host_root(cfg->gid_map, &gid) < 0)
        return -EINVAL;
    /* the overlay writes its upper layer as the container's root */
    const char *mine[] = { cfg->upper, cfg->work, cfg->exec_fifo };
    for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++) {
        *object = mine[i];
        if (mine[i] && lchown(mine[i], (uid_t)uid, (gid_t)gid) < 0)
            return -errno;
    }
    return 0;
}

static int write_map(pid_t pid, const char *name, const char *map)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    size_t len = strlen(map);
    int rc = write(fd, map, len) == (ssize_t)len ? 0 : -errno;
    close(fd);
    return rc;
}

/* The image's layer, cloned as a detached mount whose ids are seen through
 * the init's user namespace. */
static int idmapped_lower(const struct container_config *cfg, pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
    int userns = open(path, O_RDONLY | O_CLOEXEC);
    if (userns < 0)
        return -errno;
    int tree = open_tree(AT_FDCWD, cfg->lower, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    int rc = tree < 0 ? -errno : 0;
    struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (unsigned long long)userns };
    if (rc == 0 && mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof attr) < 0)
        rc = -errno;
    close(userns);
    if (rc < 0) {
        if (tree >= 0)
            close(tree);
        return rc;
    }
    return tree;
}

int userns_release(const struct container_config *cfg, pid_t init, int sock, int *step, const char **object)
{
    int rc;
    *step = QUILT_STEP_USERNS;
    *object = "uid_map";
    if ((rc = write_map(init, "uid_map", cfg->uid_map)) < 0)
        return rc;
    *object = "gid_map";
    if ((rc = write_map(init, "gid_map", cfg->gid_map)) < 0)
        return rc;
    *step = QUILT_STEP_IDMAP;
    *object = cfg->lower;
    int tree = idmapped_lower(cfg, init);
    if (tree < 0)
        return tree;
    *step = QUILT_STEP_USERNS;
    *object = "init";
    rc = init_send_fd(sock, INIT_MSG_MAPPED, tree);
    close(tree);
    return rc;
}

int userns_await(int sock)
{
    struct init_failure f;
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = &f, .iov_len = sizeof f };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                          .msg_controllen = sizeof control };
    ssize_t n;
    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            memcpy(&lower_fd, CMSG_DATA(c), sizeof(int));
    return n == (ssize_t)sizeof f && f.kind == INIT_MSG_MAPPED && lower_fd >= 0 ? 0 : -ECONNRESET;
}

/* the init's O_PATH fds of the host's dirs it needs once it is the mapped
 * root, which may not search the state root (0700, the host root's) */
static int etc_fd = -1;
static char etc_path[32];
/* and the sources of its bind mounts (-v), by index of cfg->mounts */
static char source_path[CONFIG_MAX_MOUNTS][32];

static int open_path(const char *path)
{
    return open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static int fd_path(char *buf, size_t cap, int fd)
{
    return snprintf(buf, cap, "/proc/self/fd/%d", fd) < (int)cap ? 0 : -ENAMETOOLONG;
}

/* the overlay from fds, made by the mapped root (overlayfs in a user
 * namespace: the mounter's ids must be mapped, and xattrs are user.*) */
static int overlay_from_fds(int lower, int upper, int work, int merged, struct step_error *e)
{
    char path[32];
    int fs = fsopen("overlay", FSOPEN_CLOEXEC), mnt = -1, rc = 0;
    if (fs < 0)
        rc = -errno;
    if (rc == 0 && (fd_path(path, sizeof path, lower) < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir", path, 0) < 0))
        rc = -errno;
    if (rc == 0 && upper >= 0 &&
        (fd_path(path, sizeof path, upper) < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", path, 0) < 0 ||
         fd_path(path, sizeof path, work) < 0 || fsconfig(fs, FSCONFIG_SET_STRING, "workdir", path, 0) < 0 ||
         fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0))
        rc = -errno;
    if (rc == 0 && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        rc = -errno;
    if (rc == 0 && (mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0)) < 0)
        rc = -errno;
    /* over the merged dir (through its fd: the path is not ours to search), then in it */
    if (rc == 0 && (fd_path(path, sizeof path, merged) < 0 ||
                    move_mount(mnt, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS) < 0 || fchdir(mnt) < 0))
        rc = -errno;
    if (fs >= 0)
        close(fs);
    if (mnt >= 0)
        close(mnt);
    if (rc < 0) {
        e->step = QUILT_STEP_MOUNT_ROOTFS;
        e->err = -rc;
    }
    return rc;
}

int userns_mount_rootfs(const struct container_config *cfg, struct step_error *e)
{
    e->step = QUILT_STEP_IDMAP;
    e->object = cfg->lower;
    /* still the host's root (unmapped here): the image's layer over the host's dir */
    int rc = move_mount(lower_fd, "", AT_FDCWD, cfg->lower, MOVE_MOUNT_F_EMPTY_PATH) < 0 ? -errno : 0;
    close(lower_fd);
    lower_fd = -1;
    if (rc < 0) {
        e->err = -rc;
        return rc;
    }
    int lower = -1, upper = -1, work = -1, merged = -1;
    e->step = QUILT_STEP_USERNS;
    if ((e->object = cfg->lower, lower = open_path(cfg->lower)) < 0 ||
        (cfg->upper && ((e->object = cfg->upper, upper = open_path(cfg->upper)) < 0 ||
                        (e->object = cfg->work, work = open_path(cfg->work)) < 0)) ||
        (e->object = cfg->merged, merged = open_path(cfg->merged)) < 0 ||
        (cfg->etc_dir && (e->object = cfg->etc_dir, etc_fd = open_path(cfg->etc_dir)) < 0))
        rc = -errno;
    for (int i = 0; rc == 0 && i < cfg->n_mounts; i++) {
        int fd = cfg->mounts[i].source[0] == '/' ? open(cfg->mounts[i].source, O_PATH | O_CLOEXEC) : -1;
        if (fd >= 0) /* one that is missing fails where it is mounted, with its own words */
            fd_path(source_path[i], sizeof source_path[i], fd);
    }
    /* from here on the container's root, as its processes will be */
    if (rc == 0 && (e->object = "setresuid", setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
        rc = -errno;
    if (rc < 0)
        e->err = -rc;
    else if ((rc = overlay_from_fds(lower, upper, work, merged, e)) < 0)
        e->object = cfg->merged;
    int fds[] = { lower, upper, work, merged };
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    if (rc == 0 && etc_fd >= 0)
        fd_path(etc_path, sizeof etc_path, etc_fd);
    return rc;
}

const char *userns_mount_source(int i, const char *source)
{
    return i < CONFIG_MAX_MOUNTS && source_path[i][0] ? source_path[i] : source;
}

const char *userns_etc_dir(const struct container_config *cfg)
{
    return etc_fd >= 0 ? etc_path : cfg->etc_dir;
}
