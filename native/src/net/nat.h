/* Outbound NAT for a network: one nftables table per bridge holding a
 * postrouting masquerade for the subnet, written and removed as single
 * nfnetlink transactions. */
#ifndef QUILT_NET_NAT_H
#define QUILT_NET_NAT_H

#include <stdint.h>

#include "link.h"

/* Table `table` (family ip), commented QUILT_TABLE_MARK, with chain
 * postrouting (nat, srcnat) and one rule: ip saddr SUBNET ip daddr != SUBNET
 * masquerade.  One transaction; with `replace` (a handle, from
 * net_table_facts of a table found to be ours) that table goes in the same
 * transaction, else a table of that name that exists fails it (-EEXIST). */
int net_nat_add(const char *table, const struct ipv4_prefix *subnet, uint64_t replace, struct net_error *e);

/* Deletes the table with this handle (`table` is for messages); -ENOENT when it is gone. */
int net_nat_delete(const char *table, uint64_t handle, struct net_error *e);

#endif
