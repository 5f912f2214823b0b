/* Outbound NAT for a network: one nftables table per bridge holding a
 * postrouting masquerade for the subnet, written and removed as single
 * nfnetlink transactions. */
#ifndef QUILT_NET_NAT_H
#define QUILT_NET_NAT_H

#include "link.h"

/* Table `table` (family ip) with chain postrouting (nat, srcnat) and one rule:
 * ip saddr SUBNET ip daddr != SUBNET masquerade.  Replaces any table of that
 * name in the same transaction, so it can be repeated. */
int net_nat_add(const char *table, const struct ipv4_prefix *subnet, struct net_error *e);

/* Deletes the table; one that is not there is -ENOENT. */
int net_nat_delete(const char *table, struct net_error *e);

#endif
