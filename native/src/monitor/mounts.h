/* The container's mounts beyond the fixed ones (issue 13): extra mounts, device
 * nodes, masked and read-only paths, a read-only root, and /sys/fs/cgroup. */
#ifndef QUILT_MOUNTS_H
#define QUILT_MOUNTS_H

#include "config.h"
#include "rootfs.h"

/* Before pivot_root, with the container's root (the overlay) as cwd.  Each
 * returns 0 or -errno and fills *e; no allocation (we run after clone). */
int mounts_devices(const struct container_config *cfg, struct step_error *e);
int mounts_extra(const struct container_config *cfg, struct step_error *e);
/* After pivot_root. */
int mounts_mask(const struct container_config *cfg, struct step_error *e);
int mounts_readonly_root(const struct container_config *cfg, struct step_error *e);
/* After the cgroup namespace is unshared: /sys/fs/cgroup shows the container's
 * own cgroups, read-only unless cfg->sys_rw. */
int mounts_cgroupfs(const struct container_config *cfg, struct step_error *e);

/* The O_PATH fd of path inside root (symlinks resolve inside it, magic links are
 * refused), making missing directories (0755) on the way and the last component
 * as a directory, or as an empty file when make_file.  An fd, or -errno. */
int open_in_root(int root, const char *path, int make_file);

#endif
