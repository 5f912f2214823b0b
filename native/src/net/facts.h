/* What the kernel says about a link, the ports of a bridge and an nftables
 * table: the facts Quilt checks before it trusts, reuses or deletes any of
 * them.  A link is Quilt's bridge only when it is of kind bridge and carries
 * Quilt's mark; a table is Quilt's only when it carries Quilt's comment.
 * Nothing here changes anything. */
#ifndef QUILT_NET_FACTS_H
#define QUILT_NET_FACTS_H

#include <stdint.h>

#include "link.h"

#define LINK_ADDRS_MAX 16

/* The IFLA_IFALIAS Quilt gives each bridge it makes (`ip link` shows "alias quilt"). */
#define QUILT_LINK_MARK "quilt"
/* The comment Quilt gives each nftables table it makes (`nft list` shows comment "quilt"). */
#define QUILT_TABLE_MARK "quilt"

struct link_facts {
    int index;
    char kind[32];        /* IFLA_INFO_KIND: "bridge", "veth", ...; "" for none (eth0, lo) */
    char alias[256];      /* IFLA_IFALIAS, "" for none */
    uint8_t mac[6];
    int has_mac;
    unsigned flags;       /* IFF_UP and friends */
    int master;           /* IFLA_MASTER: the bridge this link is a port of, 0 for none */
    int n_addrs;          /* its IPv4 addresses (at most LINK_ADDRS_MAX are kept) */
    struct ipv4_prefix addrs[LINK_ADDRS_MAX];
};

/* The link named `name` with its IPv4 addresses: 0, -ENODEV when there is no
 * such link, or -errno with *e filled. */
int net_link_facts(int fd, const char *name, struct link_facts *f, struct net_error *e);

/* How many links are ports of the link `index` (their IFLA_MASTER), or -errno. */
int net_link_ports(int fd, int index, struct net_error *e);

struct table_facts {
    uint64_t handle;
    int ours;             /* carries QUILT_TABLE_MARK as its comment */
    int commented;        /* carries a comment (user data) at all */
};

/* The nftables table `ip <table>`: 0, -ENOENT when there is none, or -errno. */
int net_table_facts(const char *table, struct table_facts *f, struct net_error *e);

/* The table comment Quilt writes (NFTA_TABLE_USERDATA, in nft's TLV form): its length, into buf. */
size_t net_table_mark(uint8_t *buf, size_t cap);

#endif
