/* Building the container's file system view, in its own mount namespace. */
#ifndef QUILT_ROOTFS_H
#define QUILT_ROOTFS_H

#include "config.h"

/* What went wrong, for the FAIL message. */
struct step_error {
    int step;
    int err;
    const char *object;
};

/* Each returns 0 or -errno and fills *e.  Called in the child only, after
 * clone(): no allocation happens here. */
int rootfs_mount(const struct container_config *cfg, struct step_error *e);
int rootfs_pivot(const struct container_config *cfg, struct step_error *e);
int rootfs_mask(const struct container_config *cfg, struct step_error *e);
/* After pivot_root: the working directory, made like `mkdir -p` (0755, root's,
 * as runc makes it) when it is missing; a file in its way is ENOTDIR. */
int rootfs_workdir(const char *cwd, struct step_error *e);

#endif
