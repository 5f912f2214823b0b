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
    l->open[0] = l->open[1] = 0;
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

/* Appends len bytes of the batch from off; whole or not at all: a short write
 * (a full disk) is cut back, so the file never holds half a record.  0 or -errno. */
static int write_part(struct log_file *l, size_t off, size_t len)
{
    ssize_t n;
    do
        n = write(l->fd, l->batch + off, len);
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

/* Writes the batch, rotating first when it would pass the cap.  The file is
 * ended where no line is open: after the record that finishes the batch's
 * stream's open line, if the batch holds it and the other stream has none;
 * otherwise the rotation waits for a batch that does, up to twice the cap. */
static int flush(struct log_file *l)
{
    size_t len = l->batch_len, cut = 0;
    int s = l->batch_stream, rc = 0;
    l->batch_len = 0;
    if (len == 0)
        return 0;
    if (l->max > 0 && l->size > 0 && l->size + (off_t)len > l->max) {
        int clean = !l->open[1 - s] && (!l->open[s] || l->closes_at > 0);
        if (clean || l->size + (off_t)len > 2 * l->max) {
            if (clean && l->open[s]) {
                cut = l->closes_at; /* the end of the open line stays with its start */
                if ((rc = write_part(l, 0, cut)) < 0)
                    return rc;
                l->open[s] = 0;
            }
            rotate(l);
        }
    }
    if ((rc = write_part(l, cut, len - cut)) == 0)
        l->open[s] = l->batch_open;
    return rc;
}

static void add(struct log_file *l, int stream, const char *when, const char *name, int partial, const char *text,
                size_t len)
{
    if (l->batch_len > 0 && l->batch_stream != stream)
        flush(l);
    size_t n = log_format(l->batch + l->batch_len, sizeof l->batch - l->batch_len, when, name, partial, text, len);
    if (n == 0) {
        flush(l);
        n = log_format(l->batch, sizeof l->batch, when, name, partial, text, len);
    }
    if (l->batch_len == 0) {
        l->batch_stream = stream;
        l->closes_at = 0;
    }
    l->batch_len += n;
    if (!partial && l->closes_at == 0)
        l->closes_at = l->batch_len;
    l->batch_open = partial;
}

int log_pump(struct log_stream *s, struct log_file *l)
{
    ssize_t n = read(s->fd, s->buf, sizeof s->buf);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    if (n == 0)
        return 1;
    char when[40];
    int stream = strcmp(s->name, "stderr") == 0;
    now_rfc3339(when, sizeof when);
    const char *start = s->buf, *end = s->buf + n, *nl;
    while ((nl = memchr(start, '\n', (size_t)(end - start)))) {
        add(l, stream, when, s->name, 0, start, (size_t)(nl - start));
        start = nl + 1;
    }
    if (start < end) /* no newline yet: what there is, now */
        add(l, stream, when, s->name, 1, start, (size_t)(end - start));
    flush(l); /* a failed write is dropped: the pipe is drained all the same */
    return 0;
}
