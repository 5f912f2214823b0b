/* runc's process tree without root: the CONFIG records of tags 90-93, the FDS
 * message, moving the init's own fds out of 3..3+N-1 and placing the preserved
 * ones there, and closing everything above them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/confine.h"
#include "common/fd_pass.h"
#include "common/tlv.h"
#include "monitor/config.h"
#include "monitor/tree.h"
#include "quilt/proto.h"
#include "tap.h"

static void base(struct tlv_writer *w)
{
    tlv_put_long(w, QUILT_T_TYPE, QUILT_MSG_CONFIG);
    tlv_put_str(w, QUILT_T_ID, "runc1");
    tlv_put_str(w, QUILT_T_STATE_DIR, "/run/quilt/runc1");
    tlv_put_str(w, QUILT_T_LOWER, "/b/rootfs");
    tlv_put_str(w, QUILT_T_MERGED, "/c/merged");
    tlv_put_str(w, QUILT_T_ARG, "sh");
}

static int is_open(int fd)
{
    return fcntl(fd, F_GETFD) >= 0;
}

/* Sends an FDS message (type given) with fds over sock. */
static void send_fds(int sock, int type, const int *fds, int n)
{
    uint8_t head[32];
    struct tlv_writer w = { head, sizeof head, 0 };
    tlv_put_long(&w, QUILT_T_TYPE, type);
    int rc = fd_pass_send(sock, head, w.len, fds, n);
    if (rc < 0)
        ok(0, "sendmsg: %s", strerror(-rc));
}

int main(void)
{
    uint8_t buf[4096];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    struct container_config cfg;
    const char *what;

    base(&w);
    ok(config_parse(&cfg, buf, w.len, &what) == 0 && !cfg.handed_off && !cfg.console_socket && cfg.preserve_fds == 0 &&
       cfg.console_fd == -1 && cfg.preserved[0] == -1, "without the records: quilt's own tree, no console, no fds");
    config_free(&cfg);

    w.len = 0;
    base(&w);
    tlv_put_long(&w, QUILT_T_HANDED_OFF, 1);
    tlv_put_str(&w, QUILT_T_CONSOLE_SOCKET, "/run/conmon/console.sock");
    tlv_put_str(&w, QUILT_T_CONSOLE_SIZE, "24 80");
    tlv_put_long(&w, QUILT_T_PRESERVE_FDS, 2);
    ok(config_parse(&cfg, buf, w.len, &what) == 0, "runc's create flags parse");
    ok(cfg.handed_off && !strcmp(cfg.console_socket, "/run/conmon/console.sock"), "handed off, with its console socket");
    ok(cfg.console_rows == 24 && cfg.console_cols == 80, "console size: rows then columns");
    ok(cfg.preserve_fds == 2, "two fds to preserve");
    config_free(&cfg);

    w.len = 0;
    base(&w);
    tlv_put_str(&w, QUILT_T_CONSOLE_SIZE, "24x80");
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL && !strcmp(what, "console size"), "a bad size is EINVAL naming it");

    w.len = 0;
    base(&w);
    tlv_put_long(&w, QUILT_T_PRESERVE_FDS, CONFIG_MAX_PRESERVED_FDS + 1);
    ok(config_parse(&cfg, buf, w.len, &what) == -E2BIG && !strcmp(what, "preserve fds"),
       "more fds than one message can carry (SCM_MAX_FD) is E2BIG");

    w.len = 0;
    base(&w);
    tlv_put_long(&w, QUILT_T_HANDED_OFF, 1);
    tlv_put_str(&w, QUILT_T_UID_MAP, "0 100000 65536\n");
    tlv_put_str(&w, QUILT_T_GID_MAP, "0 100000 65536\n");
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL && strstr(what, "user namespace"),
       "a handed-off init in a user namespace is refused (CLONE_PARENT with CLONE_NEWUSER is EINVAL): %s", what);

    /* the FDS message */
    int sp[2], a[2], b[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0 || pipe2(a, O_CLOEXEC) < 0 ||
        pipe2(b, O_CLOEXEC) < 0) {
        ok(0, "socketpair, pipes: %s", strerror(errno));
        return tap_done();
    }
    w.len = 0;
    base(&w);
    tlv_put_long(&w, QUILT_T_PRESERVE_FDS, 2);
    config_parse(&cfg, buf, w.len, &what);
    int two[] = { a[1], b[1] };
    send_fds(sp[0], QUILT_MSG_FDS, two, 2);
    ok(tree_receive_fds(sp[1], &cfg) == 0 && cfg.preserved[0] >= 0 && cfg.preserved[1] >= 0 &&
       cfg.preserved[2] == -1, "an FDS message with the fds the config names is taken, in order");
    ok(write(cfg.preserved[1], "b", 1) == 1 && read(b[0], buf, 1) == 1 && buf[0] == 'b', "the second is the second");
    int first = cfg.preserved[0], second = cfg.preserved[1];

    /* the init's own fds and the preserved ones leave 3..4 */
    int errfd = sp[1];
    cfg.fifo_fd = dup(a[0]);
    ok(tree_lift_fds(&cfg, &errfd) == 0, "lifting the fds the init keeps");
    ok(errfd >= 5 && cfg.fifo_fd >= 5 && cfg.preserved[0] >= 5 && cfg.preserved[1] >= 5,
       "each is at 3+N or above: errfd %d, fifo %d, preserved %d %d", errfd, cfg.fifo_fd, cfg.preserved[0],
       cfg.preserved[1]);
    ok((first >= 5 || !is_open(first)) && (second >= 5 || !is_open(second)), "what was below 3+N is closed");

    /* in a child, as the init: the preserved fds become 3 and 4, everything else above goes */
    pid_t pid = fork();
    if (pid == 0) {
        struct step_error e;
        int keep[] = { errfd, cfg.fifo_fd };
        if (tree_place_fds(&cfg, &e) < 0 || confine_close_fds_from(5, keep, 2) < 0)
            _exit(10);
        if (write(3, "3", 1) != 1 || write(4, "4", 1) != 1)
            _exit(11);
        if (!is_open(errfd) || !is_open(cfg.fifo_fd) || is_open(cfg.preserved[0]) || is_open(cfg.preserved[1]))
            _exit(12);
        if (fcntl(3, F_GETFD) & FD_CLOEXEC)
            _exit(13); /* they must outlive execve */
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "placed at 3..4, kept across exec, the rest closed (%d)",
       WEXITSTATUS(status));
    char got[2] = "";
    ok(read(a[0], got, 1) == 1 && read(b[0], got + 1, 1) == 1 && got[0] == '3' && got[1] == '4',
       "fd 3 is the first pipe, fd 4 the second");
    tree_close_fds(&cfg);
    ok(cfg.preserved[0] == -1 && cfg.preserved[1] == -1, "the monitor drops its copies");
    config_free(&cfg);

    /* a message of the wrong count is refused, and its fds closed */
    w.len = 0;
    base(&w);
    tlv_put_long(&w, QUILT_T_PRESERVE_FDS, 2);
    config_parse(&cfg, buf, w.len, &what);
    int one[] = { a[1] };
    send_fds(sp[0], QUILT_MSG_FDS, one, 1);
    ok(tree_receive_fds(errfd, &cfg) == -EBADMSG && cfg.preserved[0] == -1, "one fd where two were named: EBADMSG");
    send_fds(sp[0], QUILT_MSG_CONFIG, two, 2);
    ok(tree_receive_fds(errfd, &cfg) == -EBADMSG && cfg.preserved[0] == -1 && cfg.preserved[1] == -1,
       "a message that is not FDS: EBADMSG, nothing kept");
    config_free(&cfg);
    return tap_done();
}
