/* The records of a container's extra mounts and devices, and mount(8)'s
 * options, parsed without touching the system (TAP-tested). */
#ifndef QUILT_MOUNT_OPTS_H
#define QUILT_MOUNT_OPTS_H

#include "config.h"

/* What one comma-separated option list asks for.  flags go to mount(2) for a
 * new filesystem; attr_set/attr_clr are the same as MOUNT_ATTR_* for
 * mount_setattr(2) on a bind mount; propagation is one MS_PRIVATE, MS_SHARED,
 * MS_SLAVE or MS_UNBINDABLE, with MS_REC for its r-form; what no flag names
 * ("size=64m", "mode=1777") goes to data, comma-joined. */
struct mount_opts {
    unsigned long flags;
    unsigned long long attr_set, attr_clr;
    unsigned long propagation;
    int bind, recursive;
    char data[1024];
};

/* "TYPE\nDEST\nSOURCE\nOPTIONS", split in place.  0, or -EINVAL when a field
 * is missing or the destination is not absolute. */
int mount_entry_parse(char *s, struct mount_entry *m);

/* "c|b MAJOR MINOR MODE UID GID PATH" (MODE octal).  0 or -EINVAL. */
int device_entry_parse(char *s, struct device_entry *d);

/* 0, or -EINVAL for an empty option or a list that does not fit data. */
int mount_opts_parse(const char *options, struct mount_opts *o);

#endif
