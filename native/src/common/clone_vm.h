/* A child that borrows our memory until it execs, as posix_spawn's does.
 *
 * clone_vm_run() adds CLONE_VM | CLONE_VFORK to a clone3(2) request: the child
 * runs fn(arg) on a stack of its own inside our address space, and we are
 * suspended until it execs or exits.  Against a plain clone3 (a fork) that
 * saves copying our page tables, the child's copy-on-write faults, and the
 * teardown of that copy at its execve: about 0.3 ms of CPU per command here
 * (perf, docs/BENCHMARKS.md section 15).  The rules of vfork(2) apply to fn:
 * everything it writes outside its own stack (globals, the heap, errno) is
 * ours too, so it writes nothing we read after, and it never returns into our
 * frames: its return value is the child's exit status.  Its fd table,
 * signal handlers, credentials, cwd and umask are its own (no CLONE_FILES,
 * CLONE_SIGHAND, CLONE_FS); so are its seccomp filter and no_new_privs.  The
 * kernel still honours the request's other flags (CLONE_INTO_CGROUP,
 * CLONE_PIDFD).
 *
 * Written for x86_64 (a few lines of assembly: the child must switch to its
 * stack before it calls anything).  Elsewhere clone_vm_run() returns -ENOSYS
 * and the caller forks, as it did before.
 */
#ifndef QUILT_CLONE_VM_H
#define QUILT_CLONE_VM_H

#include <linux/sched.h>
#include <stddef.h>
#include <sys/types.h>

/* The stack a child of clone_vm_run() runs on: mapped once, a guard page below it. */
struct clone_vm_stack {
    void *base;  /* the mapping, guard page included; NULL until clone_vm_stack_map() */
    size_t size; /* bytes mapped */
};

/* Maps `size` bytes (rounded up to pages) plus a guard page.  0 or -errno. */
int clone_vm_stack_map(struct clone_vm_stack *s, size_t size);

/* clone3(args) with CLONE_VM | CLONE_VFORK, the child running fn(arg) on `stack`; returns once it has exec'd or
 * exited: its pid, or -errno (-ENOSYS where no trampoline is written).  args->stack and stack_size are set here. */
pid_t clone_vm_run(struct clone_args *args, const struct clone_vm_stack *stack, int (*fn)(void *), void *arg);

#endif
