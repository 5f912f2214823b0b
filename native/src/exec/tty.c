/* quilt-exec -t: a pty of the container's own devpts, and the relay
 * between it and our stdio (moved out of main.c, which had grown to its limit). */
#define _GNU_SOURCE
#include "tty.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void add(int ep, int fd)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int await_child(pid_t pid)
{
    int status;
    pid_t got;
    do
        got = waitpid(pid, &status, 0);
    while (got < 0 && errno == EINTR);
    return got < 0 ? -1 : status;
}

/* The size of the terminal we were started on, through stdin or stdout. */
static int our_winsize(struct winsize *ws)
{
    return ioctl(0, TIOCGWINSZ, ws) == 0 || ioctl(1, TIOCGWINSZ, ws) == 0 ? 0 : -1;
}

/* A pty of the devpts that /dev/ptmx names in our (the container's) mount
 * namespace, sized like our terminal if we have one. */
int tty_open_pty(int *master, int *peer)
{
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0)
        return -errno;
    int unlock = 0;
    int s = ioctl(m, TIOCSPTLCK, &unlock) < 0 ? -1 : ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) {
        int err = errno;
        close(m);
        return -err;
    }
    struct winsize ws;
    if (our_winsize(&ws) == 0)
        ioctl(m, TIOCSWINSZ, &ws);
    *master = m;
    *peer = s;
    return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

int tty_raw_begin(int master, struct termios *saved, int *input_ended)
{
    *input_ended = 0;
    if (!isatty(0) || tcgetattr(0, saved) < 0)
        return 0;
    /* what the terminal has already cooked: whole lines go on as typed; an end of file ends our input.
     * Switched to raw with an end of file still queued, n_tty would hand its mark over as a NUL byte
     * (__DISABLED_CHAR), which the command's pty echoes as ^@. */
    char buf[4096];
    struct pollfd in = { .fd = 0, .events = POLLIN };
    while ((saved->c_lflag & ICANON) && poll(&in, 1, 0) == 1 && (in.revents & POLLIN)) {
        ssize_t n = read(0, buf, sizeof buf); /* a whole line or the end of file is there: no wait */
        if (n < 0 && errno == EINTR)
            continue;
        if (n > 0) {
            write_all(master, buf, (size_t)n);
            continue;
        }
        if (n == 0) {
            tty_send_eof(master);
            *input_ended = 1;
        }
        break;
    }
    struct termios t = *saved;
    cfmakeraw(&t);
    return tcsetattr(0, TCSANOW, &t) == 0;
}

void tty_raw_end(const struct termios *saved)
{
    tcsetattr(0, TCSANOW, saved);
}

void tty_send_eof(int master)
{
    struct termios t;
    char eof = tcgetattr(master, &t) == 0 ? (char)t.c_cc[VEOF] : 4;
    write_all(master, &eof, 1);
}

/* TTY: the relay between our stdio and the pty until the child exits.
 * Returns the child's wait status. */
int tty_relay(pid_t pid, int pidfd, int master, int with_stdin)
{
    struct termios saved;
    int input_ended = 0;
    int raw = with_stdin && tty_raw_begin(master, &saved, &input_ended);
    if (input_ended)
        with_stdin = 0;
    sigset_t winch;
    sigemptyset(&winch);
    sigaddset(&winch, SIGWINCH);
    sigprocmask(SIG_BLOCK, &winch, NULL);
    int sfd = signalfd(-1, &winch, SFD_CLOEXEC);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    add(ep, master);
    add(ep, pidfd);
    if (sfd >= 0)
        add(ep, sfd);
    if (with_stdin)
        add(ep, 0);
    char buf[8192];
    int status = 0, exited = 0;
    while (!exited) {
        struct epoll_event ev[4];
        int k = epoll_wait(ep, ev, 4, -1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            break;
        for (int i = 0; i < k; i++) {
            int fd = ev[i].data.fd;
            ssize_t n;
            if (fd == master) {
                n = read(master, buf, sizeof buf);
                if (n > 0)
                    write_all(1, buf, (size_t)n);
                else if (n == 0 || errno != EINTR) /* EIO: no one holds the other side */
                    epoll_ctl(ep, EPOLL_CTL_DEL, master, NULL);
            } else if (fd == 0) {
                n = read(0, buf, sizeof buf);
                if (n > 0)
                    write_all(master, buf, (size_t)n);
                else if (n == 0 || errno != EINTR)
                    epoll_ctl(ep, EPOLL_CTL_DEL, 0, NULL); /* our end of input: nothing more to send */
            } else if (fd == sfd) {
                struct signalfd_siginfo si;
                struct winsize ws;
                if (read(sfd, &si, sizeof si) > 0 && our_winsize(&ws) == 0)
                    ioctl(master, TIOCSWINSZ, &ws);
            } else if (fd == pidfd) {
                status = await_child(pid);
                exited = 1;
            }
        }
    }
    /* what it wrote before it exited; a child of its own may keep the pty, so do not wait for more */
    fcntl(master, F_SETFL, O_NONBLOCK);
    ssize_t n;
    while ((n = read(master, buf, sizeof buf)) > 0)
        write_all(1, buf, (size_t)n);
    if (raw)
        tty_raw_end(&saved);
    return status;
}

