/* confine.c: parsing the records, closing fds, the cwd check, and the
 * process-wide pieces that need no root (no_new_privs, a seccomp program,
 * an rlimit, a session keyring), each in a child so the runner is untouched. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/confine.h"
#include "quilt/proto.h"
#include "tap.h"

static int take(struct confine *c, uint16_t tag, const char *value)
{
    static char store[16][256];
    static int next;
    char *s = store[next++ % 16];
    snprintf(s, 256, "%s", value);
    const char *what = NULL;
    return confine_take(c, tag, s, (uint32_t)strlen(s), &what);
}

/* Runs fn in a child; its exit code */
static int in_child(int (*fn)(void))
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(fn());
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int fd_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

static int close_keeps_only_asked(void)
{
    int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY), c = open("/dev/null", O_RDONLY);
    int d = dup2(a, 40);
    int keep[] = { c, 2, 40 };
    if (a < 3 || d != 40 || confine_close_fds(keep, 3) < 0)
        return 10;
    return fd_open(a) || fd_open(b) || !fd_open(c) || !fd_open(40) || !fd_open(0) ? 11 : 0;
}

/* EPERM once the cwd is outside our root: chroot into a temp dir, then fchdir to the old root */
static char chroot_dir[] = "/tmp/quilt-confine-XXXXXX";

static int cwd_outside_refused(void)
{
    const char *dir = chroot_dir;
    int outside = open("/", O_PATH | O_DIRECTORY);
    if (geteuid() != 0 && unshare(CLONE_NEWUSER) < 0)
        return 12; /* no way to chroot without root or a user namespace */
    if (chroot(dir) < 0)
        return 13;
    struct confine_error e = { 0 };
    if (fchdir(outside) < 0) /* the cwd is now outside the root: what a leaked fd gives */
        return 14;
    /* "." resolves to that outside directory */
    int rc = confine_chdir(".", &e);
    return rc == -EPERM && e.step == QUILT_STEP_CWD ? 0 : 15;
}

static int cwd_inside_accepted(void)
{
    struct confine_error e = { 0 };
    return confine_chdir("/tmp", &e) == 0 ? 0 : 10;
}

static int finish_sets_nnp_and_filter(void)
{
    /* allows everything but getppid, which fails EPERM */
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct confine c;
    confine_init(&c);
    char bytes[sizeof code];
    memcpy(bytes, code, sizeof code);
    const char *what;
    if (take(&c, QUILT_T_NO_NEW_PRIVS, "1") != 1 ||
        confine_take(&c, QUILT_T_SECCOMP_BPF, bytes, sizeof bytes, &what) != 1)
        return 10;
    struct confine_error e = { 0 };
    if (confine_finish(&c, &e) < 0)
        return 11;
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        return 12;
    errno = 0;
    return syscall(__NR_getppid) == -1 && errno == EPERM ? 0 : 13;
}

static int process_sets_rlimit_umask_keyring(void)
{
    struct confine c;
    confine_init(&c);
    struct rlimit now;
    getrlimit(RLIMIT_NOFILE, &now);
    char v[64];
    snprintf(v, sizeof v, "RLIMIT_NOFILE 64 %llu", (unsigned long long)now.rlim_max);
    long before = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
    if (take(&c, QUILT_T_RLIMIT, v) != 1 || take(&c, QUILT_T_UMASK, "63") != 1 ||
        take(&c, QUILT_T_KEYRING, "_ses.test") != 1)
        return 10;
    struct confine_error e = { 0 };
    if (confine_process(&c, &e) < 0)
        return 11;
    struct rlimit got;
    getrlimit(RLIMIT_NOFILE, &got);
    mode_t m = umask(0);
    long after = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
    return got.rlim_cur == 64 && m == 077 && (after != before || after < 0) ? 0 : 12;
}

/* raising a hard limit past what the kernel allows (fs.nr_open) is EPERM, named */
static int rlimit_over_nr_open_named(void)
{
    struct confine c;
    confine_init(&c);
    if (take(&c, QUILT_T_RLIMIT, "RLIMIT_NOFILE 4294967296 4294967296") != 1)
        return 10;
    struct confine_error e = { 0 };
    int rc = confine_process(&c, &e);
    return rc == -EPERM && e.step == QUILT_STEP_RLIMIT && strcmp(e.object, "RLIMIT_NOFILE") == 0 ? 0 : 11;
}

int main(void)
{
    struct confine c;
    confine_init(&c);
    ok(take(&c, QUILT_T_CAPS, "ff 1 1 0 0") == 1 && c.has_caps && c.bounding == 0xff && c.effective == 1,
       "five hex masks parse");
    ok(take(&c, QUILT_T_CAPS, "ff 3 1 0 0") == -EINVAL, "effective beyond permitted is refused");
    ok(take(&c, QUILT_T_CAPS, "ff 1 1 0 1") == -EINVAL, "ambient beyond permitted and inheritable is refused");
    ok(take(&c, QUILT_T_CAPS, "ff 1 1 0") == -EINVAL, "four masks are refused");
    ok(take(&c, QUILT_T_RLIMIT, "RLIMIT_NOFILE 1024 -1") == 1 && c.n_rlimits == 1 &&
       c.rlimits[0].resource == RLIMIT_NOFILE && c.rlimits[0].lim.rlim_cur == 1024 &&
       c.rlimits[0].lim.rlim_max == RLIM_INFINITY && strcmp(c.rlimits[0].name, "RLIMIT_NOFILE") == 0,
       "an rlimit parses, -1 unlimited");
    ok(take(&c, QUILT_T_RLIMIT, "RLIMIT_NOPE 1 1") == -EINVAL, "an unknown rlimit is refused");
    ok(take(&c, QUILT_T_RLIMIT, "RLIMIT_CORE 2 1") == -EINVAL, "soft above hard is refused");
    ok(take(&c, QUILT_T_GROUPS, "10 20") == 1 && c.has_groups && c.n_groups == 2 && c.groups[1] == 20,
       "groups parse");
    ok(take(&c, QUILT_T_GROUPS, "") == 1 && c.has_groups && c.n_groups == 0, "no groups is setgroups(0)");
    ok(take(&c, QUILT_T_GROUPS, "x") == -EINVAL, "a named group is refused");
    ok(take(&c, QUILT_T_UMASK, "1000") == -EINVAL, "a umask over 0777 is refused");
    ok(take(&c, QUILT_T_OOM_SCORE_ADJ, "-1001") == -EINVAL, "oom_score_adj under -1000 is refused");
    ok(take(&c, QUILT_T_OOM_SCORE_ADJ, "500") == 1 && c.has_oom && c.oom_score_adj == 500, "oom_score_adj parses");
    ok(take(&c, QUILT_T_SYSCTL, "kernel.shmmax=1") == 1 && c.n_sysctls == 1, "a sysctl parses");
    ok(take(&c, QUILT_T_SYSCTL, "nokey") == -EINVAL && take(&c, QUILT_T_SYSCTL, "/x=1") == -EINVAL,
       "a sysctl without = or with a path is refused");
    char odd[12] = { 0 };
    const char *what;
    ok(confine_take(&c, QUILT_T_SECCOMP_BPF, odd, sizeof odd, &what) == -EINVAL,
       "a seccomp program not in 8-byte instructions is refused");
    ok(take(&c, QUILT_T_ID, "x") == 0, "other tags are not ours");
    ok(confine_binary_tag(QUILT_T_SECCOMP_BPF) && !confine_binary_tag(QUILT_T_SYSCTL), "only the program is binary");
    ok(confine_rlimit_resource("RLIMIT_NPROC") == RLIMIT_NPROC, "rlimit names map to numbers");

    ok(in_child(close_keeps_only_asked) == 0, "every fd from 3 is closed but the ones kept");
    ok(in_child(cwd_inside_accepted) == 0, "a cwd inside the root is accepted");
    int outside = mkdtemp(chroot_dir) ? in_child(cwd_outside_refused) : -1;
    rmdir(chroot_dir);
    ok(outside == 0, "a cwd outside the root is refused with EPERM (%d)", outside);
    ok(in_child(finish_sets_nnp_and_filter) == 0, "no_new_privs is set and the seccomp program loaded");
    ok(in_child(process_sets_rlimit_umask_keyring) == 0, "rlimit, umask and a fresh session keyring are applied");
    ok(in_child(rlimit_over_nr_open_named) == 0, "an rlimit the kernel refuses names itself");
    return tap_done();
}
