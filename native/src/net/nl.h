/* Netlink batches: many requests in one sendmsg(), every ACK read, and the
 * first failure reported with the request that caused it and the kernel's
 * extended-ACK text.  Built on libmnl; used by quilt-monitor for each
 * container and by libquilt.so for bridges, NAT and clean-up. */
#ifndef QUILT_NET_NL_H
#define QUILT_NET_NL_H

#include <libmnl/libmnl.h>
#include <stddef.h>
#include <stdint.h>

#define NL_BATCH_MAX 16

/* What failed: errno, the request in words, and the kernel's explanation. */
struct net_error {
    int err;
    char what[160];
    char detail[160];
};

struct nl_batch {
    char buf[8192];
    struct mnl_nlmsg_batch *b;
    uint32_t seq0;
    int count;
    const char *what[NL_BATCH_MAX];
    char whatbuf[NL_BATCH_MAX][160];
    /* optional: called with each non-ACK reply (e.g. an NLM_F_ECHO) */
    void (*on_reply)(const struct nlmsghdr *nlh, void *arg);
    void *arg;
};

/* A NETLINK_ROUTE (or other) socket, O_CLOEXEC, with extended ACKs; fd or -errno. */
int nl_socket(int protocol);

/* A NETLINK_ROUTE socket inside the network namespace `ns` (the socket keeps
 * the namespace it was made in): this thread steps in and back out. */
int nl_socket_in(int ns, struct net_error *e);

void nl_batch_init(struct nl_batch *b);
/* Starts the next request: a header of the given type and flags (NLM_F_REQUEST
 * and NLM_F_ACK are added) described by a printf format for error messages.
 * Returns NULL when the batch is full. */
struct nlmsghdr *nl_batch_add(struct nl_batch *b, uint16_t type, uint16_t flags, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds a request that expects no ACK (nfnetlink batch begin/end markers). */
struct nlmsghdr *nl_batch_add_marker(struct nl_batch *b, uint16_t type);

/* Sends the batch in one sendmsg() and reads every ACK.  0, or -errno with *e
 * naming the first request that failed. */
int nl_batch_run(int fd, struct nl_batch *b, struct net_error *e);

/* One request that asks for an answer (a get, or a dump with NLM_F_DUMP):
 * sends `nlh` (NLM_F_REQUEST and NLM_F_ACK are added, the sequence number is
 * set) and hands every reply to `cb` until the ACK or the end of the dump.
 * 0, or -errno with *e naming `what` and the kernel's explanation. */
int nl_query(int fd, struct nlmsghdr *nlh, void (*cb)(const struct nlmsghdr *nlh, void *arg), void *arg,
             const char *what, struct net_error *e);

/* "what (detail)", or "what" when the kernel gave no detail, into buf. */
void net_error_text(const struct net_error *e, char *buf, size_t cap);

/* Fills e for a failure that is not a kernel reply. */
void net_error_set(struct net_error *e, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
