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
 * namespace, where the overlay takes it.  The container's upper and work dirs
 * and the exec fifo are given to the mapped root before the clone.
 */
#define _GNU_SOURCE
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "init.h"

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

static int send_mapped(int sock, int fd)
{
    struct init_failure f = { .kind = INIT_MSG_MAPPED };
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = &f, .iov_len = sizeof f };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                          .msg_controllen = sizeof control };
    memset(control, 0, sizeof control);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
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
    rc = send_mapped(sock, tree);
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

int userns_attach_lower(const struct container_config *cfg)
{
    if (lower_fd < 0)
        return 0; /* no user namespace */
    /* over the host's dir, in our private mount namespace only */
    int rc = move_mount(lower_fd, "", AT_FDCWD, cfg->lower, MOVE_MOUNT_F_EMPTY_PATH) < 0 ? -errno : 0;
    close(lower_fd);
    lower_fd = -1;
    return rc;
}
