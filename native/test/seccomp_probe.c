/* Test helper: seccomp_probe SYSCALL — makes that one syscall with arguments the
 * kernel refuses or that change nothing outside this process, and prints "OK" or
 * the errno's name (EPERM, EFAULT, ...).  Under a filter that refuses the call the
 * answer is the filter's errno; without one it is the kernel's own, so a test can
 * tell the two apart even as root (where the kernel's EPERM never comes). */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long probe(const char *name)
{
    struct timespec ts = { 0, 0 };
    if (strcmp(name, "getpid") == 0)
        return syscall(SYS_getpid);
    if (strcmp(name, "bpf") == 0)          /* no such command: EINVAL */
        return syscall(SYS_bpf, 0x7fff, NULL, 0);
    if (strcmp(name, "perf_event_open") == 0) /* attr NULL: EFAULT */
        return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
    if (strcmp(name, "userfaultfd") == 0)  /* every flag: EINVAL */
        return syscall(SYS_userfaultfd, ~0);
    if (strcmp(name, "clock_settime") == 0) /* the monotonic clock cannot be set: EINVAL */
        return syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts);
    if (strcmp(name, "swapoff") == 0)      /* path NULL: EFAULT */
        return syscall(SYS_swapoff, NULL);
    if (strcmp(name, "mount") == 0)        /* target NULL: EFAULT */
        return syscall(SYS_mount, NULL, NULL, NULL, 0, NULL);
    if (strcmp(name, "umount2") == 0)      /* target NULL: EFAULT */
        return syscall(SYS_umount2, NULL, 0);
    if (strcmp(name, "unshare_user") == 0) /* this process alone, which exits next */
        return syscall(SYS_unshare, CLONE_NEWUSER);
    if (strcmp(name, "keyctl") == 0)       /* KEYCTL_GET_KEYRING_ID of the session keyring, not created */
        return syscall(SYS_keyctl, 0, -3, 0);
    if (strcmp(name, "open_by_handle_at") == 0) /* handle NULL: EFAULT or EBADF */
        return syscall(SYS_open_by_handle_at, -1, NULL, 0);
    if (strcmp(name, "setns") == 0)        /* fd -1: EBADF */
        return syscall(SYS_setns, -1, 0);
    if (strcmp(name, "clone3") == 0)       /* args NULL, size 0: EINVAL */
        return syscall(SYS_clone3, NULL, 0);
    if (strcmp(name, "socket_inet") == 0)  /* a UDP socket, left to exit */
        return syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
    if (strcmp(name, "socket_vsock") == 0) /* a fd, or EAFNOSUPPORT without vsock */
        return syscall(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0);
    if (strcmp(name, "socket_alg") == 0)   /* a fd, or EAFNOSUPPORT without the crypto API */
        return syscall(SYS_socket, 38 /* AF_ALG */, SOCK_SEQPACKET, 0);
    if (strcmp(name, "io_uring_setup") == 0) /* params NULL: EFAULT (or EINVAL) */
        return syscall(SYS_io_uring_setup, 1, NULL);
    if (strcmp(name, "personality_norandom") == 0) /* this process alone, which exits next */
        return syscall(SYS_personality, ADDR_NO_RANDOMIZE);
#if defined(__x86_64__)
    if (strcmp(name, "x32_getpid") == 0)   /* the x32 ABI's getpid: ENOSYS on a kernel without x32 */
        return syscall(0x40000000 | SYS_getpid);
#endif
    fprintf(stderr, "seccomp_probe: unknown probe %s\n", name);
    return -2;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: seccomp_probe SYSCALL\n");
        return 2;
    }
    errno = 0;
    long rc = probe(argv[1]);
    if (rc == -2)
        return 2;
    if (rc >= 0)
        puts("OK");
    else
        puts(strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
    return 0;
}
