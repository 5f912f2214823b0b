#define _GNU_SOURCE
#include "network.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../net/link.h"

int network_setup(const struct container_config *cfg, pid_t init, struct net_error *e)
{
    struct ipv4_prefix addr;
    struct ipv4_prefix gw;
    if (ipv4_prefix_parse(cfg->net_address, &addr) < 0) {
        net_error_set(e, EINVAL, "parse address '%s'", cfg->net_address);
        return -EINVAL;
    }
    char gwp[64];
    snprintf(gwp, sizeof gwp, "%s/32", cfg->net_gateway);
    if (ipv4_prefix_parse(gwp, &gw) < 0) {
        net_error_set(e, EINVAL, "parse gateway '%s'", cfg->net_gateway);
        return -EINVAL;
    }
    int bridge = net_link_index(cfg->net_bridge);
    if (bridge < 0) {
        net_error_set(e, -bridge, "find bridge '%s'", cfg->net_bridge);
        return bridge;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)init);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) {
        net_error_set(e, errno, "open the container's network namespace");
        return -e->err;
    }
    int rc, host = nl_socket(NETLINK_ROUTE), inside = -1, peer = 0;
    if (host < 0) {
        net_error_set(e, -host, "open a netlink socket");
        rc = host;
        goto out;
    }
    rc = net_veth_add(host, cfg->net_veth, "eth0", bridge, ns, cfg->net_mac, &peer, e);
    if (rc < 0)
        goto out;
    inside = nl_socket_in(ns, e);
    if (inside < 0) {
        rc = inside;
        goto out;
    }
    rc = net_inside_configure(inside, peer, "eth0", &addr, gw.addr, e);
out:
    if (inside >= 0)
        close(inside);
    if (host >= 0)
        close(host);
    close(ns);
    return rc;
}

void network_undo(const struct container_config *cfg)
{
    struct net_error e;
    int fd = nl_socket(NETLINK_ROUTE);
    if (fd < 0)
        return;
    net_link_delete(fd, cfg->net_veth, &e);
    close(fd);
}
