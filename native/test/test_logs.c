#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "monitor/logs.h"
#include "tap.h"

static char *slurp(int fd)
{
    static char buf[65536];
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    return buf;
}

int main(void)
{
    char out[128];
    size_t n = log_format(out, sizeof out, "T", "stdout", 0, "hi", 2);
    ok(n == 14 && memcmp(out, "T stdout F hi\n", 14) == 0, "a whole line is F");
    n = log_format(out, sizeof out, "T", "stderr", 1, "x", 1);
    ok(memcmp(out, "T stderr P x\n", n) == 0, "an unfinished one is P");
    ok(log_format(out, 8, "T", "stdout", 0, "toolong", 7) == 0, "too small a buffer is 0");

    char tmpl[] = "/tmp/quilt-logs-XXXXXX";
    int log = mkstemp(tmpl);
    unlink(tmpl);
    int p[2];
    if (pipe(p) < 0)
        return 1;
    static struct log_stream s;
    s.name = "stdout";
    s.fd = p[0];
    ssize_t w = write(p[1], "one\ntw", 6);
    (void)w;
    ok(log_pump(&s, log) == 0, "pump reads what is there");
    char *text = slurp(log);
    ok(strstr(text, " stdout F one\n") && !strstr(text, "tw"), "the whole line is written, the rest kept: %s", text);
    w = write(p[1], "o\n", 2);
    log_pump(&s, log);
    ok(strstr(slurp(log), " stdout F two\n") != NULL, "the rest joins the next read");
    w = write(p[1], "tail", 4);
    close(p[1]);
    log_pump(&s, log);
    ok(log_pump(&s, log) == 1, "end of file is 1");
    ok(strstr(slurp(log), " stdout P tail\n") != NULL, "an unfinished last line is flushed as P");
    return tap_done();
}
