/* The rtnetlink requests of a container network: a bridge with its gateway,
 * a veth whose peer is born inside the container's namespace, the container
 * side's addresses and route, and deleting a link.  Each function sends one
 * batch (one sendmsg) and returns 0 or -errno with *e filled in. */
#ifndef QUILT_NET_LINK_H
#define QUILT_NET_LINK_H

#include <netinet/in.h>
#include <stdint.h>

#include "nl.h"

/* An IPv4 interface address: 10.42.0.5/16. */
struct ipv4_prefix {
    struct in_addr addr;
    int prefix;
};

/* Creates bridge `name`, down, with Quilt's MAC for the gateway; a link of
 * that name that exists already, of any kind, is -EEXIST and is left alone.
 * *index gets the new bridge's ifindex. */
int net_bridge_create(int fd, const char *name, const struct ipv4_prefix *gateway, int *index, struct net_error *e);

/* One batch on the bridge Quilt made (by ifindex): its mark (IFLA_IFALIAS
 * "quilt"), up, and the gateway address. Repeating it changes nothing. */
int net_bridge_finish(int fd, int index, const char *name, const struct ipv4_prefix *gateway, struct net_error *e);

/* Quilt's MAC for the bridge whose gateway is `gateway`: 02:51 and the address's four bytes. */
void net_bridge_mac(const struct ipv4_prefix *gateway, uint8_t mac[6]);

/* Deletes the link `index` (`name` is for messages): after its facts said it is ours. */
int net_link_delete_index(int fd, int index, const char *name, struct net_error *e);

/* Host side, one request: veth `host` enslaved to bridge `bridge_index` and up,
 * its peer `peer` created up inside the namespace `netns_fd` with `mac`.
 * *peer_index gets the peer's ifindex in that namespace. */
int net_veth_add(int fd, const char *host, const char *peer, int bridge_index, int netns_fd,
                 const uint8_t mac[6], int *peer_index, struct net_error *e);

/* Container side, on a socket inside the container's namespace: lo up, the
 * address on `index` (named `name` in messages), default route via gateway. */
int net_inside_configure(int fd, int index, const char *name, const struct ipv4_prefix *addr,
                         struct in_addr gateway, struct net_error *e);

/* Only lo up: for a namespace with no other link. */
int net_loopback_up(int fd, struct net_error *e);

/* Deletes a link by name; a link that is not there is -ENODEV. */
int net_link_delete(int fd, const char *name, struct net_error *e);

/* The ifindex of a link by name, or -errno (-ENODEV: no such link). */
int net_link_index(const char *name);

/* "10.42.0.5/16" -> p; 0 or -EINVAL. */
int ipv4_prefix_parse(const char *s, struct ipv4_prefix *p);

#endif
