#define _GNU_SOURCE
#include "facts.h"

#include <endian.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void copy_str(char *out, size_t cap, const struct nlattr *a)
{
    size_t n = mnl_attr_get_payload_len(a);
    const char *s = mnl_attr_get_payload(a);
    while (n > 0 && s[n - 1] == 0)
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = 0;
}

static void on_link(const struct nlmsghdr *nlh, void *arg)
{
    struct link_facts *f = arg;
    if (nlh->nlmsg_type != RTM_NEWLINK)
        return;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    f->index = ifi->ifi_index;
    f->flags = ifi->ifi_flags;
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof *ifi) {
        switch (mnl_attr_get_type(a)) {
        case IFLA_IFALIAS:
            copy_str(f->alias, sizeof f->alias, a);
            break;
        case IFLA_MASTER:
            if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
                f->master = (int)mnl_attr_get_u32(a);
            break;
        case IFLA_ADDRESS:
            if (mnl_attr_get_payload_len(a) == 6) {
                memcpy(f->mac, mnl_attr_get_payload(a), 6);
                f->has_mac = 1;
            }
            break;
        case IFLA_LINKINFO: {
            const struct nlattr *i;
            mnl_attr_for_each_nested(i, a)
                if (mnl_attr_get_type(i) == IFLA_INFO_KIND)
                    copy_str(f->kind, sizeof f->kind, i);
            break;
        }
        default:
            break;
        }
    }
}

static void on_addr(const struct nlmsghdr *nlh, void *arg)
{
    struct link_facts *f = arg;
    if (nlh->nlmsg_type != RTM_NEWADDR)
        return;
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
    if (ifa->ifa_family != AF_INET || (int)ifa->ifa_index != f->index || f->n_addrs >= LINK_ADDRS_MAX)
        return;
    const struct nlattr *a, *local = NULL, *address = NULL;
    mnl_attr_for_each(a, nlh, sizeof *ifa) {
        if (mnl_attr_get_payload_len(a) != 4)
            continue;
        if (mnl_attr_get_type(a) == IFA_LOCAL)
            local = a;
        else if (mnl_attr_get_type(a) == IFA_ADDRESS)
            address = a;
    }
    if (!local)
        local = address;
    if (!local)
        return;
    struct ipv4_prefix *p = &f->addrs[f->n_addrs++];
    memcpy(&p->addr, mnl_attr_get_payload(local), 4);
    p->prefix = ifa->ifa_prefixlen;
}

int net_link_facts(int fd, const char *name, struct link_facts *f, struct net_error *e)
{
    char buf[512] __attribute__((aligned(4)));
    char what[64];
    memset(f, 0, sizeof *f);
    if (strlen(name) >= IFNAMSIZ) {
        net_error_set(e, ENODEV, "find link '%s'", name);
        return -ENODEV; /* no link has a name that long */
    }
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETLINK;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    snprintf(what, sizeof what, "find link '%s'", name);
    int rc = nl_query(fd, nlh, on_link, f, what, e);
    if (rc < 0)
        return rc;
    if (f->index <= 0) {
        net_error_set(e, ENODEV, "%s", what);
        return -ENODEV;
    }

    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETADDR;
    nlh->nlmsg_flags = NLM_F_DUMP;
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = AF_INET;
    snprintf(what, sizeof what, "list the addresses of '%s'", name);
    return nl_query(fd, nlh, on_addr, f, what, e);
}

struct ports {
    int master;
    int count;
};

static void on_port(const struct nlmsghdr *nlh, void *arg)
{
    struct ports *p = arg;
    if (nlh->nlmsg_type != RTM_NEWLINK)
        return;
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
        if (mnl_attr_get_type(a) == IFLA_MASTER && mnl_attr_validate(a, MNL_TYPE_U32) == 0 &&
            (int)mnl_attr_get_u32(a) == p->master)
            p->count++;
}

int net_link_ports(int fd, int index, struct net_error *e)
{
    char buf[256] __attribute__((aligned(4)));
    char what[64];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_DUMP;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    /* the kernel keeps only the ports of `index`; we count them ourselves all the same */
    mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)index);
    snprintf(what, sizeof what, "list the ports of link %d", index);
    struct ports p = { .master = index };
    int rc = nl_query(fd, nlh, on_port, &p, what, e);
    return rc < 0 ? rc : p.count;
}

size_t net_table_mark(uint8_t *buf, size_t cap)
{
    /* nft's user data: type NFTNL_UDATA_TABLE_COMMENT (0), length, the string with its NUL */
    size_t n = strlen(QUILT_TABLE_MARK) + 1;
    if (cap < n + 2)
        return 0;
    buf[0] = 0;
    buf[1] = (uint8_t)n;
    memcpy(buf + 2, QUILT_TABLE_MARK, n);
    return n + 2;
}

static void on_table(const struct nlmsghdr *nlh, void *arg)
{
    struct table_facts *f = arg;
    if (nlh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE))
        return;
    uint8_t mark[32];
    size_t mark_len = net_table_mark(mark, sizeof mark);
    const struct nlattr *a;
    mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
        if (mnl_attr_get_type(a) == NFTA_TABLE_HANDLE && mnl_attr_validate(a, MNL_TYPE_U64) == 0)
            f->handle = be64toh(mnl_attr_get_u64(a));
        else if (mnl_attr_get_type(a) == NFTA_TABLE_USERDATA) {
            f->commented = 1;
            f->ours = mnl_attr_get_payload_len(a) == mark_len && memcmp(mnl_attr_get_payload(a), mark, mark_len) == 0;
        }
    }
}

int net_table_facts(const char *table, struct table_facts *f, struct net_error *e)
{
    char buf[256] __attribute__((aligned(4)));
    char what[96];
    memset(f, 0, sizeof *f);
    int fd = nl_socket(NETLINK_NETFILTER);
    if (fd < 0) {
        net_error_set(e, -fd, "open a netfilter netlink socket");
        return fd;
    }
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETTABLE;
    struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
    g->nfgen_family = NFPROTO_IPV4;
    g->version = NFNETLINK_V0;
    mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
    snprintf(what, sizeof what, "find nftables table 'ip %s'", table);
    int rc = nl_query(fd, nlh, on_table, f, what, e);
    close(fd);
    if (rc == 0 && f->handle == 0) {
        net_error_set(e, ENOENT, "%s", what);
        rc = -ENOENT;
    }
    return rc;
}
