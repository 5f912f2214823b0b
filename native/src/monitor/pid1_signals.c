#define _GNU_SOURCE
#include "pid1_signals.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define QUILT_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define QUILT_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "add this architecture's AUDIT_ARCH"
#endif

#define ARG_LO(n) (offsetof(struct seccomp_data, args) + (n) * sizeof(__u64))

int pid1_signals_install(void)
{
    struct sock_filter code[] = {
        /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, QUILT_AUDIT_ARCH, 0, 17),
        /* 2 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        /* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_kill, 2, 0),
        /* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_tkill, 1, 0),
        /* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_tgkill, 6, 13),
        /* kill(1, sig), tkill(1, sig) */
        /* 6 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
        /* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 11),
        /* 8 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
        /* 9 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SIGKILL, 8, 0),
        /* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SIGSTOP, 7, 8),
        /* 11 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), /* not reached */
        /* tgkill(1, 1, sig) */
        /* 12 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)),
        /* 13 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 5),
        /* 14 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
        /* 15 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SIGKILL, 2, 0),
        /* 16 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SIGSTOP, 1, 2),
        /* 17 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW), /* not reached */
        /* 18 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        /* 19 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { .len = sizeof code / sizeof code[0], .filter = code };
    int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    return fd < 0 ? -errno : fd;
}

int pid1_signals_answer(int listener, int init_pidfd)
{
    struct seccomp_notif req;
    struct seccomp_notif_resp resp;

    memset(&req, 0, sizeof req);
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
        return errno == EINTR || errno == ENOENT ? 0 : -errno;
    int sig = (int)(req.data.nr == __NR_tgkill ? req.data.args[2] : req.data.args[1]);
    memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    /* from the parent namespace the kernel does deliver it */
    if (syscall(SYS_pidfd_send_signal, init_pidfd, sig, NULL, 0) < 0)
        resp.error = -errno;
    /* the caller may already be dead of that very signal: ENOENT is fine */
    ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    return 0;
}
