/* A detached container's stdout and stderr, written as CRI log lines:
 *   2026-11-22T03:00:00.123456789Z stdout F a whole line
 *   2026-11-22T03:00:00.123456789Z stderr P the start of a long or unfinished line
 * the format containerd and podman (k8s-file) use, so the streams stay apart. */
#ifndef QUILT_LOGS_H
#define QUILT_LOGS_H

#include <stddef.h>

#define LOG_LINE_MAX 16384

struct log_stream {
    const char *name; /* "stdout" or "stderr" */
    int fd;           /* read end of the pipe, -1 once at EOF */
    size_t len;       /* bytes of an unfinished line in buf */
    char buf[LOG_LINE_MAX];
};

/* Reads what is there and writes whole lines to log_fd.  Returns 0, or 1 at
 * end of file (the rest is flushed as a P line), or -errno. */
int log_pump(struct log_stream *s, int log_fd);

/* Formats one record into out; returns its length (for the tests). */
size_t log_format(char *out, size_t cap, const char *when, const char *stream, int partial,
                  const char *text, size_t len);

#endif
