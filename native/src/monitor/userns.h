/* The container's user namespace: maps written and the image's layer idmapped
 * by the monitor, taken by the init (userns.c). */
#ifndef QUILT_USERNS_H
#define QUILT_USERNS_H

#include <sys/types.h>

#include "config.h"

/* The host id that id 0 maps to in a uid_map/gid_map text, or -ENOENT. */
int userns_host_root(const char *map, unsigned long *out);

/* Monitor, before clone(): the upper and work dirs and the exec fifo are
 * given to the mapped root.  -errno with *object naming the path. */
int userns_prepare(const struct container_config *cfg, const char **object);

/* Monitor, right after clone(): writes the init's maps, makes the idmapped
 * layer and sends it with INIT_MSG_MAPPED on sock.  -errno with *step
 * (QUILT_STEP_USERNS or QUILT_STEP_IDMAP) and *object. */
int userns_release(const struct container_config *cfg, pid_t init, int sock, int *step, const char **object);

/* Init, first thing: blocks until INIT_MSG_MAPPED and keeps its layer. */
int userns_await(int sock);

struct step_error;

/* Init, in its private mount namespace, instead of the plain overlay mount:
 * the layer it was handed over cfg->lower, the dirs it needs opened, then
 * setresuid(0) (the mapped root) and the overlay built from those fds, with
 * the cwd at its root.  -errno with *e set. */
int userns_mount_rootfs(const struct container_config *cfg, struct step_error *e);

/* The source of cfg->mounts[i] as the init reaches it: a path through the fd it kept, or source. */
const char *userns_mount_source(int i, const char *source);

/* Where the init reads the etc files from: a path through the fd it kept, or cfg->etc_dir. */
const char *userns_etc_dir(const struct container_config *cfg);

#endif
