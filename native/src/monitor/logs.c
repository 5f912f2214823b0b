#define _GNU_SOURCE
#include "logs.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static void now_rfc3339(char *out, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    char base[24];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    size_t n = strlen(base);
    if (n + 12 > cap)
        return;
    memcpy(out, base, n);
    out[n++] = '.';
    long ns = ts.tv_nsec;
    for (int i = 8; i >= 0; i--) {
        out[n + (size_t)i] = (char)('0' + ns % 10);
        ns /= 10;
    }
    n += 9;
    out[n++] = 'Z';
    out[n] = 0;
}

size_t log_format(char *out, size_t cap, const char *when, const char *stream, int partial,
                  const char *text, size_t len)
{
    size_t w = strlen(when), s = strlen(stream);
    size_t need = w + 1 + s + 3 + len + 1;
    if (need > cap)
        return 0;
    size_t n = 0;
    memcpy(out + n, when, w);
    n += w;
    out[n++] = ' ';
    memcpy(out + n, stream, s);
    n += s;
    out[n++] = ' ';
    out[n++] = partial ? 'P' : 'F';
    out[n++] = ' ';
    memcpy(out + n, text, len);
    n += len;
    out[n++] = '\n';
    return n;
}

static int write_record(int log_fd, const char *stream, int partial, const char *text, size_t len)
{
    char when[40], head[64];
    now_rfc3339(when, sizeof when);
    size_t h = log_format(head, sizeof head, when, stream, partial, "", 0) - 1; /* without its newline */
    struct iovec iov[3] = {
        { head, h }, { (void *)text, len }, { "\n", 1 },
    };
    /* one writev per record, so records from two streams never interleave */
    ssize_t n = writev(log_fd, iov, 3);
    return n < 0 ? -errno : 0;
}

int log_pump(struct log_stream *s, int log_fd)
{
    ssize_t n = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    if (n == 0) {
        if (s->len)
            write_record(log_fd, s->name, 1, s->buf, s->len);
        s->len = 0;
        return 1;
    }
    s->len += (size_t)n;
    char *start = s->buf, *end = s->buf + s->len, *nl;
    while ((nl = memchr(start, '\n', (size_t)(end - start)))) {
        write_record(log_fd, s->name, 0, start, (size_t)(nl - start));
        start = nl + 1;
    }
    size_t rest = (size_t)(end - start);
    if (rest == sizeof s->buf) { /* a line longer than the buffer: write it in parts */
        write_record(log_fd, s->name, 1, start, rest);
        rest = 0;
    }
    memmove(s->buf, start, rest);
    s->len = rest;
    return 0;
}
