#define _GNU_SOURCE
#include "signals.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's struct sigaction (asm-generic layout with sa_restorer, which
 * x86-64 and arm64 share).  Zeroed it is SIG_DFL with no flags and an empty
 * mask, so the layout of the fields after the handler never matters. */
struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long mask[2];
};

int signals_reset(void)
{
    struct kernel_sigaction dfl;
    unsigned long none[2];
    int rc = 0;
    memset(&dfl, 0, sizeof dfl);
    memset(none, 0, sizeof none);
    for (int sig = 1; sig < _NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        if (syscall(SYS_rt_sigaction, sig, &dfl, NULL, _NSIG / 8) < 0 && rc == 0)
            rc = -errno;
    }
    if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, none, NULL, _NSIG / 8) < 0 && rc == 0)
        rc = -errno;
    return rc;
}
