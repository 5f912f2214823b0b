#define _GNU_SOURCE
#include "mount_opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

int mount_entry_parse(char *s, struct mount_entry *m)
{
    const char **fields[] = { &m->type, &m->dest, &m->source, &m->options };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char *nl = strchr(s, '\n');
        if ((nl == NULL) != (i == 3))
            return -EINVAL;
        if (nl)
            *nl = 0;
        *fields[i] = s;
        s = nl ? nl + 1 : s + strlen(s);
    }
    return m->type[0] && m->dest[0] == '/' ? 0 : -EINVAL;
}

int device_entry_parse(char *s, struct device_entry *d)
{
    char type;
    unsigned major, minor, mode, uid, gid;
    int at = -1;
    if (sscanf(s, "%c %u %u %o %u %u %n", &type, &major, &minor, &mode, &uid, &gid, &at) != 6 || at < 0 ||
        (type != 'c' && type != 'b') || mode > 07777 || strncmp(s + at, "/dev/", 5) != 0)
        return -EINVAL;
    *d = (struct device_entry){ .type = type, .major = major, .minor = minor, .mode = mode, .uid = uid,
                                .gid = gid, .path = s + at };
    return 0;
}

/* mount(8)'s names: set or clear a flag (and its MOUNT_ATTR_ twin) */
static const struct {
    const char *name;
    int clear;
    unsigned long flag;
    unsigned long long attr;
} flag_names[] = {
    { "ro", 0, MS_RDONLY, MOUNT_ATTR_RDONLY },       { "rw", 1, MS_RDONLY, MOUNT_ATTR_RDONLY },
    { "nosuid", 0, MS_NOSUID, MOUNT_ATTR_NOSUID },   { "suid", 1, MS_NOSUID, MOUNT_ATTR_NOSUID },
    { "nodev", 0, MS_NODEV, MOUNT_ATTR_NODEV },      { "dev", 1, MS_NODEV, MOUNT_ATTR_NODEV },
    { "noexec", 0, MS_NOEXEC, MOUNT_ATTR_NOEXEC },   { "exec", 1, MS_NOEXEC, MOUNT_ATTR_NOEXEC },
    /* atime modes only for a new filesystem: mount_setattr changes them as one field */
    { "noatime", 0, MS_NOATIME, 0 }, { "relatime", 0, MS_RELATIME, 0 },
    { "strictatime", 0, MS_STRICTATIME, 0 },
    { "nodiratime", 0, MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
    { "sync", 0, MS_SYNCHRONOUS, 0 }, { "async", 1, MS_SYNCHRONOUS, 0 },
    { "dirsync", 0, MS_DIRSYNC, 0 },  { "defaults", 0, 0, 0 },
    /* podman's: copy the image's files up into a tmpfs; Quilt leaves them hidden */
    { "tmpcopyup", 0, 0, 0 },         { "notmpcopyup", 0, 0, 0 },
};

static const struct {
    const char *name;
    unsigned long flags;
} propagation_names[] = {
    { "private", MS_PRIVATE },   { "rprivate", MS_PRIVATE | MS_REC },
    { "shared", MS_SHARED },     { "rshared", MS_SHARED | MS_REC },
    { "slave", MS_SLAVE },       { "rslave", MS_SLAVE | MS_REC },
    { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

static int one_option(const char *name, size_t len, struct mount_opts *o)
{
    if (len == 0)
        return -EINVAL;
    if ((len == 4 && !memcmp(name, "bind", 4)) || (len == 5 && !memcmp(name, "rbind", 5))) {
        o->bind = 1;
        o->recursive = len == 5;
        return 0;
    }
    for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++) {
        if (strlen(flag_names[i].name) != len || memcmp(flag_names[i].name, name, len))
            continue;
        if (flag_names[i].clear) {
            o->flags &= ~flag_names[i].flag;
            o->attr_set &= ~flag_names[i].attr;
            o->attr_clr |= flag_names[i].attr;
        } else {
            o->flags |= flag_names[i].flag;
            o->attr_set |= flag_names[i].attr;
            o->attr_clr &= ~flag_names[i].attr;
        }
        return 0;
    }
    for (size_t i = 0; i < sizeof propagation_names / sizeof propagation_names[0]; i++) {
        if (strlen(propagation_names[i].name) == len && !memcmp(propagation_names[i].name, name, len)) {
            o->propagation = propagation_names[i].flags;
            return 0;
        }
    }
    size_t used = strlen(o->data);
    if (used + (used ? 1 : 0) + len >= sizeof o->data)
        return -EINVAL;
    if (used)
        o->data[used++] = ',';
    memcpy(o->data + used, name, len);
    o->data[used + len] = 0;
    return 0;
}

int mount_opts_parse(const char *options, struct mount_opts *o)
{
    memset(o, 0, sizeof *o);
    if (!*options)
        return 0;
    for (const char *p = options;;) {
        size_t len = strcspn(p, ",");
        int rc = one_option(p, len, o);
        if (rc < 0)
            return rc;
        if (!p[len])
            return 0;
        p += len + 1;
    }
}
