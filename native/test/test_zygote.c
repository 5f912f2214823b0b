/* exec/zygote.c without root: the ZYGOTE message, a FORK's fds over a socket
 * pair, the child's fds, the loop's fork, EXEC_EXITED, and its two ends (the
 * control socket's end of file, the init's exit). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "common/tlv.h"
#include "exec/zygote.h"
#include "monitor/procfs.h"
#include "tap.h"

static size_t message(uint8_t *buf, size_t size, long long type, long long pid, long long start)
{
    struct tlv_writer w = { buf, size, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, type);
    if (pid >= 0)
        tlv_put_long(&w, QUILT_T_PID, pid);
    if (start >= 0)
        tlv_put_long(&w, QUILT_T_START_TIME, start);
    return w.len;
}

static void parsing(void)
{
    uint8_t buf[256];
    struct zygote z;
    size_t n = message(buf, sizeof buf, QUILT_MSG_ZYGOTE, 42, 12345);
    ok(zygote_is_request(buf, n), "a ZYGOTE message is known as one");
    ok(zygote_parse(buf, n, &z) == 0 && z.pid == 42 && z.start_time == 12345 && z.pidfd == -1 && z.proc_dir == -1,
       "ZYGOTE gives the init's pid and start time");
    n = message(buf, sizeof buf, QUILT_MSG_EXEC, 42, 12345);
    ok(!zygote_is_request(buf, n) && zygote_parse(buf, n, &z) == -EINVAL, "an EXEC is no ZYGOTE");
    n = message(buf, sizeof buf, QUILT_MSG_ZYGOTE, -1, 12345);
    ok(zygote_parse(buf, n, &z) == -EINVAL, "a ZYGOTE without a pid is refused");
    n = message(buf, sizeof buf, QUILT_MSG_ZYGOTE, 42, -1);
    ok(zygote_parse(buf, n, &z) == -EINVAL, "a ZYGOTE without a start time is refused");
    struct tlv_writer w = { buf, sizeof buf, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_ZYGOTE);
    tlv_put_str(&w, QUILT_T_PID, "4x");
    tlv_put_long(&w, QUILT_T_START_TIME, 1);
    ok(zygote_parse(buf, w.len, &z) == -EINVAL, "a pid that is not a number is refused");

    /* the container's cgroup dirs, as an EXEC names them: kept, for the exec to use the zygote's fds */
    w.len = message(buf, sizeof buf, QUILT_MSG_ZYGOTE, 42, 12345);
    tlv_put_str(&w, QUILT_T_CGROUP_V1, "/sys/fs/cgroup/pids/q/c");
    tlv_put_str(&w, QUILT_T_CGROUP_V1, "/sys/fs/cgroup/unified/q/c");
    ok(zygote_parse(buf, w.len, &z) == 0 && z.n_cgroup_v1 == 2 && !z.cgroup_v2 &&
       strcmp(z.cgroup_v1[1], "/sys/fs/cgroup/unified/q/c") == 0 && z.cgroups.n == 0 && z.cgroups.v2_fd == -1,
       "ZYGOTE gives the cgroup dirs, none opened yet");
    const char *same[] = { "/sys/fs/cgroup/pids/q/c", "/sys/fs/cgroup/unified/q/c" };
    const char *other[] = { "/sys/fs/cgroup/pids/q/c", "/sys/fs/cgroup/unified/q/d" };
    ok(zygote_same_cgroups(&z, NULL, same, 2), "an EXEC with the same dirs uses the zygote's");
    ok(!zygote_same_cgroups(&z, NULL, other, 2) && !zygote_same_cgroups(&z, NULL, same, 1) &&
       !zygote_same_cgroups(&z, "/sys/fs/cgroup/q/c", same, 2), "another dir, count or cgroup2 dir: its own");
    zygote_free(&z);
    w.len = message(buf, sizeof buf, QUILT_MSG_ZYGOTE, 42, 12345);
    tlv_put_str(&w, QUILT_T_PROBE_PATH, "/usr/lib/quilt/quilt-init");
    ok(zygote_parse(buf, w.len, &z) == 0 && z.probe_path && strcmp(z.probe_path, "/usr/lib/quilt/quilt-init") == 0 &&
       z.probe_fd == -1, "ZYGOTE gives the probe's binary, not copied yet");
    zygote_free(&z);
    uint8_t nul[] = { '/', 0, 'x' };
    w.len = message(buf, sizeof buf, QUILT_MSG_ZYGOTE, 42, 12345);
    tlv_put(&w, QUILT_T_CGROUP_V1, nul, sizeof nul);
    ok(zygote_parse(buf, w.len, &z) == -EINVAL, "a dir with a NUL is refused");
}

static ino_t inode(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

static void fork_message(void)
{
    int sv[2], p[2], q[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
    if (pipe2(p, O_CLOEXEC) < 0)
        abort();
    if (pipe2(q, O_CLOEXEC) < 0)
        abort();
    int sent[ZYGOTE_FDS] = { p[0], p[1], q[0], q[1] };
    ok(zygote_send_fork(sv[0], sent) == 0, "a FORK goes with four fds");
    int got[ZYGOTE_FDS];
    ok(zygote_receive_fork(sv[1], got) == 1, "and comes as one");
    int same = 1;
    for (int i = 0; i < ZYGOTE_FDS; i++)
        same &= inode(got[i]) == inode(sent[i]) && (fcntl(got[i], F_GETFD) & FD_CLOEXEC);
    ok(same, "each received fd is the sent one's file, close-on-exec");
    for (int i = 0; i < ZYGOTE_FDS; i++)
        close(got[i]);
    /* one fd only: refused, and the fd it carried is closed (the pipe's reader sees the end) */
    int one[1] = { p[1] };
    uint8_t head[32];
    struct tlv_writer w = { head, sizeof head, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_FORK);
    struct iovec iov = { .iov_base = head, .iov_len = w.len };
    union {
        char space[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space,
                          .msg_controllen = sizeof control.space };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), one, sizeof one);
    sendmsg(sv[0], &msg, 0);
    ok(zygote_receive_fork(sv[1], got) == -EBADMSG, "a FORK with one fd is refused");
    /* an EXEC with four fds is no FORK */
    w.len = 0;
    tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_EXEC);
    union {
        char space[CMSG_SPACE(sizeof(int) * ZYGOTE_FDS)];
        struct cmsghdr align;
    } control4;
    iov.iov_len = w.len;
    msg.msg_control = control4.space;
    msg.msg_controllen = sizeof control4.space;
    c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * ZYGOTE_FDS);
    memcpy(CMSG_DATA(c), sent, sizeof sent);
    sendmsg(sv[0], &msg, 0);
    ok(zygote_receive_fork(sv[1], got) == -EBADMSG, "another type with four fds is refused");
    close(p[1]);
    close(q[1]);
    char b;
    ok(read(p[0], &b, 1) == 0, "the refused messages' fds are closed (the pipe's end of file came)");
    close(sv[0]);
    ok(zygote_receive_fork(sv[1], got) == 0, "the sender's close is the end of file");
    close(sv[1]);
    close(p[0]);
    close(q[0]);
}

/* The child's fds: sources at the targets' own numbers (swapped) still land where they must. */
static void placing(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        int a[2], b[2];
        if (pipe(a) < 0)
            abort();
        if (pipe(b) < 0)
            abort();
        int null = open("/dev/null", O_RDONLY);
        ino_t want[6] = { inode(a[0]), inode(a[1]), inode(b[0]), inode(b[1]), inode(0), 0 };
        /* stdin last and fd 0 itself as a kept one: every copy is taken before any dup2 */
        int fds[ZYGOTE_FDS] = { a[0], a[1], b[0], b[1] };
        int keep[2] = { 0, -1 };
        if (zygote_place_fds(fds, keep, 2) < 0)
            _exit(10);
        for (int i = 0; i < 5; i++) {
            if (inode(i) != want[i])
                _exit(20 + i);
        }
        if (fcntl(5, F_GETFD) >= 0 || fcntl(6, F_GETFD) >= 0 || fcntl(null, F_GETFD) >= 0)
            _exit(30); /* the -1 slot's number and every other fd are closed */
        if ((fcntl(0, F_GETFD) & FD_CLOEXEC) || !(fcntl(4, F_GETFD) & FD_CLOEXEC))
            _exit(31); /* 0-3 as stdio and fd 3 are, the kept ones close-on-exec */
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child's fds are placed (status %d)",
       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* In a child: two pipes' four ends put at at[0..3] (the FORK's fds) and /dev/null at 4 and 5 (the kept ones),
 * then placed; its exit status says what went wrong (0: all four on 0-3 without close-on-exec, the kept ones
 * in place with it, every other fd and number `stray` closed). */
static pid_t place_in_child(const int at[ZYGOTE_FDS], int stray)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    int a[2], b[2];
    if (pipe(a) < 0 || pipe(b) < 0)
        abort();
    int k = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int *all[] = { &a[0], &a[1], &b[0], &b[1], &k };
    for (int i = 0; i < 5; i++) { /* all of them above where they go, first */
        int high = fcntl(*all[i], F_DUPFD_CLOEXEC, 40);
        close(*all[i]);
        *all[i] = high;
    }
    ino_t want[6] = { inode(a[0]), inode(a[1]), inode(b[0]), inode(b[1]), inode(k), inode(k) };
    int src[ZYGOTE_FDS] = { a[0], a[1], b[0], b[1] };
    for (int i = 0; i < ZYGOTE_FDS; i++)
        if (dup3(src[i], at[i], O_CLOEXEC) < 0)
            _exit(9);
    if (dup3(k, 4, O_CLOEXEC) < 0 || dup3(k, 5, O_CLOEXEC) < 0)
        _exit(9);
    int keep[2] = { 4, 5 };
    if (zygote_place_fds(at, keep, 2) < 0)
        _exit(10);
    for (int i = 0; i < 6; i++)
        if (inode(i) != want[i])
            _exit(20 + i);
    if (fcntl(6, F_GETFD) >= 0 || fcntl(stray, F_GETFD) >= 0 || fcntl(40, F_GETFD) >= 0)
        _exit(30); /* every other fd is closed */
    for (int i = 0; i < ZYGOTE_FDS; i++)
        if (fcntl(i, F_GETFD) & FD_CLOEXEC)
            _exit(31); /* stdio and fd 3, also one that was in place, reach the command */
    if (!(fcntl(4, F_GETFD) & FD_CLOEXEC) || !(fcntl(5, F_GETFD) & FD_CLOEXEC))
        _exit(32);
    _exit(0);
}

static void placed(pid_t pid, const char *what)
{
    int status;
    waitpid(pid, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s (status %d)", what,
       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* The usual case: the kept fds at their numbers already, the FORK's above them; only those four move. */
static void placing_in_place(void)
{
    const int at[ZYGOTE_FDS] = { 20, 21, 22, 23 };
    placed(place_in_child(at, 20), "kept fds already in place stay, the FORK's are placed");
}

/* A spare's case: the kept fds in place, the FORK's at the lowest free numbers, some in the targets' range
 * (3 for 0, 1 its own, 9 for 2, 0 for 3). */
static void placing_low(void)
{
    const int at[ZYGOTE_FDS] = { 3, 1, 9, 0 };
    placed(place_in_child(at, 9), "a spare's fds at low numbers are placed around the kept ones");
}

static int read_type(int fd, long long *pid, long long *code)
{
    uint8_t buf[256];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0)
        return (int)n;
    struct tlv_reader r = { .buf = buf, .len = (size_t)n };
    uint16_t tag;
    const uint8_t *val;
    uint32_t len;
    int type = -1;
    while (tlv_next(&r, &tag, &val, &len) > 0) {
        char s[24] = "";
        memcpy(s, val, len < sizeof s - 1 ? len : sizeof s - 1);
        if (tag == QUILT_T_TYPE)
            type = atoi(s);
        else if (tag == QUILT_T_PID && pid)
            *pid = atoll(s);
        else if (tag == QUILT_T_EXIT_CODE && code)
            *code = atoll(s);
    }
    return type;
}

/* A zygote of `init` on a fresh control socket, in a child of ours; returns its pid, *control our end. */
static pid_t start_zygote(pid_t init, int hold, int *control)
{
    int sv[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
    /* the init is checked here, before the test can end it; the zygote inherits its fds */
    struct zygote z = { .pid = init };
    int opened = proc_start_time(init, &z.start_time) == 0 && zygote_open_init(&z) == 0;
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        close(hold); /* the init's life is the test's to end */
        if (!opened)
            _exit(40);
        int is_child = 0;
        int rc = zygote_run(sv[1], &z, &is_child);
        if (!is_child)
            _exit(rc < 0 ? 41 : 0);
        /* the forked child: its session, its fds; it says so on fd 1 and fd 3 and ends with 7 */
        char line[64];
        int n = snprintf(line, sizeof line, "%d %d %d %d\n", getsid(0) == getpid(), fcntl(6, F_GETFD) < 0,
                         z.pidfd == ZYGOTE_FDS && fcntl(ZYGOTE_FDS, F_GETFD) >= 0, prctl(PR_GET_DUMPABLE) == 0);
        if (rc < 0 || write(1, line, (size_t)n) != n)
            _exit(50);
        _exit(7);
    }
    close(sv[1]);
    if (opened) {
        close(z.pidfd);
        if (z.proc_dir >= 0)
            close(z.proc_dir);
    }
    *control = sv[0];
    return pid;
}

/* Whether our only child is `pid` (-1: we have none): /proc's children list of our thread (we are the
 * subreaper, so a zygote's orphan would be there). */
static int only_child(pid_t pid)
{
    char path[64], buf[256] = "";
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0)
        return 0;
    char want[32] = "";
    if (pid > 0)
        snprintf(want, sizeof want, "%d ", (int)pid);
    return strcmp(buf, want) == 0;
}

static pid_t start_init(int *hold)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        abort();
    pid_t pid = fork();
    if (pid == 0) {
        close(p[1]);
        char b;
        ssize_t ignored = read(p[0], &b, 1); /* until the test lets go */
        (void)ignored;
        _exit(0);
    }
    close(p[0]);
    *hold = p[1];
    return pid;
}

static void loop(void)
{
    int hold;
    pid_t init = start_init(&hold);
    int control;
    pid_t zygote = start_zygote(init, hold, &control);
    int sv[2], out[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
    if (pipe2(out, O_CLOEXEC) < 0)
        abort();
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    int fds[ZYGOTE_FDS] = { null, out[1], null, sv[1] };
    ok(zygote_send_fork(control, fds) == 0, "FORK is sent to the zygote");
    close(sv[1]);
    close(out[1]);
    char line[64] = "";
    ssize_t n = read(out[0], line, sizeof line - 1);
    ok(n > 0 && strcmp(line, "1 1 1 1\n") == 0, "the child has our stdout, its own session, none of the zygote's "
       "fds but the init's pidfd on 4, and is non-dumpable as the zygote is (%s)", n > 0 ? line : "nothing");
    long long pid = 0, code = -1;
    int first = read_type(sv[0], &pid, NULL);
    ok(first == QUILT_MSG_FORKED && pid > 0, "the zygote's FORKED with its pid comes first on its socket");
    int second = read_type(sv[0], NULL, &code);
    ok(second == QUILT_MSG_EXEC_EXITED && code == 7, "then the zygote's EXEC_EXITED with its status (%lld)", code);
    ok(read_type(sv[0], NULL, NULL) == 0, "then the end of file: the zygote let go of its copy");
    ok(kill((pid_t)pid, 0) < 0 && errno == ESRCH, "the child was reaped by the zygote");
    /* a second FORK: the spare forked when the first child ended takes it, and is like any child */
    int sv2[2], out2[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv2);
    if (pipe2(out2, O_CLOEXEC) < 0)
        abort();
    int fds2[ZYGOTE_FDS] = { null, out2[1], null, sv2[1] };
    ok(zygote_send_fork(control, fds2) == 0, "a second FORK is sent");
    close(sv2[1]);
    close(out2[1]);
    char line2[64] = "";
    n = read(out2[0], line2, sizeof line2 - 1);
    ok(n > 0 && strcmp(line2, "1 1 1 1\n") == 0, "the second child is placed as the first (%s)", n > 0 ? line2 : "nothing");
    long long pid2 = 0;
    ok(read_type(sv2[0], &pid2, NULL) == QUILT_MSG_FORKED && pid2 > 0 && pid2 != pid, "its FORKED names another child");
    code = -1;
    ok(read_type(sv2[0], NULL, &code) == QUILT_MSG_EXEC_EXITED && code == 7, "and its EXEC_EXITED its status (%lld)", code);
    ok(read_type(sv2[0], NULL, NULL) == 0, "then its end of file");
    close(sv2[0]);
    close(out2[0]);
    /* a FORK that is not one changes nothing: the zygote goes on */
    uint8_t junk[16];
    struct tlv_writer w = { junk, sizeof junk, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_FORK);
    send(control, junk, w.len, 0);
    ok(kill(zygote, 0) == 0, "a FORK without fds is dropped, the zygote stays");
    close(control);
    int status;
    waitpid(zygote, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the control socket's end of file ends the zygote (status %d)",
       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    ok(only_child(init), "the zygote's spare ended before it: no orphan came to us, the init is our only child");
    close(hold);
    waitpid(init, NULL, 0);
    close(sv[0]);
    close(out[0]);
    close(null);

    /* the init's end ends it too */
    init = start_init(&hold);
    zygote = start_zygote(init, hold, &control);
    close(hold);
    waitpid(init, NULL, 0);
    waitpid(zygote, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the init's exit ends the zygote (status %d)",
       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    ok(only_child(-1), "and its spare before it: we have no child left");
    close(control);
}

static void reused_pid(void)
{
    int hold;
    pid_t init = start_init(&hold);
    struct zygote z = { .pid = init };
    proc_start_time(init, &z.start_time);
    z.start_time += 1;
    ok(zygote_open_init(&z) == -ESRCH, "an init with another start time is refused (a reused pid)");
    close(hold);
    waitpid(init, NULL, 0);
    z.start_time -= 1;
    ok(zygote_open_init(&z) == -ESRCH, "a gone init is refused");
}

/* The probe's sealed copy, made once by the zygote for every probe: sealed as each probe's own was. */
static void probe_copy(void)
{
    int hold;
    pid_t init = start_init(&hold);
    struct zygote z = { .pid = init, .probe_path = "/proc/self/exe" };
    proc_start_time(init, &z.start_time);
    int rc = zygote_open_init(&z);
    int seals = z.probe_fd >= 0 ? fcntl(z.probe_fd, F_GET_SEALS) : 0;
    int want = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
    ok(rc == 0 && z.probe_fd >= 0 && (seals & want) == want && inode(z.probe_fd) != 0,
       "the zygote makes the probe's sealed copy once");
    ok(z.probe_fd < 0 || write(z.probe_fd, "x", 1) < 0, "nothing can write into it");
    close(z.probe_fd);
    close(z.pidfd);
    close(z.proc_dir);
    z.probe_path = "/nonexistent/quilt-init";
    ok(zygote_open_init(&z) == 0 && z.probe_fd == -1, "a probe that cannot be copied is each probe's to copy");
    close(z.pidfd);
    close(z.proc_dir);
    z.probe_path = NULL;
    z.probe_fd = 0;
    ok(zygote_open_init(&z) == 0 && z.probe_fd == -1, "no probe: no copy");
    close(z.pidfd);
    close(z.proc_dir);
    close(hold);
    waitpid(init, NULL, 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_CHILD_SUBREAPER, 1); /* a zygote's orphans (its spare) come to us, to be waited for */
    parsing();
    fork_message();
    placing();
    placing_in_place();
    placing_low();
    loop();
    reused_pid();
    probe_copy();
    return tap_done();
}
