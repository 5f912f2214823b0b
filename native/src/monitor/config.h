/* The container the JVM asked for, parsed from one CONFIG message.
 * Every string points into one allocation made here, before clone(). */
#ifndef QUILT_CONFIG_H
#define QUILT_CONFIG_H

#include <stddef.h>
#include <sys/types.h>

/* every mounted hierarchy: up to 16 v1 controllers, named ones and the v2 tree */
#define CONFIG_MAX_CGROUPS 32

struct container_config {
    const char *id;
    const char *state_dir;
    const char *lower;
    const char *upper;
    const char *work;
    const char *merged;
    const char *hostname;
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
    const char *cgroup_memory_v1;
    /* derived: the init waits for GO (network or cgroups come first); it
     * unshares its cgroup namespace itself, once it is in its cgroup */
    int hold, cgroupns_late;
    /* set by the monitor before clone() */
    int stdout_fd, stderr_fd, fifo_fd, init_memfd;
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
