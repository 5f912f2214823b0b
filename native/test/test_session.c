/* exec/session.c without root: the JVM's control messages, the pty's size, and a session whose JVM dies. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "quilt/proto.h"
#include "common/tlv.h"
#include "exec/session.h"
#include "tap.h"

static int parse(int type, int rows_tag, const char *rows, int cols_tag, const char *cols, struct session_control *c)
{
    uint8_t buf[256];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, type);
    if (rows)
        tlv_put_str(&w, (uint16_t)rows_tag, rows);
    if (cols)
        tlv_put_str(&w, (uint16_t)cols_tag, cols);
    return session_parse_control(w.buf, w.len, c);
}

/* The JVM's part: FDS with its output end (or nothing), then it reads EXEC_STARTED and dies. */
static pid_t fake_jvm(int jvm_end, int jvm_out, int hold, int our_sync, int cmd_out)
{
    uint8_t buf[64];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, QUILT_MSG_FDS);
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = buf, .iov_len = w.len };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &jvm_out, sizeof(int));
    if (hold && sendmsg(jvm_end, &m, 0) < 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(our_sync);
        close(cmd_out);
        uint8_t in[256];
        ssize_t n = recv(jvm_end, in, sizeof in, 0); /* EXEC_STARTED; then we die with both ends */
        _exit(n > 0 ? 0 : 1);
    }
    return pid;
}

/* A session whose JVM dies once the command has started; the command then writes 512 KB, more than a socket
 * holds, and exits 7.  Its exit status as session_run reports it. */
static int orphaned_session(int hold)
{
    int sync[2], out[2], ready[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) < 0)
        return -1;
    pid_t jvm = fake_jvm(sync[0], out[0], hold, sync[1], out[1]);
    close(sync[0]);
    close(out[0]);
    if (jvm < 0 || pipe2(ready, O_CLOEXEC) < 0) /* made after the fake JVM, which must not hold its write end */
        return -1;
    pid_t cmd = fork();
    if (cmd == 0) {
        signal(SIGPIPE, SIG_DFL);
        close(ready[1]); /* "exec'd" */
        static char chunk[65536];
        memset(chunk, 'x', sizeof chunk);
        for (int i = 0; i < 8; i++)
            if (write(out[1], chunk, sizeof chunk) < 0)
                _exit(1);
        _exit(7);
    }
    close(ready[1]);
    close(out[1]);
    struct session s = { .pid = cmd, .pidfd = (int)syscall(SYS_pidfd_open, cmd, 0), .ready = ready[0],
                         .sync = sync[1], .master = -1 };
    int code = session_run(&s);
    waitpid(jvm, NULL, 0);
    close(s.pidfd);
    close(ready[0]);
    close(sync[1]);
    return code;
}

int main(void)
{
    struct session_control c;
    ok(parse(QUILT_MSG_RESIZE, QUILT_T_ROWS, "40", QUILT_T_COLS, "132", &c) == 0 && c.type == QUILT_MSG_RESIZE
       && c.rows == 40 && c.cols == 132, "RESIZE gives rows and columns");
    ok(parse(QUILT_MSG_RESIZE, QUILT_T_ROWS, "40", 0, NULL, &c) == -EINVAL, "RESIZE without columns is refused");
    ok(parse(QUILT_MSG_RESIZE, QUILT_T_ROWS, "0", QUILT_T_COLS, "80", &c) == -EINVAL, "zero rows are refused");
    ok(parse(QUILT_MSG_RESIZE, QUILT_T_ROWS, "65536", QUILT_T_COLS, "80", &c) == -EINVAL, "rows past 65535 are refused");
    ok(parse(QUILT_MSG_RESIZE, QUILT_T_ROWS, "4x", QUILT_T_COLS, "80", &c) == -EINVAL, "a size that is no number is refused");
    ok(parse(QUILT_MSG_SIGNAL, QUILT_T_SIGNAL, "15", 0, NULL, &c) == 0 && c.type == QUILT_MSG_SIGNAL && c.signal == 15,
       "SIGNAL gives its number");
    ok(parse(QUILT_MSG_SIGNAL, QUILT_T_SIGNAL, "65", 0, NULL, &c) == -EINVAL, "a signal past 64 is refused");
    ok(parse(QUILT_MSG_SIGNAL, 0, NULL, 0, NULL, &c) == -EINVAL, "SIGNAL without a number is refused");
    ok(parse(QUILT_MSG_EXEC, QUILT_T_SIGNAL, "9", 0, NULL, &c) == -EINVAL, "another message type is refused");
    uint8_t junk[3] = { 1, 2, 3 };
    ok(session_parse_control(junk, sizeof junk, &c) == -EINVAL, "a cut record is refused");

    int m = posix_openpt(O_RDWR | O_NOCTTY);
    struct winsize ws = { 0 };
    int opened = m >= 0 && grantpt(m) == 0 && unlockpt(m) == 0;
    ok(opened && session_size(m, 33, 101) == 0 && ioctl(m, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 33 && ws.ws_col == 101,
       "session_size sets the pty's window");
    ok(opened && session_size(m, 0, 0) == 0 && ioctl(m, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 33,
       "no size leaves the window as it is");
    ok(session_size(-1, 10, 10) == -EBADF, "a bad fd is -EBADF");

    uint8_t fds_msg[32], other[32];
    struct tlv_writer fw = { fds_msg, sizeof fds_msg, 0 }, ow = { other, sizeof other, 0 };
    tlv_put_long(&fw, QUILT_T_TYPE, QUILT_MSG_FDS);
    tlv_put_long(&ow, QUILT_T_TYPE, QUILT_MSG_RESIZE);
    ok(session_is_fds(fds_msg, fw.len) && !session_is_fds(other, ow.len), "FDS is told from the other messages");
    int held = orphaned_session(1);
    ok(held == 7, "the JVM gone, its output end held and drained: the command runs to its own end (%d)", held);
    int dropped = orphaned_session(0);
    ok(dropped == 128 + SIGPIPE, "without the JVM's end held, its writes meet SIGPIPE (%d)", dropped);
    return tap_done();
}
