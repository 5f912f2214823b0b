#define _GNU_SOURCE
#include "link.h"
#include "facts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static struct ifinfomsg *put_ifinfo(struct nlmsghdr *nlh, int index, unsigned flags)
{
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = index;
    ifi->ifi_flags = flags;
    ifi->ifi_change = flags;
    return ifi;
}

static void put_ifaddr(struct nlmsghdr *nlh, int index, const struct ipv4_prefix *p)
{
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = (unsigned char)p->prefix;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = (unsigned)index;
    mnl_attr_put(nlh, IFA_LOCAL, 4, &p->addr);
    mnl_attr_put(nlh, IFA_ADDRESS, 4, &p->addr);
    if (p->prefix < 31) {
        uint32_t mask = p->prefix ? htonl(~0u << (32 - p->prefix)) : 0;
        struct in_addr brd = { .s_addr = p->addr.s_addr | ~mask };
        mnl_attr_put(nlh, IFA_BROADCAST, 4, &brd);
    }
}

static int full(struct net_error *e, const char *what)
{
    net_error_set(e, ENOBUFS, "%s: too many netlink requests for one batch", what);
    return -ENOBUFS;
}

int net_link_index(const char *name)
{
    struct ifreq ifr = { 0 };
    if (strlen(name) >= sizeof ifr.ifr_name)
        return -ENAMETOOLONG;
    strcpy(ifr.ifr_name, name);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    int rc = ioctl(s, SIOCGIFINDEX, &ifr) < 0 ? -errno : ifr.ifr_ifindex;
    close(s);
    return rc;
}

void net_bridge_mac(const struct ipv4_prefix *gw, uint8_t mac[6])
{
    mac[0] = 0x02;
    mac[1] = 0x51;
    memcpy(mac + 2, &gw->addr, 4);
}

struct created {
    const char *name;
    int index;
};

/* The echo of a RTM_NEWLINK that created `name`: its ifindex. */
static void on_created(const struct nlmsghdr *nlh, void *arg)
{
    struct created *c = arg;
    if (nlh->nlmsg_type != RTM_NEWLINK)
        return;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *attr;
    mnl_attr_for_each(attr, nlh, sizeof *ifi)
        if (mnl_attr_get_type(attr) == IFLA_IFNAME && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0 &&
            strcmp(mnl_attr_get_str(attr), c->name) == 0)
            c->index = ifi->ifi_index;
}

int net_bridge_create(int fd, const char *name, const struct ipv4_prefix *gw, int *index, struct net_error *e)
{
    struct nl_batch b;
    struct created c = { .name = name };
    nl_batch_init(&b);
    b.on_reply = on_created;
    b.arg = &c;
    /* NLM_F_EXCL: a link of this name that exists, of whatever kind, is not ours to reuse */
    struct nlmsghdr *nlh = nl_batch_add(&b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO,
                                        "create bridge '%s'", name);
    if (!nlh)
        return full(e, name);
    put_ifinfo(nlh, 0, 0);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    /* a fixed address: else the bridge takes its lowest port's, and every
     * container's ARP entry for the gateway goes stale when that port leaves.
     * It is also the one mark the kernel takes in the creating request itself
     * (it ignores IFLA_IFALIAS there), so a bridge whose alias a crash cut off
     * is still known as ours. */
    uint8_t mac[6];
    net_bridge_mac(gw, mac);
    mnl_attr_put(nlh, IFLA_ADDRESS, sizeof mac, mac);
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
    mnl_attr_nest_end(nlh, info);

    int rc = nl_batch_run(fd, &b, e);
    if (rc < 0)
        return rc;
    if (c.index <= 0) {
        net_error_set(e, EPROTO, "read the index of bridge '%s' from the kernel's echo", name);
        return -EPROTO;
    }
    *index = c.index;
    return 0;
}

int net_bridge_finish(int fd, int index, const char *name, const struct ipv4_prefix *gw, struct net_error *e)
{
    struct nl_batch b;
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &gw->addr, ip, sizeof ip);
    nl_batch_init(&b);
    struct nlmsghdr *nlh = nl_batch_add(&b, RTM_NEWLINK, 0, "mark bridge '%s' as quilt's and set it up", name);
    put_ifinfo(nlh, index, IFF_UP);
    mnl_attr_put_strz(nlh, IFLA_IFALIAS, QUILT_LINK_MARK);
    nlh = nl_batch_add(&b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, "add address %s/%d to bridge '%s'",
                       ip, gw->prefix, name);
    if (!nlh)
        return full(e, name);
    put_ifaddr(nlh, index, gw);
    return nl_batch_run(fd, &b, e);
}

int net_link_delete_index(int fd, int index, const char *name, struct net_error *e)
{
    struct nl_batch b;
    nl_batch_init(&b);
    struct nlmsghdr *nlh = nl_batch_add(&b, RTM_DELLINK, 0, "delete link '%s'", name);
    put_ifinfo(nlh, index, 0);
    return nl_batch_run(fd, &b, e);
}

struct echo {
    const char *host;
    int peer_index;
};

/* The echo of our RTM_NEWLINK: IFLA_LINK is the peer's index in its namespace. */
static void on_echo(const struct nlmsghdr *nlh, void *arg)
{
    struct echo *echo = arg;
    if (nlh->nlmsg_type != RTM_NEWLINK)
        return;
    const struct nlattr *attr;
    int link = 0, ours = 0;
    mnl_attr_for_each(attr, nlh, sizeof(struct ifinfomsg)) {
        if (mnl_attr_get_type(attr) == IFLA_LINK && mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
            link = (int)mnl_attr_get_u32(attr);
        else if (mnl_attr_get_type(attr) == IFLA_IFNAME && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
            ours = strcmp(mnl_attr_get_str(attr), echo->host) == 0;
    }
    if (ours && link > 0)
        echo->peer_index = link;
}

int net_veth_add(int fd, const char *host, const char *peer, int bridge_index, int netns_fd,
                 const uint8_t mac[6], int *peer_index, struct net_error *e)
{
    struct nl_batch b;
    struct echo echo = { .host = host };
    nl_batch_init(&b);
    b.on_reply = on_echo;
    b.arg = &echo;
    struct nlmsghdr *nlh = nl_batch_add(&b, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO,
                                        "create veth '%s' with peer '%s' in the container", host, peer);
    if (!nlh)
        return full(e, host);
    put_ifinfo(nlh, 0, IFF_UP);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, host);
    mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)bridge_index);
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
    struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
    struct nlattr *peer_attr = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
    /* the peer's own ifinfomsg, then its attributes: born in the container.
     * Not up: the kernel configures the peer before it pairs it, and a veth
     * without its pair refuses to open (ENOTCONN). */
    struct ifinfomsg *pi = mnl_nlmsg_get_payload_tail(nlh);
    memset(pi, 0, sizeof *pi);
    pi->ifi_family = AF_UNSPEC;
    nlh->nlmsg_len += MNL_ALIGN(sizeof *pi);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
    mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
    mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
    mnl_attr_nest_end(nlh, peer_attr);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, info);

    int rc = nl_batch_run(fd, &b, e);
    if (rc < 0)
        return rc;
    if (echo.peer_index <= 0) {
        net_error_set(e, EPROTO, "read the index of '%s' from the kernel's echo of '%s'", peer, host);
        return -EPROTO;
    }
    *peer_index = echo.peer_index;
    return 0;
}

int net_inside_configure(int fd, int index, const char *name, const struct ipv4_prefix *addr,
                         struct in_addr gateway, struct net_error *e)
{
    struct nl_batch b;
    char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &addr->addr, ip, sizeof ip);
    inet_ntop(AF_INET, &gateway, gw, sizeof gw);
    nl_batch_init(&b);

    struct nlmsghdr *nlh = nl_batch_add(&b, RTM_NEWLINK, 0, "set 'lo' up");
    put_ifinfo(nlh, 1, IFF_UP); /* the loopback is index 1 in every namespace */

    nlh = nl_batch_add(&b, RTM_NEWLINK, 0, "set '%s' up", name);
    put_ifinfo(nlh, index, IFF_UP);

    nlh = nl_batch_add(&b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, "add address %s/%d to '%s'", ip, addr->prefix, name);
    put_ifaddr(nlh, index, addr);

    nlh = nl_batch_add(&b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, "add default route via %s on '%s'", gw, name);
    if (!nlh)
        return full(e, name);
    struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
    rtm->rtm_family = AF_INET;
    rtm->rtm_table = RT_TABLE_MAIN;
    rtm->rtm_protocol = RTPROT_BOOT;
    rtm->rtm_scope = RT_SCOPE_UNIVERSE;
    rtm->rtm_type = RTN_UNICAST;
    mnl_attr_put(nlh, RTA_GATEWAY, 4, &gateway);
    mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)index);
    return nl_batch_run(fd, &b, e);
}

int net_loopback_up(int fd, struct net_error *e)
{
    struct nl_batch b;
    nl_batch_init(&b);
    struct nlmsghdr *nlh = nl_batch_add(&b, RTM_NEWLINK, 0, "set 'lo' up");
    put_ifinfo(nlh, 1, IFF_UP);
    return nl_batch_run(fd, &b, e);
}

int net_link_delete(int fd, const char *name, struct net_error *e)
{
    struct nl_batch b;
    nl_batch_init(&b);
    struct nlmsghdr *nlh = nl_batch_add(&b, RTM_DELLINK, 0, "delete link '%s'", name);
    put_ifinfo(nlh, 0, 0);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    return nl_batch_run(fd, &b, e);
}

int ipv4_prefix_parse(const char *s, struct ipv4_prefix *p)
{
    char ip[INET_ADDRSTRLEN];
    const char *slash = strchr(s, '/');
    if (!slash || (size_t)(slash - s) >= sizeof ip)
        return -EINVAL;
    memcpy(ip, s, (size_t)(slash - s));
    ip[slash - s] = 0;
    char *end;
    long prefix = strtol(slash + 1, &end, 10);
    if (*end || slash[1] == 0 || prefix < 0 || prefix > 32 || inet_pton(AF_INET, ip, &p->addr) != 1)
        return -EINVAL;
    p->prefix = (int)prefix;
    return 0;
}
