/* common/clone_vm.h: the child shares our memory until it execs or exits, on its own stack, with its own fd table;
 * we resume only then; its exit status is fn's return. Runs without root. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clone_vm.h"
#include "tap.h"

static volatile int seen_by_child;    /* written by the child: ours too */
static volatile uintptr_t child_sp;   /* where the child's frame was */

struct job {
    int fd;         /* closed by the child in its own table */
    int status;     /* its exit status */
    char *const *argv; /* exec'd when set */
};

static int child_main(void *arg)
{
    struct job *j = arg;
    int local;
    child_sp = (uintptr_t)&local;
    seen_by_child = getpid();
    if (j->fd >= 0)
        close(j->fd);
    if (j->argv)
        execve(j->argv[0], j->argv, (char *const[]){ NULL });
    return j->status;
}

static int wait_status(pid_t pid)
{
    int st = 0;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(void)
{
    struct clone_vm_stack stack = { 0 };
    ok(clone_vm_stack_map(&stack, 64 * 1024) == 0 && stack.base && stack.size > 64 * 1024,
       "a stack is mapped, a guard page more than asked");

#if defined(__x86_64__)
    /* its writes are ours, and we resume only after it has run to its end */
    int fds[2];
    ok(pipe2(fds, O_CLOEXEC) == 0, "a pipe");
    struct job j = { .fd = fds[0], .status = 7 };
    struct clone_args args = { .exit_signal = SIGCHLD };
    int frame;
    pid_t pid = clone_vm_run(&args, &stack, child_main, &j);
    ok(pid > 0, "the child was made (%d)", (int)pid);
    ok(seen_by_child == pid, "what it wrote is in our memory, before we resume (%d)", seen_by_child);
    ok(child_sp > (uintptr_t)stack.base && child_sp < (uintptr_t)stack.base + stack.size,
       "it ran on the stack given, not ours (%p vs ours near %p)", (void *)child_sp, (void *)&frame);
    ok(fcntl(fds[0], F_GETFD) >= 0, "its close was in its own fd table: ours is open");
    ok(wait_status(pid) == 7, "its exit status is what fn returned");

    /* with CLONE_PIDFD, and an exec: we resume once it has exec'd, and the pidfd names it */
    int pidfd = -1;
    struct clone_args a2 = { .exit_signal = SIGCHLD, .flags = CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)&pidfd };
    char *argv[] = { "/bin/sh", "-c", "exit 3", NULL };
    struct job j2 = { .fd = -1, .status = 99, .argv = argv };
    seen_by_child = 0;
    pid = clone_vm_run(&a2, &stack, child_main, &j2);
    ok(pid > 0 && seen_by_child == pid, "the exec'ing child ran before we resumed");
    struct pollfd p = { .fd = pidfd, .events = POLLIN };
    ok(pidfd >= 0 && poll(&p, 1, -1) == 1, "its pidfd tells its end");
    ok(wait_status(pid) == 3, "it exec'd: the status is the program's, not fn's");

    /* a request the kernel refuses comes back as -errno, nothing made */
    struct clone_args bad = { .exit_signal = SIGCHLD, .flags = CLONE_INTO_CGROUP, .cgroup = (uint64_t)fds[1] };
    pid = clone_vm_run(&bad, &stack, child_main, &j);
    ok(pid < 0 && pid != -ENOSYS, "a refused clone is -errno (%d: %s)", (int)pid, pid < 0 ? strerror((int)-pid) : "");
    close(fds[1]);
    close(pidfd);
#else
    struct clone_args args = { .exit_signal = SIGCHLD };
    ok(clone_vm_run(&args, &stack, child_main, NULL) == -ENOSYS, "no trampoline here: -ENOSYS, the caller forks");
#endif
    return tap_done();
}
