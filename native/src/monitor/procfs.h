#ifndef QUILT_PROCFS_H
#define QUILT_PROCFS_H

#include <sys/types.h>

/* The start time of pid in clock ticks since boot (field 22 of /proc/PID/stat):
 * with the pid, it names one process even after the pid is reused. 0 or -errno. */
int proc_start_time(pid_t pid, unsigned long long *out);

/* Parses the text of a /proc/PID/stat file; -EBADMSG when it is not one. */
int proc_stat_start_time(const char *stat, unsigned long long *out);

/* Whether the process a /proc/PID/stat text describes has ended or is ending:
 * 1 when it is a zombie or dead (field 3), exiting (PF_EXITING in field 9: it
 * has left its namespaces and may wait in the kernel for its pid namespace to
 * empty), or started at another time than start_time (the pid was reused);
 * 0 when it lives; -EBADMSG when the text is not a stat line. */
int proc_stat_ended(const char *stat, unsigned long long start_time);

/* The same for a pid, read from /proc: a pid with no process has ended (1). */
int proc_ended(pid_t pid, unsigned long long start_time);

#endif
