#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/proto.h"
#include "common/tlv.h"
#include "tap.h"

static int count(const uint8_t *val, uint32_t len, uint16_t want, const char *first)
{
    struct tlv_reader r = { val, len, 0 };
    uint16_t tag;
    const uint8_t *v;
    uint32_t l;
    int n = 0, matched = 0;
    while (tlv_next(&r, &tag, &v, &l) == 1) {
        if (tag != want)
            continue;
        if (n++ == 0 && first && l == strlen(first) && !memcmp(v, first, l))
            matched = 1;
    }
    return first && !matched ? -1 : n;
}

int main(void)
{
    char *argv[] = { "--root", "/tmp/r", "exec", "c", "sh", "-c", "echo 'a b'" };
    char *envp[] = { "PATH=/bin", "HOME=/root", NULL };
    int fds[] = { 0, 1, 2, 5 };
    int flags[] = { 02, 02001, 02, -1 }; /* O_RDWR; O_WRONLY | O_APPEND; ...; unknown */
    struct proto_request req = { .face = "quilt", .argv = argv, .argc = 7, .envp = envp, .cwd = "/tmp",
                                 .tty = 1, .rows = 24, .cols = 80, .fds = fds, .fd_flags = flags, .nfds = 4 };
    uint8_t *buf;
    size_t len;
    ok(proto_request(&req, &buf, &len) == 0, "encode a request");

    uint16_t tag;
    const uint8_t *val;
    uint32_t vlen;
    size_t used;
    ok(proto_next(buf, len - 1, &tag, &val, &vlen, &used) == 0, "a message cut short needs more bytes");
    ok(proto_next(buf, len, &tag, &val, &vlen, &used) == 1 && tag == MSG_REQUEST && used == len,
       "the whole request is one REQUEST message");
    ok(count(val, vlen, F_ARG, "--root") == 7, "every word, in order, the program name left out");
    ok(count(val, vlen, F_ENV, "PATH=/bin") == 2, "the environment");
    ok(count(val, vlen, F_CWD, "/tmp") == 1, "the working directory");
    ok(count(val, vlen, F_FD, "0") == 4, "the caller's fd numbers");
    ok(count(val, vlen, F_FD_FLAGS, "2") == 4, "their status flags, one each, in order");
    ok(count(val, vlen, F_VERSION, "1") == 1, "the protocol's version");
    ok(count(val, vlen, F_ROWS, "24") == 1 && count(val, vlen, F_COLS, "80") == 1, "the terminal's size");
    free(buf);

    /* an environment larger than the first buffer grows it; one over PROTO_MAX is refused */
    size_t big = 200 * 1024;
    char *huge = malloc(big + 3);
    memcpy(huge, "X=", 2);
    memset(huge + 2, 'x', big);
    huge[big + 2] = '\0';
    char *bigenv[] = { huge, NULL };
    req.envp = bigenv;
    ok(proto_request(&req, &buf, &len) == 0 && len > big, "a large environment still fits");
    free(buf);
    char *many[8] = { huge, huge, huge, huge, huge, huge, NULL };
    req.envp = many;
    ok(proto_request(&req, &buf, &len) == -ENOSPC, "more than PROTO_MAX is ENOSPC");
    free(huge);

    uint8_t sig[128];
    int n = proto_signal(sig, sizeof sig, 28, 50, 132);
    ok(n > 0 && proto_next(sig, (size_t)n, &tag, &val, &vlen, &used) == 1 && tag == MSG_SIGNAL,
       "a SIGNAL message");
    ok(count(val, vlen, F_SIGNO, "28") == 1 && count(val, vlen, F_COLS, "132") == 1, "with its number and size");
    ok(proto_signal(sig, 10, 15, 0, 0) == -ENOSPC, "a buffer too small is ENOSPC");

    /* what the server sends: EXIT with a decimal code */
    uint8_t exitmsg[32];
    struct tlv_writer w = { exitmsg, sizeof exitmsg, 0 };
    tlv_put_long(&w, MSG_EXIT, 3);
    long code = -1;
    ok(proto_next(exitmsg, w.len, &tag, &val, &vlen, &used) == 1 && tag == MSG_EXIT
       && proto_int(val, vlen, &code) == 0 && code == 3, "EXIT 3 reads as 3");
    ok(proto_int((const uint8_t *)"3x", 2, &code) == -EBADMSG, "a code that is not a number is EBADMSG");
    uint8_t liar[8] = { MSG_EXIT, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f };
    ok(proto_next(liar, sizeof liar, &tag, &val, &vlen, &used) == -EBADMSG, "a header over PROTO_MAX is EBADMSG");
    return tap_done();
}
