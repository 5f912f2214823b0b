/* Reading and writing the records of proto.h. */
#ifndef QUILT_TLV_H
#define QUILT_TLV_H

#include <stddef.h>
#include <stdint.h>

struct tlv_writer {
    uint8_t *buf;
    size_t cap;
    size_t len;
};

/* Appends one record; -ENOSPC when it does not fit. */
int tlv_put(struct tlv_writer *w, uint16_t tag, const void *val, uint32_t len);
int tlv_put_str(struct tlv_writer *w, uint16_t tag, const char *s);
int tlv_put_long(struct tlv_writer *w, uint16_t tag, long long v);

struct tlv_reader {
    const uint8_t *buf;
    size_t len;
    size_t pos;
};

/* Next record: 1 and fills tag/val/len, 0 at the end, -EBADMSG when truncated. */
int tlv_next(struct tlv_reader *r, uint16_t *tag, const uint8_t **val, uint32_t *len);

#endif
