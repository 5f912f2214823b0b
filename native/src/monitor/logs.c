#define _GNU_SOURCE
#include "logs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

int log_open(struct log_file *l, const char *path, off_t max)
{
    struct stat st;
    if (snprintf(l->path, sizeof l->path, "%s", path) >= (int)sizeof l->path ||
        snprintf(l->rotated, sizeof l->rotated, "%s.1", path) >= (int)sizeof l->rotated)
        return -ENAMETOOLONG;
    l->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (l->fd < 0 || fstat(l->fd, &st) < 0)
        return -errno;
    l->size = st.st_size;
    l->max = max;
    l->batch_len = 0;
    return 0;
}

/* PATH becomes PATH.1 and a new PATH is begun.  Renames need no free space;
 * if the new file cannot be made, the old one is put back and written on. */
static void rotate(struct log_file *l)
{
    if (rename(l->path, l->rotated) < 0)
        return;
    int fd = open(l->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        rename(l->rotated, l->path);
        return;
    }
    close(l->fd);
    l->fd = fd;
    l->size = 0;
}

/* Writes the batch whole or not at all: a short write (a full disk) is cut
 * back, so the file never holds half a record.  Returns 0 or -errno. */
static int flush(struct log_file *l)
{
    size_t len = l->batch_len;
    l->batch_len = 0;
    if (len == 0)
        return 0;
    if (l->max > 0 && l->size > 0 && l->size + (off_t)len > l->max)
        rotate(l);
    ssize_t n;
    do
        n = write(l->fd, l->batch, len);
    while (n < 0 && errno == EINTR);
    if (n == (ssize_t)len) {
        l->size += (off_t)len;
        return 0;
    }
    int err = n < 0 ? errno : ENOSPC;
    if (n > 0 && ftruncate(l->fd, l->size) < 0)
        l->size += n; /* cannot cut it back: at least count it */
    return -err;
}

static void add(struct log_file *l, const char *when, const char *stream, int partial, const char *text, size_t len)
{
    size_t n = log_format(l->batch + l->batch_len, sizeof l->batch - l->batch_len, when, stream, partial, text, len);
    if (n == 0) {
        flush(l);
        n = log_format(l->batch, sizeof l->batch, when, stream, partial, text, len);
    }
    l->batch_len += n;
}

int log_pump(struct log_stream *s, struct log_file *l)
{
    ssize_t n = read(s->fd, s->buf, sizeof s->buf);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    if (n == 0)
        return 1;
    char when[40];
    now_rfc3339(when, sizeof when);
    const char *start = s->buf, *end = s->buf + n, *nl;
    while ((nl = memchr(start, '\n', (size_t)(end - start)))) {
        add(l, when, s->name, 0, start, (size_t)(nl - start));
        start = nl + 1;
    }
    if (start < end) /* no newline yet: what there is, now */
        add(l, when, s->name, 1, start, (size_t)(end - start));
    flush(l); /* a failed write is dropped: the pipe is drained all the same */
    return 0;
}
