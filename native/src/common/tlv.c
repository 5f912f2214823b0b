#include "tlv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define TLV_HEADER 8

int tlv_put(struct tlv_writer *w, uint16_t tag, const void *val, uint32_t len)
{
    if (w->cap - w->len < TLV_HEADER || w->cap - w->len - TLV_HEADER < len)
        return -ENOSPC;
    uint8_t *p = w->buf + w->len;
    uint16_t zero = 0;
    memcpy(p, &tag, 2);
    memcpy(p + 2, &zero, 2);
    memcpy(p + 4, &len, 4);
    if (len)
        memcpy(p + TLV_HEADER, val, len);
    w->len += TLV_HEADER + len;
    return 0;
}

int tlv_put_str(struct tlv_writer *w, uint16_t tag, const char *s)
{
    return tlv_put(w, tag, s, (uint32_t)strlen(s));
}

int tlv_put_long(struct tlv_writer *w, uint16_t tag, long long v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%lld", v);
    return tlv_put(w, tag, num, (uint32_t)n);
}

int tlv_next(struct tlv_reader *r, uint16_t *tag, const uint8_t **val, uint32_t *len)
{
    if (r->pos == r->len)
        return 0;
    if (r->len - r->pos < TLV_HEADER)
        return -EBADMSG;
    const uint8_t *p = r->buf + r->pos;
    uint32_t l;
    memcpy(tag, p, 2);
    memcpy(&l, p + 4, 4);
    if (r->len - r->pos - TLV_HEADER < l)
        return -EBADMSG;
    *val = p + TLV_HEADER;
    *len = l;
    r->pos += TLV_HEADER + l;
    return 1;
}
