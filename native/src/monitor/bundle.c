#define _GNU_SOURCE
#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "config.h"
#include "rootfs.h"

static const struct {
    const char *name;
    unsigned long type;
} ns_names[] = {
    { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS }, { "net", CLONE_NEWNET },
    { "pid", CLONE_NEWPID }, { "cgroup", CLONE_NEWCGROUP },
};

unsigned long bundle_ns_type(const char *name)
{
    for (size_t i = 0; i < sizeof ns_names / sizeof ns_names[0]; i++)
        if (!strcmp(name, ns_names[i].name))
            return ns_names[i].type;
    return 0;
}

static int flag(const char *s, int *out)
{
    if (strcmp(s, "0") && strcmp(s, "1"))
        return -EINVAL;
    *out = s[0] == '1';
    return 0;
}

int bundle_take(struct bundle_terms *b, uint16_t tag, char *s, const char **what)
{
    switch (tag) {
    case QUILT_T_NS_PATH: {
        *what = "namespace path";
        char *sp = strchr(s, ' ');
        if (!sp || sp[1] != '/')
            return -EINVAL;
        *sp = 0;
        unsigned long type = bundle_ns_type(s);
        if (!type || (b->joined & type))
            return -EINVAL; /* one path per type, and only the types we join */
        if (b->n_ns == BUNDLE_MAX_NS)
            return -E2BIG;
        b->ns[b->n_ns++] = (struct bundle_ns){ type, sp + 1 };
        b->joined |= type;
        return 1;
    }
    case QUILT_T_ROOT_IN_PLACE:
        *what = "root in place";
        return flag(s, &b->root_in_place) < 0 ? -EINVAL : 1;
    case QUILT_T_NO_PIVOT:
        *what = "no pivot";
        return flag(s, &b->no_pivot) < 0 ? -EINVAL : 1;
    case QUILT_T_KEEP_HOSTNAME:
        *what = "keep hostname";
        return flag(s, &b->keep_hostname) < 0 ? -EINVAL : 1;
    default:
        return tag >= 110 && tag <= 119 ? 1 : 0; /* a tag of our range that a newer JVM knows */
    }
}

int bundle_join(const struct bundle_terms *b, const char **object)
{
    for (int i = 0; i < b->n_ns; i++) {
        *object = b->ns[i].path;
        int fd = open(b->ns[i].path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return -errno;
        int rc = setns(fd, (int)b->ns[i].type) < 0 ? -errno : 0;
        close(fd);
        if (rc < 0)
            return rc;
    }
    *object = NULL;
    return 0;
}

static int fail(struct step_error *e, int step, const char *object)
{
    e->step = step;
    e->err = errno;
    e->object = object;
    return -e->err;
}

int bundle_bind_root(const struct container_config *cfg, struct step_error *e)
{
    if (mount(cfg->merged, cfg->merged, NULL, MS_BIND | MS_REC, NULL) < 0 ||
        mount(NULL, cfg->merged, NULL, MS_PRIVATE | MS_REC, NULL) < 0 || chdir(cfg->merged) < 0)
        return fail(e, QUILT_STEP_MOUNT_ROOTFS, cfg->merged);
    return 0;
}

int bundle_move_root(const struct container_config *cfg, struct step_error *e)
{
    if (mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
        return fail(e, QUILT_STEP_PIVOT_ROOT, cfg->merged);
    return 0;
}
