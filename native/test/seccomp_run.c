/* Test helper: seccomp_run PROGRAM.bpf|unconfined CMD [ARGS...]
 * Reads a compiled filter (an array of struct sock_filter, as SeccompFilters
 * gives it), sets no_new_privs, loads it with seccomp(2) and execs CMD: the
 * program works as is, without libseccomp, as the container's init will load it.
 * "unconfined" loads nothing.  Exit 125 when something before the exec fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct sock_filter program[BPF_MAXINSNS];

static int die(const char *what, const char *object, int err)
{
    fprintf(stderr, "seccomp_run: %s %s: %s\n", what, object, strerror(err));
    return 125;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: seccomp_run PROGRAM.bpf|unconfined CMD [ARGS...]\n");
        return 125;
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return die("prctl", "PR_SET_NO_NEW_PRIVS", errno);
    if (strcmp(argv[1], "unconfined") != 0) {
        int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return die("open", argv[1], errno);
        size_t got = 0;
        for (;;) {
            ssize_t n = read(fd, (char *)program + got, sizeof program - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return die("read", argv[1], errno);
            if (n == 0 || (got += (size_t)n) == sizeof program)
                break;
        }
        close(fd);
        if (got == 0 || got % sizeof program[0] != 0)
            return die("load", argv[1], EINVAL);
        struct sock_fprog prog = { .len = (unsigned short)(got / sizeof program[0]), .filter = program };
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
            return die("seccomp", argv[1], errno);
    }
    execvp(argv[2], argv + 2);
    return die("exec", argv[2], errno);
}
