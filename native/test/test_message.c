#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/message.h"
#include "common/tlv.h"
#include "quilt/proto.h"
#include "tap.h"

/* A message of n bytes whose records are one long ENV value. */
static uint8_t *make(size_t n)
{
    uint8_t *buf = malloc(n);
    struct tlv_writer w = { buf, n, 0 };
    char *v = malloc(n);
    memset(v, 'x', n);
    tlv_put(&w, QUILT_T_ENV, v, (uint32_t)(n - 8));
    free(v);
    return buf;
}

static int roundtrip(size_t n)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
    uint8_t *sent = make(n), *got = NULL;
    int rc = message_send(sv[0], sent, n);
    ssize_t m = rc < 0 ? rc : message_receive(sv[1], &got);
    int same = m == (ssize_t)n && memcmp(sent, got, n) == 0;
    free(sent);
    free(got);
    close(sv[0]);
    close(sv[1]);
    return same;
}

/* A datagram that claims a body in an fd that is not sealed as promised. */
static ssize_t unsealed(void)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
    int body = memfd_create("t", MFD_CLOEXEC);
    ssize_t ignored = write(body, "12345678", 8);
    (void)ignored;
    uint8_t head[32];
    struct tlv_writer w = { head, sizeof head, 0 };
    tlv_put_long(&w, QUILT_T_BODY, 8);
    char control[CMSG_SPACE(sizeof(int))] = { 0 };
    struct iovec iov = { head, w.len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &body, sizeof(int));
    sendmsg(sv[0], &msg, 0);
    uint8_t *got = NULL;
    ssize_t m = message_receive(sv[1], &got);
    free(got);
    close(body);
    close(sv[0]);
    close(sv[1]);
    return m;
}

int main(void)
{
    ok(roundtrip(100), "a small message travels inline");
    ok(roundtrip(QUILT_MSG_INLINE_MAX), "one at the inline limit too");
    /* two 106,000-byte env values: a datagram this size is EMSGSIZE */
    ok(roundtrip(212 * 1024), "a 212 KiB message travels as a sealed memfd");
    ok(roundtrip(3 * 1024 * 1024), "so does a 3 MiB one");
    uint8_t x = 0;
    ok(message_send(-1, &x, QUILT_BODY_MAX + 1) == -EMSGSIZE, "past QUILT_BODY_MAX it is EMSGSIZE");
    ok(unsealed() == -EBADMSG, "a body that is not sealed is EBADMSG");

    int sv[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
    close(sv[0]);
    uint8_t *got = (uint8_t *)&x;
    ok(message_receive(sv[1], &got) == 0 && got == NULL, "end of file is 0");
    close(sv[1]);
    return tap_done();
}
