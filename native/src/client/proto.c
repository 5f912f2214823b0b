#include "proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tlv.h"

#define HEADER 8

static int put_all(struct tlv_writer *w, const struct proto_request *r)
{
    int rc = tlv_put_long(w, F_VERSION, PROTO_VERSION);
    if (!rc) rc = tlv_put_str(w, F_FACE, r->face);
    for (int i = 0; !rc && i < r->argc; i++)
        rc = tlv_put_str(w, F_ARG, r->argv[i]);
    for (char *const *e = r->envp; !rc && e && *e; e++)
        rc = tlv_put_str(w, F_ENV, *e);
    if (!rc) rc = tlv_put_str(w, F_CWD, r->cwd);
    if (!rc) rc = tlv_put_long(w, F_TTY, r->tty ? 1 : 0);
    if (!rc) rc = tlv_put_long(w, F_ROWS, r->rows);
    if (!rc) rc = tlv_put_long(w, F_COLS, r->cols);
    for (int i = 0; !rc && i < r->nfds; i++)
        rc = tlv_put_long(w, F_FD, r->fds[i]);
    for (int i = 0; !rc && r->fd_flags && i < r->nfds; i++)
        rc = tlv_put_long(w, F_FD_FLAGS, r->fd_flags[i]);
    return rc;
}

int proto_request(const struct proto_request *req, uint8_t **out, size_t *len)
{
    /* the fields first, into the space after the message's own header */
    size_t cap = 64 * 1024;
    for (;;) {
        uint8_t *buf = malloc(cap);
        if (!buf)
            return -ENOMEM;
        struct tlv_writer fields = { buf + HEADER, cap - HEADER, 0 };
        int rc = put_all(&fields, req);
        if (rc == 0) {
            /* the message's header, as tlv_put writes one, over the fields already in place */
            uint16_t tag = MSG_REQUEST, zero = 0;
            uint32_t n = (uint32_t)fields.len;
            memcpy(buf, &tag, 2);
            memcpy(buf + 2, &zero, 2);
            memcpy(buf + 4, &n, 4);
            *out = buf;
            *len = HEADER + fields.len;
            return 0;
        }
        free(buf);
        if (rc != -ENOSPC || cap >= PROTO_MAX)
            return rc;
        cap *= 4;
        if (cap > PROTO_MAX)
            cap = PROTO_MAX;
    }
}

int proto_signal(uint8_t *buf, size_t cap, int signo, int rows, int cols)
{
    uint8_t fields[96];
    struct tlv_writer f = { fields, sizeof fields, 0 };
    int rc = tlv_put_long(&f, F_SIGNO, signo);
    if (!rc) rc = tlv_put_long(&f, F_ROWS, rows);
    if (!rc) rc = tlv_put_long(&f, F_COLS, cols);
    if (rc)
        return rc;
    struct tlv_writer w = { buf, cap, 0 };
    rc = tlv_put(&w, MSG_SIGNAL, fields, (uint32_t)f.len);
    return rc ? rc : (int)w.len;
}

int proto_next(const uint8_t *buf, size_t n, uint16_t *tag, const uint8_t **val, uint32_t *len, size_t *used)
{
    if (n < HEADER)
        return 0;
    uint32_t l;
    memcpy(tag, buf, 2);
    memcpy(&l, buf + 4, 4);
    if (l > PROTO_MAX)
        return -EBADMSG;
    if (n - HEADER < l)
        return 0;
    *val = buf + HEADER;
    *len = l;
    *used = HEADER + l;
    return 1;
}

int proto_int(const uint8_t *val, uint32_t len, long *out)
{
    char num[24];
    if (len == 0 || len >= sizeof num)
        return -EBADMSG;
    memcpy(num, val, len);
    num[len] = '\0';
    char *end;
    errno = 0;
    long v = strtol(num, &end, 10);
    if (errno || *end)
        return -EBADMSG;
    *out = v;
    return 0;
}
