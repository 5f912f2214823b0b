#define _GNU_SOURCE
#include "nat.h"
#include "facts.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <string.h>
#include <unistd.h>

#define NFT_TYPE(msg) ((uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | (msg)))

static void put_nfgen(struct nlmsghdr *nlh, int family, uint16_t res_id)
{
    struct nfgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
    g->nfgen_family = (uint8_t)family;
    g->version = NFNETLINK_V0;
    g->res_id = htons(res_id);
}

static struct nlmsghdr *marker(struct nl_batch *b, uint16_t type)
{
    struct nlmsghdr *nlh = nl_batch_add_marker(b, type);
    if (nlh)
        put_nfgen(nlh, AF_UNSPEC, NFNL_SUBSYS_NFTABLES);
    return nlh;
}

static struct nlmsghdr *table_msg(struct nl_batch *b, int msg, uint16_t flags, const char *table, const char *verb)
{
    struct nlmsghdr *nlh = nl_batch_add(b, NFT_TYPE(msg), flags, "%s nftables table 'ip %s'", verb, table);
    if (!nlh)
        return NULL;
    put_nfgen(nlh, NFPROTO_IPV4, 0);
    mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
    return nlh;
}

static void expr_begin(struct nlmsghdr *nlh, const char *name, struct nlattr **elem, struct nlattr **data)
{
    *elem = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
    mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, name);
    if (data)
        *data = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
}

static void expr_end(struct nlmsghdr *nlh, struct nlattr *elem, struct nlattr *data)
{
    if (data)
        mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, elem);
}

static void put_value(struct nlmsghdr *nlh, uint16_t type, const void *v, size_t len)
{
    struct nlattr *n = mnl_attr_nest_start(nlh, type);
    mnl_attr_put(nlh, NFTA_DATA_VALUE, len, v);
    mnl_attr_nest_end(nlh, n);
}

/* reg1 = ip header[offset..offset+4] & mask; then reg1 OP net */
static void match_address(struct nlmsghdr *nlh, uint32_t offset, uint32_t mask, uint32_t net, uint32_t op)
{
    struct nlattr *elem, *data;
    expr_begin(nlh, "payload", &elem, &data);
    mnl_attr_put_u32(nlh, NFTA_PAYLOAD_DREG, htonl(NFT_REG_1));
    mnl_attr_put_u32(nlh, NFTA_PAYLOAD_BASE, htonl(NFT_PAYLOAD_NETWORK_HEADER));
    mnl_attr_put_u32(nlh, NFTA_PAYLOAD_OFFSET, htonl(offset));
    mnl_attr_put_u32(nlh, NFTA_PAYLOAD_LEN, htonl(4));
    expr_end(nlh, elem, data);

    expr_begin(nlh, "bitwise", &elem, &data);
    mnl_attr_put_u32(nlh, NFTA_BITWISE_SREG, htonl(NFT_REG_1));
    mnl_attr_put_u32(nlh, NFTA_BITWISE_DREG, htonl(NFT_REG_1));
    mnl_attr_put_u32(nlh, NFTA_BITWISE_LEN, htonl(4));
    uint32_t zero = 0;
    put_value(nlh, NFTA_BITWISE_MASK, &mask, 4);
    put_value(nlh, NFTA_BITWISE_XOR, &zero, 4);
    expr_end(nlh, elem, data);

    expr_begin(nlh, "cmp", &elem, &data);
    mnl_attr_put_u32(nlh, NFTA_CMP_SREG, htonl(NFT_REG_1));
    mnl_attr_put_u32(nlh, NFTA_CMP_OP, htonl(op));
    put_value(nlh, NFTA_CMP_DATA, &net, 4);
    expr_end(nlh, elem, data);
}

static int run(struct nl_batch *b, struct net_error *e)
{
    int fd = nl_socket(NETLINK_NETFILTER);
    if (fd < 0) {
        net_error_set(e, -fd, "open a netfilter netlink socket");
        return fd;
    }
    int rc = nl_batch_run(fd, b, e);
    close(fd);
    return rc;
}

int net_nat_add(const char *table, const struct ipv4_prefix *subnet, uint64_t replace, struct net_error *e)
{
    struct nl_batch b;
    nl_batch_init(&b);
    uint32_t mask = subnet->prefix ? htonl(~0u << (32 - subnet->prefix)) : 0;
    uint32_t net = subnet->addr.s_addr & mask;

    marker(&b, NFNL_MSG_BATCH_BEGIN);
    /* by handle: if that table went meanwhile, the whole transaction fails and
     * nothing of anyone else's is touched; NLM_F_EXCL likewise for a table
     * made by someone else since we looked */
    if (replace) {
        struct nlmsghdr *del = nl_batch_add(&b, NFT_TYPE(NFT_MSG_DELTABLE), 0, "replace nftables table 'ip %s'", table);
        put_nfgen(del, NFPROTO_IPV4, 0);
        mnl_attr_put_u64(del, NFTA_TABLE_HANDLE, htobe64(replace));
    }
    struct nlmsghdr *tab = table_msg(&b, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL, table, "create");
    uint8_t mark[32];
    mnl_attr_put(tab, NFTA_TABLE_USERDATA, net_table_mark(mark, sizeof mark), mark);

    struct nlmsghdr *nlh = nl_batch_add(&b, NFT_TYPE(NFT_MSG_NEWCHAIN), NLM_F_CREATE,
                                        "create chain 'postrouting' in table 'ip %s'", table);
    put_nfgen(nlh, NFPROTO_IPV4, 0);
    mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, table);
    mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, "postrouting");
    struct nlattr *hook = mnl_attr_nest_start(nlh, NFTA_CHAIN_HOOK);
    mnl_attr_put_u32(nlh, NFTA_HOOK_HOOKNUM, htonl(NF_INET_POST_ROUTING));
    mnl_attr_put_u32(nlh, NFTA_HOOK_PRIORITY, htonl(100)); /* srcnat */
    mnl_attr_nest_end(nlh, hook);
    mnl_attr_put_strz(nlh, NFTA_CHAIN_TYPE, "nat");

    nlh = nl_batch_add(&b, NFT_TYPE(NFT_MSG_NEWRULE), NLM_F_CREATE | NLM_F_APPEND,
                       "add masquerade rule to table 'ip %s'", table);
    if (!nlh) {
        net_error_set(e, ENOBUFS, "nat for table '%s': batch too large", table);
        return -ENOBUFS;
    }
    put_nfgen(nlh, NFPROTO_IPV4, 0);
    mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, table);
    mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, "postrouting");
    struct nlattr *exprs = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
    match_address(nlh, 12, mask, net, NFT_CMP_EQ);  /* ip saddr */
    match_address(nlh, 16, mask, net, NFT_CMP_NEQ); /* ip daddr */
    struct nlattr *elem;
    expr_begin(nlh, "masq", &elem, NULL);
    expr_end(nlh, elem, NULL);
    mnl_attr_nest_end(nlh, exprs);
    if (!marker(&b, NFNL_MSG_BATCH_END)) {
        net_error_set(e, ENOBUFS, "nat for table '%s': batch too large", table);
        return -ENOBUFS;
    }
    return run(&b, e);
}

int net_nat_delete(const char *table, uint64_t handle, struct net_error *e)
{
    struct nl_batch b;
    nl_batch_init(&b);
    marker(&b, NFNL_MSG_BATCH_BEGIN);
    struct nlmsghdr *nlh = nl_batch_add(&b, NFT_TYPE(NFT_MSG_DELTABLE), 0, "delete nftables table 'ip %s'", table);
    put_nfgen(nlh, NFPROTO_IPV4, 0);
    mnl_attr_put_u64(nlh, NFTA_TABLE_HANDLE, htobe64(handle));
    marker(&b, NFNL_MSG_BATCH_END);
    return run(&b, e);
}
