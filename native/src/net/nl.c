#define _GNU_SOURCE
#include "nl.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <linux/netlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int nl_socket(int protocol)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
    if (fd < 0)
        return -errno;
    int on = 1;
    /* the kernel's own words for a failure, and no copy of our request in it */
    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}

void nl_batch_init(struct nl_batch *b)
{
    memset(b->what, 0, sizeof b->what);
    b->b = mnl_nlmsg_batch_start(b->buf, sizeof b->buf / 2);
    b->seq0 = (uint32_t)time(NULL);
    b->count = 0;
    b->on_reply = NULL;
    b->arg = NULL;
}

static struct nlmsghdr *put(struct nl_batch *b, uint16_t type, uint16_t flags)
{
    if (b->count >= NL_BATCH_MAX)
        return NULL;
    if (b->count > 0 && !mnl_nlmsg_batch_next(b->b))
        return NULL;
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b->b));
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | flags;
    nlh->nlmsg_seq = b->seq0 + (uint32_t)b->count;
    b->count++;
    return nlh;
}

struct nlmsghdr *nl_batch_add(struct nl_batch *b, uint16_t type, uint16_t flags, const char *fmt, ...)
{
    struct nlmsghdr *nlh = put(b, type, flags | NLM_F_ACK);
    if (!nlh)
        return NULL;
    int i = b->count - 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->whatbuf[i], sizeof b->whatbuf[i], fmt, ap);
    va_end(ap);
    b->what[i] = b->whatbuf[i];
    return nlh;
}

struct nlmsghdr *nl_batch_add_marker(struct nl_batch *b, uint16_t type)
{
    return put(b, type, 0);
}

void net_error_set(struct net_error *e, int err, const char *fmt, ...)
{
    e->err = err;
    e->detail[0] = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->what, sizeof e->what, fmt, ap);
    va_end(ap);
}

void net_error_text(const struct net_error *e, char *buf, size_t cap)
{
    if (e->detail[0])
        snprintf(buf, cap, "%s (%s)", e->what, e->detail);
    else
        snprintf(buf, cap, "%s", e->what);
}

/* The extended ACK's message, if the kernel gave one. */
static void extack_text(const struct nlmsghdr *nlh, char *out, size_t cap)
{
    out[0] = 0;
    if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
        return;
    const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
    size_t off = sizeof *err;
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
        off += mnl_nlmsg_get_payload_len(&err->msg);
    const struct nlattr *attr;
    mnl_attr_for_each(attr, nlh, off) {
        if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
            snprintf(out, cap, "%s", mnl_attr_get_str(attr));
            return;
        }
    }
}

int nl_batch_run(int fd, struct nl_batch *b, struct net_error *e)
{
    /* the last message is complete but not yet counted by the batch */
    mnl_nlmsg_batch_next(b->b);
    size_t len = mnl_nlmsg_batch_size(b->b);
    int expected = 0;
    for (int i = 0; i < b->count; i++)
        if (b->what[i])
            expected++;
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    ssize_t sent;
    do
        sent = sendto(fd, mnl_nlmsg_batch_head(b->b), len, 0, (struct sockaddr *)&kernel, sizeof kernel);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        net_error_set(e, errno, "send %s", b->what[0] ? b->what[0] : "netlink batch");
        return -e->err;
    }
    int first_err = 0;
    char rbuf[16384] __attribute__((aligned(4)));
    while (expected > 0) {
        ssize_t n = recv(fd, rbuf, sizeof rbuf, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            net_error_set(e, errno, "read the replies to %s", b->what[0] ? b->what[0] : "netlink batch");
            return -e->err;
        }
        int left = (int)n;
        for (const struct nlmsghdr *nlh = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, left);
             nlh = mnl_nlmsg_next(nlh, &left)) {
            uint32_t i = nlh->nlmsg_seq - b->seq0;
            if (nlh->nlmsg_type != NLMSG_ERROR) {
                if (b->on_reply && i < (uint32_t)b->count)
                    b->on_reply(nlh, b->arg);
                continue;
            }
            const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
            if (i >= (uint32_t)b->count || !b->what[i])
                continue; /* not ours */
            expected--;
            if (err->error && !first_err) {
                first_err = -err->error;
                e->err = first_err;
                snprintf(e->what, sizeof e->what, "%s", b->what[i]);
                extack_text(nlh, e->detail, sizeof e->detail);
            }
        }
    }
    return first_err ? -first_err : 0;
}

int nl_query(int fd, struct nlmsghdr *nlh, void (*cb)(const struct nlmsghdr *nlh, void *arg), void *arg,
             const char *what, struct net_error *e)
{
    static uint32_t counter;
    nlh->nlmsg_flags |= NLM_F_REQUEST;
    if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
        nlh->nlmsg_flags |= NLM_F_ACK; /* a get's answer is followed by its ACK; a dump ends with DONE */
    uint32_t seq = ((uint32_t)time(NULL) << 8) + __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
    nlh->nlmsg_seq = seq;
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    ssize_t sent;
    do
        sent = sendto(fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
    while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        net_error_set(e, errno, "send %s", what);
        return -e->err;
    }
    char rbuf[32768] __attribute__((aligned(4)));
    for (;;) {
        ssize_t n = recv(fd, rbuf, sizeof rbuf, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            net_error_set(e, errno, "read the answer to %s", what);
            return -e->err;
        }
        int left = (int)n;
        for (const struct nlmsghdr *r = (const struct nlmsghdr *)rbuf; mnl_nlmsg_ok(r, left);
             r = mnl_nlmsg_next(r, &left)) {
            if (r->nlmsg_seq != seq)
                continue; /* not ours */
            if (r->nlmsg_type == NLMSG_DONE)
                return 0; /* a dump's end; its ACK does not follow */
            if (r->nlmsg_type != NLMSG_ERROR) {
                cb(r, arg);
                continue;
            }
            const struct nlmsgerr *err = mnl_nlmsg_get_payload(r);
            if (err->error == 0)
                return 0;
            net_error_set(e, -err->error, "%s", what);
            extack_text(r, e->detail, sizeof e->detail);
            return -e->err;
        }
    }
}

/* A NETLINK_ROUTE socket that lives in the namespace `ns`: the socket keeps
 * the namespace it was made in, so we step in, make it, and step back. */
int nl_socket_in(int ns, struct net_error *e)
{
    int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (self < 0) {
        net_error_set(e, errno, "open our own network namespace");
        return -e->err;
    }
    int fd;
    if (setns(ns, CLONE_NEWNET) < 0) {
        net_error_set(e, errno, "enter the container's network namespace");
        fd = -e->err;
    } else {
        fd = nl_socket(NETLINK_ROUTE);
        if (fd < 0)
            net_error_set(e, -fd, "open a netlink socket in the container's namespace");
        if (setns(self, CLONE_NEWNET) < 0) {
            /* this thread cannot go on in the wrong namespace */
            perror("quilt: setns back to our own network namespace");
            abort();
        }
    }
    close(self);
    return fd;
}
