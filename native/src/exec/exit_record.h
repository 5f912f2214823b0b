/* An exec session's exit record (QUILT_T_EXIT_RECORD): the file in the
 * container's state dir where quilt-exec itself writes how the command ended,
 * so the exit code outlives the server that started it (the API's exec
 * inspect after a restart).  The directory is opened on the host, before we
 * join the container's mount namespace; the fd never reaches the command (its
 * fds are closed but stdio before it execs). */
#ifndef QUILT_EXEC_EXIT_RECORD_H
#define QUILT_EXEC_EXIT_RECORD_H

#include <stddef.h>

struct exit_record {
    int dfd;        /* the record's directory; -1: no record asked for */
    char name[128]; /* its file name in there */
};

/* Opens the directory of path (absolute) and keeps the file's name; path NULL
 * leaves r empty (dfd -1).  0, or -errno (-EINVAL: not an absolute path to a
 * file; -ENAMETOOLONG: a name over 127 bytes). */
int exit_record_open(struct exit_record *r, const char *path);

/* Formats the record for a wait(2) status: {"ExitCode":N,"Signal":S,"TimedOut":B},
 * N the exit status (0 when killed), S the killing signal (0 when it exited).
 * Returns the length, or -ENOSPC when buf is too small. */
int exit_record_format(char *buf, size_t size, int status, int timed_out);

/* Writes the record atomically (temp, fsync, rename, fsync dir).  0 when none
 * was asked for, or -errno. */
int exit_record_write(const struct exit_record *r, int status, int timed_out);

#endif
