/* An OCI bundle's container as runc runs it (proto.h tags 110-119): namespaces
 * joined by path (linux.namespaces[].path), the rootfs used in place, --no-pivot,
 * and a hostname left alone when the bundle gives none. */
#ifndef QUILT_BUNDLE_H
#define QUILT_BUNDLE_H

#include <stdint.h>

#define BUNDLE_MAX_NS 8

struct bundle_ns {
    unsigned long type; /* CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWPID or CLONE_NEWCGROUP */
    const char *path;
};

struct bundle_terms {
    struct bundle_ns ns[BUNDLE_MAX_NS];
    int n_ns;
    unsigned long joined; /* the CLONE_NEW* bits of ns[] */
    int root_in_place, no_pivot, keep_hostname;
};

struct step_error;
struct container_config;

/* One record of tags 110-119 (s is our own NUL-terminated copy, split in place):
 * 1 when it was one, 0 when the tag is another's, or -EINVAL / -E2BIG with
 * *what naming the field.  A user or mount namespace is -EINVAL: the JVM never
 * sends one (joining either from the monitor is not done right yet). */
int bundle_take(struct bundle_terms *b, uint16_t tag, char *s, const char **what);

/* The CLONE_NEW* bit of a /proc/PID/ns name ("net"), or 0 for one we do not join. */
unsigned long bundle_ns_type(const char *name);

/* In the monitor, after its fork and before clone3: setns(2) into each path,
 * the type checked by the kernel (EINVAL for a file of another type), so the
 * init is cloned into them; a pid namespace applies to children only, so the
 * monitor stays where it is and the init is not pid 1 there.  0 or -errno,
 * with *object the path that failed. */
int bundle_join(const struct bundle_terms *b, const char **object);

/* In the init, with / private: binds the root directory onto itself (rbind,
 * then private, as runc does) and makes it the cwd.  0 or -errno, *e filled. */
int bundle_bind_root(const struct container_config *cfg, struct step_error *e);

/* runc's --no-pivot: the root (the cwd) moved onto / (MS_MOVE) and chroot(".").
 * It exists for a root on initramfs/ramfs, where pivot_root(2) is EINVAL; it is
 * weaker than pivot_root: the old root's mounts stay in the mount namespace,
 * under the moved root, where only chroot keeps the process from them (runc
 * detaches what it can; Quilt does not yet).  0 or -errno, *e filled. */
int bundle_move_root(const struct container_config *cfg, struct step_error *e);

#endif
