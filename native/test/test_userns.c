/* The user-namespace records of a CONFIG, and the mapped root read from a map. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "common/tlv.h"
#include "monitor/config.h"
#include "monitor/userns.h"
#include "quilt/proto.h"
#include "tap.h"

static void base(struct tlv_writer *w)
{
    w->len = 0;
    tlv_put_long(w, QUILT_T_TYPE, QUILT_MSG_CONFIG);
    tlv_put_str(w, QUILT_T_ID, "web");
    tlv_put_str(w, QUILT_T_STATE_DIR, "/run/quilt/web");
    tlv_put_str(w, QUILT_T_LOWER, "/img/rootfs");
    tlv_put_str(w, QUILT_T_MERGED, "/c/merged");
    tlv_put_str(w, QUILT_T_ARG, "true");
    tlv_put_long(w, QUILT_T_NS_FLAGS, CLONE_NEWNS | CLONE_NEWPID);
}

int main(void)
{
    uint8_t buf[4096];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    struct container_config cfg;
    const char *what;
    unsigned long host = 0;

    ok(userns_host_root("0 100000 65536\n", &host) == 0 && host == 100000, "the host id of the container's root");
    ok(userns_host_root("1 5 10\n0 200000 1\n", &host) == 0 && host == 200000, "found on any line");
    ok(userns_host_root("1 5 10\n", &host) == -ENOENT, "a map without the root has none");
    ok(userns_host_root("0 5 0\n", &host) == -ENOENT, "an empty range maps nothing");
    ok(userns_host_root("", &host) == -ENOENT, "nor does an empty map");

    base(&w);
    tlv_put_str(&w, QUILT_T_UID_MAP, "0 100000 65536\n");
    tlv_put_str(&w, QUILT_T_GID_MAP, "0 300000 65536\n");
    ok(config_parse(&cfg, buf, w.len, &what) == 0, "a config with maps parses");
    ok((cfg.ns_flags & CLONE_NEWUSER) && !strcmp(cfg.uid_map, "0 100000 65536\n") &&
       !strcmp(cfg.gid_map, "0 300000 65536\n"), "maps mean a user namespace, cloned with the rest");
    config_free(&cfg);

    base(&w);
    tlv_put_long(&w, QUILT_T_NS_FLAGS, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUSER);
    ok(config_parse(&cfg, buf, w.len, &what) == 0 && !(cfg.ns_flags & CLONE_NEWUSER) && !cfg.uid_map,
       "no maps, no user namespace: one without maps would leave the init unmapped");
    config_free(&cfg);

    base(&w);
    tlv_put_str(&w, QUILT_T_UID_MAP, "0 100000 65536\n");
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL && !strcmp(what, "uid and gid maps"),
       "a uid map without a gid map is refused, named");
    return tap_done();
}
