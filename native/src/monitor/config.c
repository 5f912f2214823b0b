#define _GNU_SOURCE
#include "config.h"

#include <ctype.h>
#include <sched.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quilt/proto.h"
#include "../common/tlv.h"
#include "mount_opts.h"

static int parse_ulong(const char *s, unsigned long *out)
{
    char *end;
    if (!*s)
        return -EINVAL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end)
        return -EINVAL;
    *out = v;
    return 0;
}

static int parse_mac(const char *s, unsigned char mac[6])
{
    if (strlen(s) != 12)
        return -EINVAL;
    for (int i = 0; i < 6; i++) {
        unsigned v;
        if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
            sscanf(s + 2 * i, "%2x", &v) != 1)
            return -EINVAL;
        mac[i] = (unsigned char)v;
    }
    return 0;
}

/* The records of the container's mounts (QUILT_T_MOUNT .. QUILT_T_SYS_RW),
 * split in place: s is our own copy. */
static int config_mount_record(struct container_config *cfg, uint16_t tag, char *s, const char **what)
{
    switch (tag) {
    case QUILT_T_MOUNT:
        *what = "mount";
        if (cfg->n_mounts == CONFIG_MAX_MOUNTS)
            return -E2BIG;
        return mount_entry_parse(s, &cfg->mounts[cfg->n_mounts++]);
    case QUILT_T_MASKED:
    case QUILT_T_READONLY: {
        *what = tag == QUILT_T_MASKED ? "masked path" : "read-only path";
        int *n = tag == QUILT_T_MASKED ? &cfg->n_masked : &cfg->n_readonly;
        if (*n == CONFIG_MAX_MOUNTS)
            return -E2BIG;
        if (s[0] != '/')
            return -EINVAL;
        (tag == QUILT_T_MASKED ? cfg->masked : cfg->readonly)[(*n)++] = s;
        return 0;
    }
    case QUILT_T_DEVICE:
        *what = "device";
        if (cfg->n_devices == CONFIG_MAX_MOUNTS)
            return -E2BIG;
        return device_entry_parse(s, &cfg->devices[cfg->n_devices++]);
    case QUILT_T_READONLY_ROOT:
    case QUILT_T_SYS_RW: {
        unsigned long num;
        *what = tag == QUILT_T_SYS_RW ? "writable sysfs" : "read-only root";
        if (parse_ulong(s, &num) < 0)
            return -EINVAL;
        *(tag == QUILT_T_SYS_RW ? &cfg->sys_rw : &cfg->readonly_root) = num != 0;
        return 0;
    }
    default:
        return 0; /* a tag of this range that a newer JVM knows */
    }
}

static const char **slot_for(struct container_config *cfg, uint16_t tag)
{
    switch (tag) {
    case QUILT_T_ID: return &cfg->id;
    case QUILT_T_STATE_DIR: return &cfg->state_dir;
    case QUILT_T_LOWER: return &cfg->lower;
    case QUILT_T_UPPER: return &cfg->upper;
    case QUILT_T_WORK: return &cfg->work;
    case QUILT_T_MERGED: return &cfg->merged;
    case QUILT_T_HOSTNAME: return &cfg->hostname;
    case QUILT_T_CWD: return &cfg->cwd;
    case QUILT_T_LOG_PATH: return &cfg->log_path;
    case QUILT_T_EXEC_FIFO: return &cfg->exec_fifo;
    case QUILT_T_INIT_PATH: return &cfg->init_path;
    case QUILT_T_ETC_DIR: return &cfg->etc_dir;
    case QUILT_T_NET_BRIDGE: return &cfg->net_bridge;
    case QUILT_T_NET_VETH: return &cfg->net_veth;
    case QUILT_T_NET_ADDRESS: return &cfg->net_address;
    case QUILT_T_NET_GATEWAY: return &cfg->net_gateway;
    case QUILT_T_NET_LEASES: return &cfg->net_leases;
    case QUILT_T_CGROUP_V2: return &cfg->cgroup_v2;
    case QUILT_T_CGROUP_MEMORY_V1: return &cfg->cgroup_memory_v1;
    case QUILT_T_UID_MAP: return &cfg->uid_map;
    case QUILT_T_GID_MAP: return &cfg->gid_map;
    case QUILT_T_CONSOLE_SOCKET: return &cfg->console_socket;
    default: return NULL;
    }
}

int config_parse(struct container_config *cfg, const void *msg, size_t len, const char **what)
{
    struct tlv_reader r = { .buf = msg, .len = len };
    uint16_t tag;
    const uint8_t *val;
    uint32_t vlen;
    size_t nargs = 0, nenv = 0, nrec = 0, nhooks = 0;
    int rc;

    memset(cfg, 0, sizeof *cfg);
    cfg->stdout_fd = cfg->stderr_fd = cfg->fifo_fd = cfg->init_memfd = cfg->console_fd = -1;
    for (int i = 0; i < CONFIG_MAX_CGROUPS; i++)
        cfg->cgroup_tasks[i] = -1; /* CGROUP_BY_PID */
    for (int i = 0; i < CONFIG_MAX_PRESERVED_FDS; i++)
        cfg->preserved[i] = -1;
    confine_init(&cfg->confine);
    *what = "message";
    /* first pass: count, so every array is sized before anything is copied */
    while ((rc = tlv_next(&r, &tag, &val, &vlen)) > 0) {
        nrec++;
        if (tag == QUILT_T_ARG)
            nargs++;
        else if (tag == QUILT_T_ENV)
            nenv++;
        nhooks += (size_t)hooks_tag(tag);
        if (!confine_binary_tag(tag) && memchr(val, 0, vlen))
            return -EINVAL; /* a NUL inside a string would cut it short silently */
    }
    if (rc < 0)
        return rc;

    cfg->strings = malloc(len + nrec);
    cfg->argv = calloc(nargs + 1, sizeof(char *));
    /* one spare slot: the init adds HOME from the image's passwd when none is given */
    cfg->envp = calloc(nenv + 2, sizeof(char *));
    if (!cfg->strings || !cfg->argv || !cfg->envp || hooks_begin(&cfg->hooks, nhooks) < 0) {
        config_free(cfg);
        return -ENOMEM;
    }

    char *out = cfg->strings;
    size_t ia = 0, ie = 0;
    int type = 0;
    r.pos = 0;
    while (tlv_next(&r, &tag, &val, &vlen) > 0) {
        memcpy(out, val, vlen);
        out[vlen] = 0;
        const char **slot = slot_for(cfg, tag);
        unsigned long num;
        int taken = confine_take(&cfg->confine, tag, out, vlen, what);
        if (taken == 0)
            taken = bundle_take(&cfg->bundle, tag, out, what);
        if (taken == 0)
            taken = restore_take(&cfg->restore, tag, out, what);
        if (taken < 0) {
            config_free(cfg);
            return taken;
        }
        if (taken) {
            /* one of the confinement records: kept in cfg->confine */
        } else if (slot) {
            *slot = out;
        } else if (tag == QUILT_T_ARG) {
            cfg->argv[ia++] = out;
        } else if (tag == QUILT_T_ENV) {
            cfg->envp[ie++] = out;
        } else if (tag == QUILT_T_CGROUP_V1) {
            if (cfg->n_cgroup_v1 == CONFIG_MAX_CGROUPS) {
                *what = "cgroups";
                config_free(cfg);
                return -E2BIG;
            }
            cfg->cgroup_v1[cfg->n_cgroup_v1++] = out;
        } else if (hooks_tag(tag)) {
            if ((rc = hooks_take(&cfg->hooks, tag, out, what)) < 0) {
                config_free(cfg);
                return rc;
            }
        } else if (tag >= QUILT_T_MOUNT && tag <= QUILT_T_SYS_RW) {
            if ((rc = config_mount_record(cfg, tag, out, what)) < 0) {
                config_free(cfg);
                return rc;
            }
        } else if (tag == QUILT_T_TYPE || tag == QUILT_T_UID || tag == QUILT_T_GID ||
                   tag == QUILT_T_NS_FLAGS || tag == QUILT_T_STDIN_NULL || tag == QUILT_T_LOOPBACK ||
                   tag == QUILT_T_LOG_MAX || tag == QUILT_T_HANDED_OFF || tag == QUILT_T_PRESERVE_FDS) {
            if (parse_ulong(out, &num) < 0) {
                *what = tag == QUILT_T_TYPE ? "type" : tag == QUILT_T_UID ? "uid"
                      : tag == QUILT_T_GID ? "gid" : tag == QUILT_T_NS_FLAGS ? "namespaces"
                      : tag == QUILT_T_LOOPBACK ? "loopback" : tag == QUILT_T_LOG_MAX ? "log max"
                      : tag == QUILT_T_HANDED_OFF ? "handed off" : tag == QUILT_T_PRESERVE_FDS ? "preserve fds" : "stdin";
                config_free(cfg);
                return -EINVAL;
            }
            if (tag == QUILT_T_TYPE) type = (int)num;
            else if (tag == QUILT_T_UID) cfg->uid = (uid_t)num;
            else if (tag == QUILT_T_GID) cfg->gid = (gid_t)num;
            else if (tag == QUILT_T_NS_FLAGS) cfg->ns_flags = num;
            else if (tag == QUILT_T_LOOPBACK) cfg->loopback = num != 0;
            else if (tag == QUILT_T_LOG_MAX) cfg->log_max = num;
            else if (tag == QUILT_T_HANDED_OFF) cfg->handed_off = num != 0;
            else if (tag == QUILT_T_PRESERVE_FDS) {
                if (num > CONFIG_MAX_PRESERVED_FDS) {
                    *what = "preserve fds";
                    config_free(cfg);
                    return -E2BIG;
                }
                cfg->preserve_fds = (int)num;
            }
            else cfg->stdin_null = num != 0;
        } else if (tag == QUILT_T_CONSOLE_SIZE) {
            unsigned rows, cols;
            char end;
            if (sscanf(out, "%u %u%c", &rows, &cols, &end) != 2 || rows > 0xffff || cols > 0xffff) {
                *what = "console size";
                config_free(cfg);
                return -EINVAL;
            }
            cfg->console_rows = (unsigned short)rows;
            cfg->console_cols = (unsigned short)cols;
        } else if (tag == QUILT_T_NET_MAC) {
            if (parse_mac(out, cfg->net_mac) < 0) {
                *what = "mac";
                config_free(cfg);
                return -EINVAL;
            }
        }
        /* unknown tags are skipped: a newer JVM side may say more than we need */
        out += vlen + 1;
    }

    const char *missing = type != QUILT_MSG_CONFIG ? "type"
        : !cfg->id ? "id" : !cfg->state_dir ? "state dir" : !cfg->lower ? "rootfs"
        : !cfg->merged ? "merged dir" : nargs == 0 ? "command" : NULL;
    if (!missing && (cfg->upper == NULL) != (cfg->work == NULL))
        missing = "upper and work dirs";
    if (!missing && cfg->net_bridge && (!cfg->net_veth || !cfg->net_address || !cfg->net_gateway ||
                                        !(cfg->net_mac[0] | cfg->net_mac[1] | cfg->net_mac[5])))
        missing = "network";
    if (!missing && cfg->cgroup_v2 && (cfg->n_cgroup_v1 || cfg->cgroup_memory_v1))
        missing = "one cgroup version";
    if (missing) {
        *what = missing;
        config_free(cfg);
        return -EINVAL;
    }
    if (!missing && (cfg->uid_map == NULL) != (cfg->gid_map == NULL))
        missing = "uid and gid maps";
    /* clone(2): CLONE_PARENT with CLONE_NEWUSER is EINVAL, and the monitor cannot unshare a user
     * namespace for the init without entering it itself */
    if (!missing && cfg->handed_off && cfg->uid_map)
        missing = "no user namespace for a handed-off init";
    if (missing) {
        *what = missing;
        config_free(cfg);
        return -EINVAL;
    }
    if ((rc = hooks_end(&cfg->hooks, what)) < 0) {
        config_free(cfg);
        return rc;
    }
    if (cfg->uid_map) /* cloned with every other namespace, so that it owns them all */
        cfg->ns_flags |= CLONE_NEWUSER;
    else
        cfg->ns_flags &= ~(unsigned long)CLONE_NEWUSER;
    if (!missing && cfg->bundle.root_in_place && cfg->upper)
        missing = "one root: in place or an overlay";
    if (!missing && (cfg->bundle.joined & CLONE_NEWNET) && (cfg->net_bridge || cfg->loopback))
        missing = "one network namespace: joined or made";
    if (missing) {
        *what = missing;
        config_free(cfg);
        return -EINVAL;
    }
    /* a namespace joined by path is not made again */
    cfg->ns_flags &= ~cfg->bundle.joined;
    if (!cfg->hostname && !cfg->bundle.keep_hostname)
        cfg->hostname = cfg->id;
    if (!cfg->cwd)
        cfg->cwd = "/";
    cfg->hold = cfg->net_bridge || cfg->n_cgroup_v1;
    /* clone() would root the namespace at our cgroup, not the container's */
    cfg->cgroupns_late = (cfg->ns_flags & CLONE_NEWCGROUP) != 0;
    cfg->ns_flags &= ~(unsigned long)CLONE_NEWCGROUP;

    int n;
    if (cfg->upper)
        n = snprintf(cfg->overlay_opts, sizeof cfg->overlay_opts,
                     "lowerdir=%s,upperdir=%s,workdir=%s", cfg->lower, cfg->upper, cfg->work);
    else
        n = snprintf(cfg->overlay_opts, sizeof cfg->overlay_opts, "lowerdir=%s", cfg->lower);
    if (n < 0 || (size_t)n >= sizeof cfg->overlay_opts) {
        *what = "rootfs paths";
        config_free(cfg);
        return -ENAMETOOLONG;
    }
    *what = NULL;
    return 0;
}

void config_free(struct container_config *cfg)
{
    /* the fds are the monitor's to close */
    free(cfg->strings);
    free(cfg->argv);
    free(cfg->envp);
    hooks_free(&cfg->hooks);
    cfg->strings = NULL;
    cfg->argv = cfg->envp = NULL;
}

const char *config_getenv(const struct container_config *cfg, const char *name)
{
    size_t n = strlen(name);
    for (char **e = cfg->envp; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}
