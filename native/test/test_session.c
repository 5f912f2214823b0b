/* exec/session.c without root: the JVM's control messages and the pty's size. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
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
    return tap_done();
}
