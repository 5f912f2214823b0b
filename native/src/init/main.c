/* quilt-init: pid 1 of a persistent container.
 *
 *   quilt-init               reap orphans; exit 128+n on SIGTERM, SIGINT, SIGHUP or SIGQUIT
 *   quilt-init -- CMD ARG..  run CMD as pid 2, pass signals on to it, reap orphans,
 *                            and exit as CMD does (128+n when a signal killed it)
 *   quilt-init --probe       exit 0 at once: the readiness chain's proof that an
 *                            exec into the container works, whatever the image holds
 *
 * All signals are blocked and read from a signalfd: a pid namespace's init
 * receives a blocked signal even with the default handler, where an unblocked
 * one would be dropped.  Nothing here sleeps or polls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static int status_code(int status)
{
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--probe") == 0)
        return 0;
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &all, NULL);
    int sfd = signalfd(-1, &all, SFD_CLOEXEC);
    if (sfd < 0) {
        perror("quilt-init: signalfd");
        return 1;
    }

    pid_t child = -1;
    if (argc > 2 && strcmp(argv[1], "--") == 0) {
        child = fork();
        if (child < 0) {
            perror("quilt-init: fork");
            return 1;
        }
        if (child == 0) {
            sigprocmask(SIG_SETMASK, &none, NULL);
            /* its own process group, so a signal for the group reaches its children too */
            setpgid(0, 0);
            execvp(argv[2], argv + 2);
            int err = errno;
            fprintf(stderr, "quilt-init: exec \"%s\": %s\n", argv[2], strerror(err));
            _exit(err == ENOENT ? 127 : 126);
        }
    } else if (argc > 1) {
        fprintf(stderr, "usage: quilt-init [--probe | -- COMMAND [ARG...]]\n");
        return 2;
    }

    for (;;) {
        struct signalfd_siginfo si;
        ssize_t n = read(sfd, &si, sizeof si);
        if (n != sizeof si) {
            if (n < 0 && errno == EINTR)
                continue;
            perror("quilt-init: read signalfd");
            return 1;
        }
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD) {
            int status;
            pid_t p;
            while ((p = waitpid(-1, &status, WNOHANG)) > 0)
                if (p == child)
                    return status_code(status);
        } else if (child > 0) {
            kill(child, sig);
        } else if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT) {
            return 128 + sig;
        }
    }
}
