#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/signals.h"
#include "tap.h"

/* The hex mask of one "SigXxx:" line of /proc/self/status, or "" */
static const char *status_mask(const char *field)
{
    static char line[256], value[64];
    value[0] = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return value;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            sscanf(line + n + 1, "%63s", value);
            break;
        }
    fclose(f);
    return value;
}

/* As glibc's posix_spawn leaves them: 32 and 33 ignored, which glibc's own
 * sigaction() refuses to change (EINVAL) */
static int ignore_raw(int sig)
{
    struct { void *handler; unsigned long flags; void *restorer; unsigned long mask[2]; } ign;
    memset(&ign, 0, sizeof ign);
    ign.handler = (void *)SIG_IGN;
    return (int)syscall(SYS_rt_sigaction, sig, &ign, NULL, _NSIG / 8);
}

int main(void)
{
    ok(ignore_raw(32) == 0 && ignore_raw(33) == 0, "32 and 33 ignored, as posix_spawn leaves them");
    signal(SIGPIPE, SIG_IGN);
    signal(SIGRTMIN + 3, SIG_IGN);
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, NULL);
    ok(strcmp(status_mask("SigIgn"), "0000000000000000") != 0, "some ignored before: %s", status_mask("SigIgn"));
    ok(strcmp(status_mask("SigBlk"), "0000000000000000") != 0, "some blocked before: %s", status_mask("SigBlk"));

    ok(signals_reset() == 0, "reset succeeds");
    ok(strcmp(status_mask("SigIgn"), "0000000000000000") == 0, "nothing ignored after, 32 and 33 included: %s",
       status_mask("SigIgn"));
    ok(strcmp(status_mask("SigBlk"), "0000000000000000") == 0, "nothing blocked after: %s", status_mask("SigBlk"));
    struct sigaction sa;
    sigaction(SIGPIPE, NULL, &sa);
    ok(sa.sa_handler == SIG_DFL, "SIGPIPE is SIG_DFL");
    return tap_done();
}
