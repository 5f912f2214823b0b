/* SIGKILL for a container's pid 1, sent from inside the container.
 *
 * The kernel drops SIGKILL and SIGSTOP that a pid namespace's init gets from
 * its own namespace, so `sh -c 'kill -9 $$'` run as pid 1 would go on living.
 * A seccomp filter in the init turns kill/tkill/tgkill of pid 1 with SIGKILL
 * or SIGSTOP into a user notification; the monitor, in the parent namespace,
 * sends the signal itself, and the kernel delivers it.  Other signals keep
 * pid 1's usual rules (ignored without a handler), as in runc and crun.
 */
#ifndef QUILT_PID1_SIGNALS_H
#define QUILT_PID1_SIGNALS_H

/* In the init, last thing before execve: installs the filter.  Returns the
 * listener fd, or -errno. */
int pid1_signals_install(void);

/* In the monitor, when the listener is readable: answers one notification,
 * signalling the init through init_pidfd.  Returns 0, or -errno when the
 * listener is finished with (every process under the filter is gone). */
int pid1_signals_answer(int listener, int init_pidfd);

#endif
