/* The container the JVM asked for, parsed from one CONFIG message.
 * Every string points into one allocation made here, before clone(). */
#ifndef QUILT_CONFIG_H
#define QUILT_CONFIG_H

#include <stddef.h>
#include <sys/types.h>

#include "../common/confine.h"
#include "bundle.h"
#include "hooks.h"
#include "restore.h"

/* every mounted hierarchy: up to 16 v1 controllers, named ones and the v2 tree */
#define CONFIG_MAX_CGROUPS 32
#define CONFIG_MAX_MOUNTS 128   /* of each kind: extra mounts, masked, read-only paths, devices */
#define CONFIG_MAX_PRESERVED_FDS 253 /* SCM_MAX_FD: what one FDS message can carry */

/* One QUILT_T_MOUNT record, split in place at its newlines. */
struct mount_entry {
    const char *type, *dest, *source, *options;
};

/* One QUILT_T_DEVICE record. */
struct device_entry {
    char type; /* 'c' or 'b' */
    unsigned major, minor;
    mode_t mode;
    uid_t uid;
    gid_t gid;
    const char *path;
};

struct container_config {
    const char *id;
    const char *state_dir;
    const char *lower;
    const char *upper;
    const char *work;
    const char *merged;
    const char *hostname;   /* NULL: the uts namespace keeps its name (QUILT_T_KEEP_HOSTNAME) */
    const char *cwd;
    char **argv;      /* NULL-terminated */
    char **envp;      /* NULL-terminated, with a spare slot after the NULL (for HOME) */
    uid_t uid;
    gid_t gid;
    unsigned long ns_flags;
    int stdin_null;
    const char *log_path;   /* detached when set */
    unsigned long log_max;  /* the log's cap in bytes; 0: none */
    const char *exec_fifo;  /* created (waits for start) when set */
    const char *init_path;  /* run quilt-init (from init_memfd) when set */
    const char *etc_dir;    /* bind hosts, hostname, resolv.conf from here when set */
    /* bridge network when net_bridge is set; all four come together */
    const char *net_bridge, *net_veth, *net_address, *net_gateway;
    const char *net_leases; /* optional: the root's network dir; the lease goes back at the exit */
    unsigned char net_mac[6];
    int loopback;           /* private namespace: bring lo up, nothing more */
    /* cgroups: a v2 dir to clone into, or v1 dirs to join before GO; where OOM kills are counted */
    const char *cgroup_v2;
    const char *cgroup_v1[CONFIG_MAX_CGROUPS];
    int n_cgroup_v1;
    /* set by the monitor before the clone (cgroup.h, cgroup_open_tasks): per v1 dir, its tasks file,
     * which the init writes itself into after GO; CGROUP_BY_PID: the monitor writes the init's pid into
     * cgroup.procs; CGROUP_BY_CLONE: the cgroup2 dir the init is cloned into */
    int cgroup_tasks[CONFIG_MAX_CGROUPS];
    const char *cgroup_memory_v1;
    /* mounts (tags 70-75): extra mounts in order, masked and read-only paths, device nodes */
    struct mount_entry mounts[CONFIG_MAX_MOUNTS];
    int n_mounts;
    const char *masked[CONFIG_MAX_MOUNTS], *readonly[CONFIG_MAX_MOUNTS];
    int n_masked, n_readonly;
    struct device_entry devices[CONFIG_MAX_MOUNTS];
    int n_devices;
    int readonly_root, sys_rw;
    /* a user namespace (tags 85-86) when set: both come together */
    const char *uid_map, *gid_map;
    /* derived: the init waits for GO (network or cgroups come first); it
     * unshares its cgroup namespace itself, once it is in its cgroup */
    int hold, cgroupns_late;
    /* runc's process tree (tags 90-93): the init is our caller's subreaper's child; its pty goes to
     * console_socket; preserve_fds fds of the caller become its 3..3+N-1 */
    int handed_off;
    const char *console_socket;
    unsigned short console_rows, console_cols;
    int preserve_fds;
    /* capabilities, no_new_privs, seccomp, rlimits, groups, umask, oom_score_adj, sysctls, keyring */
    struct confine confine;
    /* OCI hooks the monitor and the init run (tags 120-125) */
    struct hook_set hooks;
    /* an OCI bundle's terms (tags 110-119): namespaces to join, the root in place, --no-pivot */
    struct bundle_terms bundle;
    /* restore mode (tags 140-149): CRIU restores the init instead of a clone when restore.criu is set */
    struct restore_terms restore;
    /* set by the monitor before clone() */
    int stdout_fd, stderr_fd, fifo_fd, init_memfd;
    int console_fd;                               /* connected to console_socket */
    int preserved[CONFIG_MAX_PRESERVED_FDS];      /* from the FDS message, in order */
    /* owned storage */
    char *strings;
    char overlay_opts[4096]; /* lowerdir=..,upperdir=..,workdir=.. made before clone */
};

/* Parses msg into cfg.  Returns 0, or -EBADMSG / -EINVAL / -ENOMEM and points
 * *what at the name of the field that was wrong. */
int config_parse(struct container_config *cfg, const void *msg, size_t len, const char **what);
void config_free(struct container_config *cfg);

/* Looks up a variable in cfg->envp ("PATH" -> value), or NULL. */
const char *config_getenv(const struct container_config *cfg, const char *name);

#endif
