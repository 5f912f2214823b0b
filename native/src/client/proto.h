/* The fast CLI's protocol (quilt-client <-> quilt serve's RUN/.quilt-cli.sock): a stream of
 * common/tlv.h records whose tag is the message and whose value holds the message's own records.
 * The handshake: REQUEST, then SEND_FDS (or REFUSE: the client falls back to the JVM), then one
 * 1-byte message per fd (SCM_RIGHTS), then RUNNING; after that SIGNAL from the client, EXIT from
 * the server.  Both ends are on one host: numbers in headers are in the host's byte order, values
 * of numbers are decimal text.  docs/ARCHITECTURE.md "The fast CLI" says why. */
#ifndef QUILT_CLIENT_PROTO_H
#define QUILT_CLIENT_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION 1

/* client -> server */
#define MSG_REQUEST 1
#define MSG_SIGNAL 2
/* server -> client */
#define MSG_SEND_FDS 20
#define MSG_REFUSE 21
#define MSG_RUNNING 22
#define MSG_EXIT 23

/* fields of REQUEST and SIGNAL */
#define F_VERSION 1
#define F_FACE 2
#define F_ARG 3
#define F_ENV 4
#define F_CWD 5
#define F_TTY 6
#define F_ROWS 7
#define F_COLS 8
#define F_FD 9
#define F_SIGNO 10
#define F_FD_FLAGS 11 /* one per F_FD, in the same order: its file status flags (F_GETFL), or -1 */

/* The largest message either side accepts (argv and environment included). */
#define PROTO_MAX (1024 * 1024)

struct proto_request {
    const char *face;         /* "quilt" or "quilt-runc" */
    char *const *argv;        /* the command's words, without the program name */
    int argc;
    char *const *envp;        /* KEY=VALUE, NULL-terminated */
    const char *cwd;
    int tty;                  /* whether stdin is a terminal */
    int rows, cols;           /* its size, or 0 */
    const int *fds;           /* the caller's fd numbers, in the order they are sent (0, 1, 2, ...) */
    const int *fd_flags;      /* their status flags (F_GETFL; -1: unknown), or NULL */
    int nfds;
};

/* Encodes REQUEST into a new buffer (*out, *len; free it).  0, -ENOSPC over PROTO_MAX, -ENOMEM. */
int proto_request(const struct proto_request *req, uint8_t **out, size_t *len);

/* Encodes SIGNAL (signo; rows and cols for SIGWINCH, else 0) into buf (cap bytes).  Its length, or -ENOSPC. */
int proto_signal(uint8_t *buf, size_t cap, int signo, int rows, int cols);

/* One whole message at the start of buf: 1 and fills *tag, *val, *len, *used; 0 when more bytes are
 * needed; -EBADMSG when the header announces more than PROTO_MAX. */
int proto_next(const uint8_t *buf, size_t n, uint16_t *tag, const uint8_t **val, uint32_t *len, size_t *used);

/* The decimal value of a message or field (EXIT's code), or -EBADMSG. */
int proto_int(const uint8_t *val, uint32_t len, long *out);

#endif
