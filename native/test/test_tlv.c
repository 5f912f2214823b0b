#include <errno.h>
#include <string.h>

#include "common/tlv.h"
#include "tap.h"

int main(void)
{
    uint8_t buf[64];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    ok(tlv_put_str(&w, 7, "hello") == 0, "put a string");
    ok(tlv_put_long(&w, 8, -42) == 0, "put a number");
    ok(w.len == 8 + 5 + 8 + 3, "records are header + value (%zu)", w.len);

    struct tlv_reader r = { buf, w.len, 0 };
    uint16_t tag;
    const uint8_t *val;
    uint32_t len;
    ok(tlv_next(&r, &tag, &val, &len) == 1 && tag == 7 && len == 5 && !memcmp(val, "hello", 5), "read back the string");
    ok(tlv_next(&r, &tag, &val, &len) == 1 && tag == 8 && len == 3 && !memcmp(val, "-42", 3), "read back the number");
    ok(tlv_next(&r, &tag, &val, &len) == 0, "then the end");

    struct tlv_reader cut = { buf, w.len - 1, 0 };
    tlv_next(&cut, &tag, &val, &len);
    ok(tlv_next(&cut, &tag, &val, &len) == -EBADMSG, "a truncated record is EBADMSG");

    uint8_t small[10];
    struct tlv_writer sw = { small, sizeof small, 0 };
    ok(tlv_put_str(&sw, 1, "abc") == -ENOSPC, "a record that does not fit is ENOSPC");
    ok(sw.len == 0, "and writes nothing");
    return tap_done();
}
