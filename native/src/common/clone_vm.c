#define _GNU_SOURCE
#include "clone_vm.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int clone_vm_stack_map(struct clone_vm_stack *s, size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size = (size + page - 1) / page * page + page;
    void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
        return -errno;
    if (mprotect(m, page, PROT_NONE) < 0) { /* an overflow faults instead of writing below the stack */
        int err = errno;
        munmap(m, size);
        return -err;
    }
    s->base = m;
    s->size = size;
    return 0;
}

#if defined(__x86_64__)
#define QUILT_STR2(x) #x
#define QUILT_STR(x) QUILT_STR2(x)
/* long quilt_clone3_vm(struct clone_args *args, size_t size, int (*fn)(void *), void *arg)
 * rdi, rsi: clone3's; rdx: fn; rcx: arg, kept in r8 (a syscall changes rax, rcx and r11 only).  The child starts
 * on its stack's top (clone3 sets rsp to stack + stack_size, 16-byte aligned here), calls fn and exits with what it
 * returned; we return clone3's answer, the child's pid or -errno. */
__asm__(".text\n"
        ".globl quilt_clone3_vm\n"
        ".hidden quilt_clone3_vm\n"
        ".type quilt_clone3_vm, @function\n"
        "quilt_clone3_vm:\n"
        "    mov %rcx, %r8\n"
        "    mov $" QUILT_STR(__NR_clone3) ", %eax\n"
        "    syscall\n"
        "    test %rax, %rax\n"
        "    jnz 1f\n"
        "    xor %ebp, %ebp\n"
        "    mov %r8, %rdi\n"
        "    call *%rdx\n"
        "    mov %eax, %edi\n"
        "    mov $" QUILT_STR(__NR_exit) ", %eax\n"
        "    syscall\n"
        "    hlt\n"
        "1:  ret\n"
        ".size quilt_clone3_vm, .-quilt_clone3_vm\n");
long quilt_clone3_vm(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);

pid_t clone_vm_run(struct clone_args *args, const struct clone_vm_stack *stack, int (*fn)(void *), void *arg)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    args->flags |= CLONE_VM | CLONE_VFORK;
    args->stack = (uint64_t)(uintptr_t)stack->base + page; /* above the guard page */
    args->stack_size = (stack->size - page) & ~(size_t)15;
    return (pid_t)quilt_clone3_vm(args, sizeof *args, fn, arg);
}
#else
pid_t clone_vm_run(struct clone_args *args, const struct clone_vm_stack *stack, int (*fn)(void *), void *arg)
{
    (void)args;
    (void)stack;
    (void)fn;
    (void)arg;
    return -ENOSYS;
}
#endif
