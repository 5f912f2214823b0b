#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "common/tlv.h"
#include "monitor/config.h"
#include "net/link.h"
#include "quilt/proto.h"
#include "tap.h"

static size_t base(struct tlv_writer *w)
{
    tlv_put_long(w, QUILT_T_TYPE, QUILT_MSG_CONFIG);
    tlv_put_str(w, QUILT_T_ID, "web");
    tlv_put_str(w, QUILT_T_STATE_DIR, "/run/quilt/web");
    tlv_put_str(w, QUILT_T_LOWER, "/img/rootfs");
    tlv_put_str(w, QUILT_T_UPPER, "/c/upper");
    tlv_put_str(w, QUILT_T_WORK, "/c/work");
    tlv_put_str(w, QUILT_T_MERGED, "/c/merged");
    return w->len;
}

int main(void)
{
    uint8_t buf[4096];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    struct container_config cfg;
    const char *what;

    base(&w);
    tlv_put_str(&w, QUILT_T_ARG, "sh");
    tlv_put_str(&w, QUILT_T_ARG, "-c");
    tlv_put_str(&w, QUILT_T_ENV, "PATH=/bin");
    tlv_put_str(&w, QUILT_T_ENV, "A=b=c");
    tlv_put_long(&w, QUILT_T_UID, 1000);
    tlv_put(&w, 999, "future", 6);
    ok(config_parse(&cfg, buf, w.len, &what) == 0, "a full config parses");
    ok(!strcmp(cfg.argv[0], "sh") && !strcmp(cfg.argv[1], "-c") && cfg.argv[2] == NULL, "argv in order, NULL-terminated");
    ok(!strcmp(config_getenv(&cfg, "A"), "b=c"), "env lookup splits at the first '='");
    ok(config_getenv(&cfg, "PAT") == NULL, "env lookup needs the whole name");
    ok(cfg.uid == 1000 && cfg.gid == 0, "uid and gid");
    ok(!strcmp(cfg.hostname, "web") && !strcmp(cfg.cwd, "/"), "hostname and cwd default to id and /");
    ok(!strcmp(cfg.overlay_opts, "lowerdir=/img/rootfs,upperdir=/c/upper,workdir=/c/work"), "overlay options: %s", cfg.overlay_opts);
    config_free(&cfg);

    w.len = 0;
    base(&w);
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL && !strcmp(what, "command"), "no command is EINVAL naming it");

    w.len = 0;
    base(&w);
    tlv_put_str(&w, QUILT_T_ARG, "x");
    tlv_put_str(&w, QUILT_T_UID, "12a");
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL && !strcmp(what, "uid"), "a bad number is EINVAL naming the field");

    w.len = 0;
    base(&w);
    tlv_put_str(&w, QUILT_T_ARG, "x");
    tlv_put_str(&w, QUILT_T_LOG_PATH, "/c/container.log");
    size_t before_max = w.len;
    tlv_put_long(&w, QUILT_T_LOG_MAX, 16777216);
    ok(config_parse(&cfg, buf, w.len, &what) == 0 && cfg.log_max == 16777216, "the log's cap in bytes");
    config_free(&cfg);
    w.len = before_max;
    ok(config_parse(&cfg, buf, w.len, &what) == 0 && cfg.log_max == 0, "no cap given: none");
    config_free(&cfg);
    tlv_put_str(&w, QUILT_T_LOG_MAX, "16m");
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL && !strcmp(what, "log max"), "a cap is a number of bytes");

    w.len = 0;
    base(&w);
    tlv_put(&w, QUILT_T_ARG, "a\0b", 3);
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL, "a NUL inside a value is refused");

    ok(config_parse(&cfg, buf, 5, &what) == -EBADMSG, "a truncated message is EBADMSG");

    w.len = 0;
    base(&w);
    tlv_put_str(&w, QUILT_T_ARG, "x");
    tlv_put_str(&w, QUILT_T_NET_BRIDGE, "qt1");
    tlv_put_str(&w, QUILT_T_NET_VETH, "qv0123456789ab");
    tlv_put_str(&w, QUILT_T_NET_ADDRESS, "10.42.0.5/16");
    tlv_put_str(&w, QUILT_T_NET_GATEWAY, "10.42.0.1");
    tlv_put_str(&w, QUILT_T_NET_LEASES, "/run/quilt/.network");
    size_t before_mac = w.len;
    tlv_put_str(&w, QUILT_T_NET_MAC, "02510a2a0005");
    ok(config_parse(&cfg, buf, w.len, &what) == 0 && cfg.net_mac[0] == 0x02 && cfg.net_mac[5] == 0x05,
       "a bridge network parses, MAC from 12 hex digits");
    ok(!strcmp(cfg.net_leases, "/run/quilt/.network"), "with the network dir whose lease goes back at the exit");
    config_free(&cfg);
    w.len = before_mac;
    tlv_put_str(&w, QUILT_T_NET_MAC, "02510a2a00zz");
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL && !strcmp(what, "mac"), "a bad MAC is EINVAL naming it");
    w.len = before_mac;
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL && !strcmp(what, "network"), "a bridge without a MAC is refused");

    struct ipv4_prefix p;
    ok(ipv4_prefix_parse("10.42.0.5/16", &p) == 0 && p.prefix == 16 && p.addr.s_addr == htonl(0x0a2a0005),
       "an address with its prefix parses");
    ok(ipv4_prefix_parse("10.42.0.5", &p) == -EINVAL && ipv4_prefix_parse("10.42.0.5/33", &p) == -EINVAL &&
       ipv4_prefix_parse("10.42.0/8", &p) == -EINVAL && ipv4_prefix_parse("10.42.0.5/", &p) == -EINVAL,
       "bad prefixes are EINVAL");
    /* confinement records (common/confine.h): the seccomp program may hold NUL bytes, nothing else may */
    {
        uint8_t cbuf[4096];
        struct tlv_writer cw = { cbuf, sizeof cbuf, 0 };
        const unsigned char prog[8] = { 0x06, 0, 0, 0, 0, 0, 0xff, 0x7f }; /* RET ALLOW */
        base(&cw);
        tlv_put_str(&cw, QUILT_T_ARG, "true");
        tlv_put_str(&cw, QUILT_T_CAPS, "800405fb 800405fb 800405fb 0 0");
        tlv_put_str(&cw, QUILT_T_NO_NEW_PRIVS, "1");
        tlv_put(&cw, QUILT_T_SECCOMP_BPF, prog, sizeof prog);
        tlv_put_str(&cw, QUILT_T_RLIMIT, "RLIMIT_NOFILE 1024 4096");
        tlv_put_str(&cw, QUILT_T_GROUPS, "");
        tlv_put_str(&cw, QUILT_T_KEYRING, "_ses.web");
        ok(config_parse(&cfg, cbuf, cw.len, &what) == 0, "a config with confinement parses");
        ok(cfg.confine.has_caps && cfg.confine.bounding == 0x800405fb && cfg.confine.no_new_privs &&
           cfg.confine.bpf_len == 8 && !memcmp(cfg.confine.bpf, prog, 8) && cfg.confine.n_rlimits == 1 &&
           cfg.confine.has_groups && cfg.confine.n_groups == 0 && !strcmp(cfg.confine.keyring, "_ses.web"),
           "the confinement is kept, the program byte for byte");
        config_free(&cfg);
        cw.len = 0;
        base(&cw);
        tlv_put_str(&cw, QUILT_T_ARG, "true");
        tlv_put(&cw, QUILT_T_SYSCTL, "a=\0b", 4);
        ok(config_parse(&cfg, cbuf, cw.len, &what) == -EINVAL, "a NUL in any other record is refused");
        cw.len = 0;
        base(&cw);
        tlv_put_str(&cw, QUILT_T_ARG, "true");
        tlv_put_str(&cw, QUILT_T_CAPS, "1 2 1 0 0");
        ok(config_parse(&cfg, cbuf, cw.len, &what) == -EINVAL && !strcmp(what, "capabilities"),
           "a bad record names its field");
    }
    return tap_done();
}
