/* quilt-exec the way runc's exec hands a process over (quilt-runc exec):
 * the command's host pid told to the JVM before its execve (for --pid-file),
 * its pty master sent over --console-socket instead of relayed, and with
 * --detach our own exit as soon as the command has exec'd, so that it is
 * reparented to the caller's nearest child subreaper (containerd's shim,
 * conmon), which reaps it: no Quilt process waits for it. */
#ifndef QUILT_EXEC_HANDOFF_H
#define QUILT_EXEC_HANDOFF_H

#include <sys/types.h>

/* Sends EXEC_STARTED (the command's pid in our, the host's, pid namespace)
 * over the JVM's socket sock.  0 or -errno. */
int handoff_send_pid(int sock, pid_t pid);

/* Sends master over the connected console socket console (SCM_RIGHTS), named
 * by its peer's path in the container's devpts ("/dev/pts/N"), as runc does.
 * 0 or -errno. */
int handoff_send_console(int console, int master);

/* --detach: blocks until the read end ready of a close-on-exec pipe whose
 * write end only the command holds reports: end of file is its execve (0 is
 * returned; it is left to the subreaper), a byte is its failure before execve
 * (already told to the JVM as FAIL): then it is reaped here and its exit code
 * returned, so a command that never ran is nobody else's to reap. */
int handoff_await_exec(int ready, pid_t pid);

/* In the command, before it exits on a failure before execve: tells
 * handoff_await_exec so through the pipe's write end fd (-1: not detached). */
void handoff_report_failure(int fd);

/* --preserve-fds N: the caller's fds 3..3+n-1, which the JVM that sent us the
 * request over sock (our parent: SO_PEERCRED names it) inherited at those
 * numbers, copied into fds[] with pidfd_getfd(2) (close-on-exec).  -ESRCH when
 * that JVM is not our parent any more.  0 or -errno. */
int handoff_take_fds(int sock, int n, int *fds);

/* In the command: puts fds[i] at 3+i (not close-on-exec), after moving each of
 * *others (>= 0 ones: our socket, the failure pipe, the probe) above 3+n-1;
 * then closes every fd from 3+n up but those.  0 or -errno. */
int handoff_place_fds(const int *fds, int n, int *const *others, int n_others);

#endif
