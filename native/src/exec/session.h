/* quilt-exec's session mode (QUILT_T_SESSION): the API's exec start and the
 * fast CLI.  quilt-exec stays beside the command and its socket to the JVM
 * stays open: EXEC_STARTED once the command has exec'd, RESIZE and SIGNAL
 * from the JVM while it runs, a timerfd deadline that kills its process group,
 * and RESULT at its end.  With a tty the pty is relayed to our stdio, which
 * may be sockets (no terminal modes are touched).  Without one the JVM sends
 * FDS with its own ends of the command's stdout and stderr: once the JVM has
 * gone (SIGKILL, or stopped past its grace) we read and drop what the command
 * writes there, so the command runs to its own end instead of dying of
 * SIGPIPE, and the record holds its real exit code. */
#ifndef QUILT_EXEC_SESSION_H
#define QUILT_EXEC_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "exec/exit_record.h"

/* A message the JVM sends while the command runs. */
struct session_control {
    int type;          /* QUILT_MSG_RESIZE or QUILT_MSG_SIGNAL */
    unsigned rows, cols; /* RESIZE: 1..65535 each */
    int signal;        /* SIGNAL: 1..64 */
};

/* Reads one control message (TLV, as proto.h).  0, or -EINVAL for a message
 * that is not a whole RESIZE or SIGNAL with its values in range. */
int session_parse_control(const uint8_t *msg, size_t len, struct session_control *out);

/* The most output ends of the JVM's a session holds: stdout's and stderr's. */
#define SESSION_READERS_MAX 2

/* 1 when a message from the JVM is FDS: its SCM_RIGHTS are the JVM's own ends of the command's stdout and
 * stderr, which the session holds for as long as the command runs and drains once the JVM has gone. */
int session_is_fds(const uint8_t *msg, size_t len);

/* Sets the pty's size when rows and cols are given (0: left alone).  0 or -errno. */
int session_size(int master, unsigned rows, unsigned cols);

struct session {
    pid_t pid;         /* the command, our child, in its own process group */
    int pidfd;         /* its pidfd */
    int ready;         /* read end of a close-on-exec pipe only the command writes: EOF = execve, a byte = failed */
    int sync;          /* the JVM's socket */
    int master;        /* the pty's master, relayed to fds 0 and 1; -1: no tty */
    int with_stdin;    /* with a tty: relay fd 0 to the master */
    unsigned long long timeout_ms; /* 0: none */
    const struct exit_record *record; /* written at the command's end, JVM or not (dfd -1: none) */
};

/* Runs the session until the command exits (the JVM's socket closing does not
 * end it: the command goes on and its end is still written to the record);
 * returns its exit code (128+n
 * for signal n), or 125 when something of ours failed. */
int session_run(const struct session *s);

#endif
