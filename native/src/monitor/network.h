/* A bridge-network container's plumbing, done by the monitor while the init
 * builds its root in parallel: two netlink batches, then GO to the init. */
#ifndef QUILT_MONITOR_NETWORK_H
#define QUILT_MONITOR_NETWORK_H

#include <sys/types.h>

#include "config.h"
#include "../net/nl.h"

/* Host side (veth into the init's namespace, on the bridge) and container side
 * (lo, address, default route).  0, or -errno with *e naming the request. */
int network_setup(const struct container_config *cfg, pid_t init, struct net_error *e);

/* Deletes the host end if it exists (it would vanish with the namespace, but
 * later, and the caller wants it gone now). */
void network_undo(const struct container_config *cfg);

#endif
