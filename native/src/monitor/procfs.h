#ifndef QUILT_PROCFS_H
#define QUILT_PROCFS_H

#include <sys/types.h>

/* The start time of pid in clock ticks since boot (field 22 of /proc/PID/stat):
 * with the pid, it names one process even after the pid is reused. 0 or -errno. */
int proc_start_time(pid_t pid, unsigned long long *out);

/* Parses the text of a /proc/PID/stat file; -EBADMSG when it is not one. */
int proc_stat_start_time(const char *stat, unsigned long long *out);

#endif
