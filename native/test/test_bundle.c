/* The bundle records of a CONFIG message (tags 110-119): namespaces to join by
 * path, the root in place, --no-pivot, a hostname left alone; and setns(2)'s
 * type check as the monitor meets it (without root: EPERM or EINVAL, never a join). */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "common/tlv.h"
#include "monitor/bundle.h"
#include "monitor/config.h"
#include "quilt/proto.h"
#include "tap.h"

static void base(struct tlv_writer *w, int overlay)
{
    w->len = 0;
    tlv_put_long(w, QUILT_T_TYPE, QUILT_MSG_CONFIG);
    tlv_put_str(w, QUILT_T_ID, "web");
    tlv_put_str(w, QUILT_T_STATE_DIR, "/run/quilt/web");
    tlv_put_str(w, QUILT_T_LOWER, "/bundle/rootfs");
    if (overlay) {
        tlv_put_str(w, QUILT_T_UPPER, "/c/upper");
        tlv_put_str(w, QUILT_T_WORK, "/c/work");
    }
    tlv_put_str(w, QUILT_T_MERGED, "/bundle/rootfs");
    tlv_put_str(w, QUILT_T_ARG, "sh");
}

int main(void)
{
    uint8_t buf[4096];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    struct container_config cfg;
    const char *what;

    ok(bundle_ns_type("net") == CLONE_NEWNET && bundle_ns_type("ipc") == CLONE_NEWIPC &&
       bundle_ns_type("uts") == CLONE_NEWUTS && bundle_ns_type("pid") == CLONE_NEWPID &&
       bundle_ns_type("cgroup") == CLONE_NEWCGROUP, "the /proc/PID/ns names of the types joined");
    ok(bundle_ns_type("mnt") == 0 && bundle_ns_type("user") == 0 && bundle_ns_type("network") == 0,
       "mnt and user are not joined, and 'network' is the spec's word, not the kernel's");

    base(&w, 0);
    tlv_put_long(&w, QUILT_T_NS_FLAGS, CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID | CLONE_NEWNET);
    tlv_put_str(&w, QUILT_T_NS_PATH, "ipc /proc/42/ns/ipc");
    tlv_put_str(&w, QUILT_T_NS_PATH, "net /var/run/netns/pod");
    tlv_put_str(&w, QUILT_T_NS_PATH, "pid /proc/42/ns/pid");
    tlv_put_long(&w, QUILT_T_ROOT_IN_PLACE, 1);
    tlv_put_long(&w, QUILT_T_NO_PIVOT, 1);
    tlv_put_long(&w, QUILT_T_KEEP_HOSTNAME, 1);
    ok(config_parse(&cfg, buf, w.len, &what) == 0, "a bundle's config parses");
    ok(cfg.bundle.n_ns == 3 && cfg.bundle.ns[0].type == CLONE_NEWIPC && !strcmp(cfg.bundle.ns[0].path, "/proc/42/ns/ipc") &&
       cfg.bundle.ns[1].type == CLONE_NEWNET && !strcmp(cfg.bundle.ns[1].path, "/var/run/netns/pod"),
       "the paths in order, with their types");
    ok(cfg.ns_flags == (CLONE_NEWNS | CLONE_NEWUTS), "a joined type is not made again: %lx", cfg.ns_flags);
    ok(cfg.bundle.root_in_place && cfg.bundle.no_pivot, "root in place, no pivot");
    ok(cfg.hostname == NULL, "no hostname is set when the bundle gives none");
    config_free(&cfg);

    base(&w, 0);
    tlv_put_str(&w, QUILT_T_NS_PATH, "mnt /proc/42/ns/mnt");
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL && !strcmp(what, "namespace path"), "a mount namespace path is refused");
    base(&w, 0);
    tlv_put_str(&w, QUILT_T_NS_PATH, "user /proc/42/ns/user");
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL, "a user namespace path is refused");
    base(&w, 0);
    tlv_put_str(&w, QUILT_T_NS_PATH, "net relative/path");
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL, "a relative path is refused");
    base(&w, 0);
    tlv_put_str(&w, QUILT_T_NS_PATH, "net /a");
    tlv_put_str(&w, QUILT_T_NS_PATH, "net /b");
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL, "two paths for one type are refused");
    base(&w, 0);
    tlv_put_str(&w, QUILT_T_NS_PATH, "net /a");
    tlv_put_long(&w, QUILT_T_LOOPBACK, 1);
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL, "a joined network gets no loopback setup of ours");
    base(&w, 1);
    tlv_put_long(&w, QUILT_T_ROOT_IN_PLACE, 1);
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL, "the root in place has no overlay layers");
    base(&w, 0);
    tlv_put_str(&w, QUILT_T_NO_PIVOT, "yes");
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL && !strcmp(what, "no pivot"), "a flag is 0 or 1");

    base(&w, 1);
    ok(config_parse(&cfg, buf, w.len, &what) == 0 && !strcmp(cfg.hostname, "web") && !cfg.bundle.root_in_place &&
       cfg.bundle.n_ns == 0, "without bundle records: the id as hostname, an overlay, nothing joined");
    config_free(&cfg);

    struct bundle_terms b = { .n_ns = 1, .ns = { { CLONE_NEWNET, "/nonexistent/ns/net" } } };
    const char *object;
    ok(bundle_join(&b, &object) == -ENOENT && !strcmp(object, "/nonexistent/ns/net"), "a missing path names itself");
    b.ns[0] = (struct bundle_ns){ CLONE_NEWNET, "/proc/self/ns/ipc" };
    int rc = bundle_join(&b, &object);
    ok(rc == -EINVAL || rc == -EPERM, "an ipc namespace file given as net is refused by setns: %d", rc);
    return tap_done();
}
