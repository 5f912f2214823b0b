/* A detached container's stdout and stderr, written as CRI log lines:
 *   2026-11-22T03:00:00.123456789Z stdout F a whole line
 *   2026-11-22T03:00:00.123456789Z stderr P text read before its newline came
 * the format containerd and podman (k8s-file) use, so the streams stay apart.
 * Text is written when it is read: what has no newline yet is a P record
 * now, not a line held back until its end arrives.  The file has a cap: when a
 * batch of records would take it past max bytes it is renamed to PATH.1
 * (replacing the one before) and a new PATH is begun.  A line left unfinished
 * (P) at the end of a file is finished there first, so no file begins with
 * the rest of a line whose start was rotated away: a file may pass the cap by
 * that one write, never twice the cap.  A write that fails (a full disk) drops
 * its records whole and the pipe is still drained: the container never blocks
 * on its log. */
#ifndef QUILT_LOGS_H
#define QUILT_LOGS_H

#include <stddef.h>
#include <sys/types.h>

#define LOG_READ_MAX 16384
#define LOG_BATCH_MAX 65536

struct log_stream {
    const char *name; /* "stdout" or "stderr" */
    int fd;           /* read end of the pipe, -1 once at EOF */
    char buf[LOG_READ_MAX];
};

struct log_file {
    int fd;
    off_t size;           /* what the current file holds: whole records only */
    off_t max;            /* rotate before passing it; 0: no cap */
    int open[2];          /* stdout, stderr: the file's last record of the stream is P */
    char path[4096];
    char rotated[4096];   /* path + ".1" */
    /* records of one stream not yet written; closes_at: the end of the first F among them */
    int batch_stream, batch_open;
    size_t batch_len, closes_at;
    char batch[LOG_BATCH_MAX];
};

/* Opens (appends to) path with a cap of max bytes (0: none).  0 or -errno. */
int log_open(struct log_file *l, const char *path, off_t max);

/* Reads what is there and writes it as records: whole lines as F, the rest
 * as one P.  Returns 0, 1 at end of file, or -errno of the read. */
int log_pump(struct log_stream *s, struct log_file *l);

/* Formats one record into out; returns its length, 0 when it does not fit. */
size_t log_format(char *out, size_t cap, const char *when, const char *stream, int partial,
                  const char *text, size_t len);

#endif
