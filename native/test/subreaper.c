/* Test helper: a child subreaper, as containerd's shim and conmon are for runc.
 *
 *   subreaper CMD [ARG...]
 *
 * Marks itself a child subreaper (prctl(PR_SET_CHILD_SUBREAPER)), runs CMD as
 * its child with CMD's stdout on our stderr, and prints one line per process
 * it reaps, in the order reaped: "PID exited CODE" or "PID killed SIGNAL"; so
 * an orphan of CMD's tree (a detached exec's command) shows up here with its
 * status.  Exits 0 once it has no children left. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: subreaper CMD [ARG...]\n");
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
        perror("prctl(PR_SET_CHILD_SUBREAPER)");
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        if (dup2(2, 1) < 0)
            _exit(126);
        execvp(argv[1], argv + 1);
        perror(argv[1]);
        _exit(127);
    }
    for (;;) {
        int status;
        pid_t got = waitpid(-1, &status, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            break; /* ECHILD: nobody left */
        if (WIFSIGNALED(status))
            printf("%d killed %d\n", (int)got, WTERMSIG(status));
        else
            printf("%d exited %d\n", (int)got, WEXITSTATUS(status));
    }
    return 0;
}
