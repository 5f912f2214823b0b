#define _GNU_SOURCE
#include "message.h"
#include "fd_pass.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "tlv.h"

#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static int write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int send_body(int fd, const void *buf, size_t len)
{
    int body = memfd_create("quilt-message", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (body < 0)
        return -errno;
    int rc = write_all(body, buf, len);
    if (rc == 0 && fcntl(body, F_ADD_SEALS, F_SEAL_SEAL | SEALS) < 0)
        rc = -errno;
    uint8_t head[32];
    struct tlv_writer w = { head, sizeof head, 0 };
    if (rc == 0)
        rc = tlv_put_long(&w, QUILT_T_BODY, (long long)len);
    if (rc == 0)
        rc = fd_pass_send(fd, head, w.len, &body, 1);
    close(body);
    return rc;
}

int message_send(int fd, const void *buf, size_t len)
{
    if (len > QUILT_BODY_MAX)
        return -EMSGSIZE;
    if (len > QUILT_MSG_INLINE_MAX)
        return send_body(fd, buf, len);
    ssize_t n;
    do
        n = send(fd, buf, len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : 0;
}

/* The body the datagram head announces, read from its memfd. */
static ssize_t read_body(int body, const uint8_t *head, size_t n, uint8_t **out)
{
    struct tlv_reader r = { .buf = head, .len = n };
    uint16_t tag;
    const uint8_t *val;
    uint32_t vlen;
    char num[24];
    if (tlv_next(&r, &tag, &val, &vlen) != 1 || tag != QUILT_T_BODY || r.pos != n || vlen == 0 ||
        vlen >= sizeof num)
        return -EBADMSG;
    memcpy(num, val, vlen);
    num[vlen] = 0;
    char *end;
    errno = 0;
    unsigned long long size = strtoull(num, &end, 10);
    if (errno || *end || size == 0 || size > QUILT_BODY_MAX)
        return -EBADMSG;
    /* sealed, so what we read is what was sent, and nobody can change it meanwhile */
    struct stat st;
    int seals = fcntl(body, F_GET_SEALS);
    if (fstat(body, &st) < 0 || !S_ISREG(st.st_mode) || (unsigned long long)st.st_size != size || seals < 0 ||
        (seals & SEALS) != SEALS)
        return -EBADMSG;
    uint8_t *msg = malloc(size);
    if (!msg)
        return -ENOMEM;
    for (size_t got = 0; got < size;) {
        ssize_t k = pread(body, msg + got, size - got, (off_t)got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            int err = k < 0 ? errno : EBADMSG;
            free(msg);
            return -err;
        }
        got += (size_t)k;
    }
    *out = msg;
    return (ssize_t)size;
}

ssize_t message_receive(int fd, uint8_t **out)
{
    *out = NULL;
    uint8_t *buf = malloc(QUILT_MSG_MAX);
    if (!buf)
        return -ENOMEM;
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = buf, .iov_len = QUILT_MSG_MAX };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                          .msg_controllen = sizeof control };
    ssize_t n;
    do
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        int err = errno;
        free(buf);
        return -err;
    }
    int body = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
            memcpy(&body, CMSG_DATA(c), sizeof(int));
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        if (body >= 0)
            close(body);
        free(buf);
        return -EMSGSIZE;
    }
    if (body < 0) {
        if (n == 0) {
            free(buf);
            return 0;
        }
        *out = buf;
        return n;
    }
    ssize_t rc = read_body(body, buf, (size_t)n, out);
    close(body);
    free(buf);
    return rc;
}
