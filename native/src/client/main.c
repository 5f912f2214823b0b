/* quilt-client: the fast CLI.  Hands one quilt (or quilt-runc) command to the server that runs for
 * its root: argv, environment, cwd, whether stdin is a terminal and its size, and the fds the
 * command works with (0, 1, 2 and for quilt-runc the ones QUILT_RUNC_PASSED_FDS names), then
 * forwards the signals it gets and exits with the command's code.
 *
 *   quilt-client FACE SOCKET [ARG...]
 *
 * When no server answers (no socket, ECONNREFUSED) or it refuses the call, it falls back: it execs
 * $QUILT_FALLBACK_EXEC with the same words and QUILT_CLIENT=off, or with no such variable exits
 * CLIENT_FALLBACK.  When the server goes away mid-command it says so and exits 125 (255 for
 * quilt-runc, runc's code for a failed exec). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "client/proto.h"
#include "common/fd_pass.h"

/* the launcher's cue to run the command in a JVM of its own */
#define CLIENT_FALLBACK 97
#define MAX_FDS 64

extern char **environ;

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };

static const char *face;
static char **words;
static int nwords;

/* the caller's terminal as it was before the command: a tty exec's quilt-exec puts it in raw mode and gives it
 * back at the command's end (exec/tty.c); if that end never came (the server or quilt-exec killed, say with the
 * container's cgroup), we give it back, so no shell is left raw */
static struct termios caller_term;
static int have_caller_term;

/* the status flags of the fds we pass, as they were: the server's event loop makes a received fd non-blocking
 * (and F_SETFL drops O_APPEND with it), and the open file is ours too; REQUEST carries them (F_FD_FLAGS) and the
 * server sets them again (F_SETFL) before the command starts, and we put back what it was when we are done */
static int passed_fd[MAX_FDS], passed_flags[MAX_FDS], n_passed;

static void give_flags_back(void)
{
    for (int i = 0; i < n_passed; i++)
        if (passed_flags[i] >= 0)
            fcntl(passed_fd[i], F_SETFL, passed_flags[i]);
}

static void give_terminal_back(int always)
{
    give_flags_back();
    struct termios now;
    if (!have_caller_term || tcgetattr(0, &now) < 0)
        return;
    int left_raw = !(now.c_lflag & (ICANON | ECHO)) && (caller_term.c_lflag & (ICANON | ECHO));
    if (always || left_raw)
        tcsetattr(0, TCSANOW, &caller_term);
}

static void fall_back(const char *why)
{
    const char *next = getenv("QUILT_FALLBACK_EXEC");
    if (getenv("QUILT_CLIENT_DEBUG"))
        fprintf(stderr, "quilt-client: %s; running without the server\n", why);
    if (!next || !*next)
        exit(CLIENT_FALLBACK);
    char **argv = calloc((size_t)nwords + 2, sizeof *argv);
    if (!argv)
        exit(CLIENT_FALLBACK);
    argv[0] = (char *)next;
    for (int i = 0; i < nwords; i++)
        argv[i + 1] = words[i];
    setenv("QUILT_CLIENT", "off", 1);
    execv(next, argv);
    fprintf(stderr, "%s: cannot run %s: %s\n", face, next, strerror(errno));
    exit(CLIENT_FALLBACK);
}

static int gone_code(void)
{
    return strcmp(face, "quilt-runc") == 0 ? 255 : 125;
}

static void size_of(int *rows, int *cols)
{
    struct winsize ws;
    *rows = *cols = 0;
    if (ioctl(0, TIOCGWINSZ, &ws) == 0 || ioctl(1, TIOCGWINSZ, &ws) == 0) {
        *rows = ws.ws_row;
        *cols = ws.ws_col;
    }
}

static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -errno;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* The caller's fds: 0, 1, 2 (a closed one becomes /dev/null), then QUILT_RUNC_PASSED_FDS's. */
static int caller_fds(int *fds)
{
    int n = 0;
    for (int fd = 0; fd < 3; fd++) {
        if (fcntl(fd, F_GETFD) < 0) {
            int null = open("/dev/null", O_RDWR | O_CLOEXEC);
            if (null < 0)
                return -errno;
            fds[n++] = null;
        } else {
            fds[n++] = fd;
        }
    }
    const char *passed = strcmp(face, "quilt-runc") == 0 ? getenv("QUILT_RUNC_PASSED_FDS") : NULL;
    for (const char *p = passed; p && *p && n < MAX_FDS;) {
        char *end;
        long fd = strtol(p, &end, 10);
        if (end == p)
            break;
        if (fd >= 3 && fcntl((int)fd, F_GETFD) >= 0)
            fds[n++] = (int)fd;
        p = end;
        while (*p == ' ')
            p++;
    }
    return n;
}

/* Reads until one whole message is in buf (*have bytes kept across calls).  1, 0 at EOF, -errno. */
static int read_message(int sock, uint8_t *buf, size_t cap, size_t *have, uint16_t *tag,
                        const uint8_t **val, uint32_t *len, size_t *used)
{
    for (;;) {
        int rc = proto_next(buf, *have, tag, val, len, used);
        if (rc)
            return rc;
        if (*have == cap)
            return -EMSGSIZE;
        ssize_t k = read(sock, buf + *have, cap - *have);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -errno;
        if (k == 0)
            return 0;
        *have += (size_t)k;
    }
}

static void consume(uint8_t *buf, size_t *have, size_t used)
{
    memmove(buf, buf + used, *have - used);
    *have -= used;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: quilt-client quilt|quilt-runc SOCKET [ARG...]\n");
        return 2;
    }
    face = argv[1];
    words = argv + 3;
    nwords = argc - 3;
    const char *path = argv[2];
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof addr.sun_path)
        fall_back("the socket's path is too long");
    strcpy(addr.sun_path, path);
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0)
        fall_back("no socket");
    if (connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0)
        fall_back(errno == ENOENT ? "no server" : errno == ECONNREFUSED ? "the server is not listening"
                                                                          : "cannot connect");
    /* the handshake has a deadline: a server that does not answer is as good as none */
    struct timeval deadline = { .tv_sec = 5 };
    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &deadline, sizeof deadline);

    int fds[MAX_FDS];
    int nfds = caller_fds(fds);
    if (nfds < 0)
        fall_back("cannot open /dev/null");
    int numbers[MAX_FDS];
    for (int i = 0; i < nfds; i++)
        numbers[i] = i < 3 ? i : fds[i];
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        fall_back("no working directory");
    for (int i = 0; i < nfds; i++) {
        passed_fd[i] = fds[i];
        passed_flags[i] = fcntl(fds[i], F_GETFL);
    }
    struct proto_request req = { .face = face, .argv = words, .argc = nwords, .envp = environ, .cwd = cwd,
                                 .tty = isatty(0), .fds = numbers, .fd_flags = passed_flags, .nfds = nfds };
    size_of(&req.rows, &req.cols);
    uint8_t *msg;
    size_t msglen;
    if (proto_request(&req, &msg, &msglen) < 0 || write_all(sock, msg, msglen) < 0)
        fall_back("the request did not go through");
    free(msg);

    static uint8_t in[64 * 1024];
    size_t have = 0, used;
    uint16_t tag;
    const uint8_t *val;
    uint32_t len;
    if (read_message(sock, in, sizeof in, &have, &tag, &val, &len, &used) != 1)
        fall_back("the server did not answer");
    if (tag == MSG_REFUSE) {
        if (getenv("QUILT_CLIENT_DEBUG"))
            fprintf(stderr, "quilt-client: refused: %.*s\n", (int)len, (const char *)val);
        fall_back("the server refused the call");
    }
    if (tag != MSG_SEND_FDS)
        fall_back("the server speaks another protocol");
    consume(in, &have, used);

    /* from here the command may be running: signals are ours to forward, never to die of */
    sigset_t mask;
    sigemptyset(&mask);
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaddset(&mask, forwarded[i]);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    have_caller_term = isatty(0) && tcgetattr(0, &caller_term) == 0;
    n_passed = nfds; /* their flags were read before REQUEST */
    for (int i = 0; i < nfds; i++) {
        int rc = fd_pass_send(sock, "F", 1, &fds[i], 1);
        if (rc < 0) {
            give_terminal_back(1);
            fprintf(stderr, "%s: the server went away (%s)\n", face, strerror(-rc));
            return gone_code();
        }
    }
    struct timeval none = { 0 };
    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = sock };
    if (sfd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, sock, &ev) < 0) {
        fprintf(stderr, "%s: %s\n", face, strerror(errno));
        return gone_code();
    }
    int running = 0;
    for (;;) {
        int rc;
        while ((rc = proto_next(in, have, &tag, &val, &len, &used)) == 1) {
            long code;
            if (tag == MSG_EXIT && proto_int(val, len, &code) == 0) {
                give_terminal_back(0);
                return (int)(code & 0xff);
            }
            if (tag == MSG_RUNNING && !running) {
                running = 1;
                ev.data.fd = sfd;
                epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
            }
            consume(in, &have, used);
        }
        if (rc < 0)
            break;
        struct epoll_event got;
        int n = epoll_wait(ep, &got, 1, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        if (got.data.fd == sfd) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) != sizeof si)
                continue;
            int rows = 0, cols = 0;
            if ((int)si.ssi_signo == SIGWINCH)
                size_of(&rows, &cols);
            uint8_t sig[128];
            int k = proto_signal(sig, sizeof sig, (int)si.ssi_signo, rows, cols);
            if (k > 0 && write_all(sock, sig, (size_t)k) < 0)
                break;
            continue;
        }
        if (have == sizeof in)
            break;
        ssize_t k = read(sock, in + have, sizeof in - have);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        have += (size_t)k;
    }
    give_terminal_back(1);
    fprintf(stderr, "%s: the server went away during the command; its outcome is unknown\n", face);
    return gone_code();
}
