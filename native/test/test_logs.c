#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor/logs.h"
#include "tap.h"

static char *slurp(const char *path)
{
    static char buf[65536];
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    if (fd >= 0)
        close(fd);
    return buf;
}

static off_t size_of(const char *path)
{
    struct stat st;
    return stat(path, &st) < 0 ? -1 : st.st_size;
}

static int count(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* The text a file's records make, P joined to what follows: TIME STREAM TAG TEXT */
static const char *join(const char *records)
{
    static char out[65536];
    size_t n = 0;
    for (const char *r = records; *r && n + 1 < sizeof out;) {
        const char *nl = strchr(r, '\n');
        const char *tag = strchr(strchr(r, ' ') + 1, ' ') + 1;
        size_t len = (size_t)(nl - (tag + 2));
        if (n + len + 2 > sizeof out)
            break;
        memcpy(out + n, tag + 2, len);
        n += len;
        if (*tag == 'F')
            out[n++] = '\n';
        r = nl + 1;
    }
    out[n] = 0;
    return out;
}

static void put(int fd, const char *s)
{
    ssize_t w = write(fd, s, strlen(s));
    (void)w;
}

int main(void)
{
    char out[128];
    size_t n = log_format(out, sizeof out, "T", "stdout", 0, "hi", 2);
    ok(n == 14 && memcmp(out, "T stdout F hi\n", 14) == 0, "a whole line is F");
    n = log_format(out, sizeof out, "T", "stderr", 1, "x", 1);
    ok(memcmp(out, "T stderr P x\n", n) == 0, "an unfinished one is P");
    ok(log_format(out, 8, "T", "stdout", 0, "toolong", 7) == 0, "too small a buffer is 0");

    char dir[] = "/tmp/quilt-logs-XXXXXX", path[128], rotated[160];
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/container.log", dir);
    snprintf(rotated, sizeof rotated, "%s.1", path);
    static struct log_file log;
    ok(log_open(&log, path, 0) == 0, "the log opens");
    int p[2];
    if (pipe(p) < 0)
        return 1;
    static struct log_stream s;
    s.name = "stdout";
    s.fd = p[0];

    put(p[1], "one\ntw");
    ok(log_pump(&s, &log) == 0, "pump reads what is there");
    char *text = slurp(path);
    ok(strstr(text, " stdout F one\n") && strstr(text, " stdout P tw\n"),
       "the whole line is F, and the rest is written at once as P");
    put(p[1], "o\n");
    log_pump(&s, &log);
    ok(strstr(slurp(path), " stdout F o\n") != NULL, "the line's end is the F record that follows the P");
    put(p[1], "x");
    log_pump(&s, &log);
    ok(strstr(slurp(path), " stdout P x\n") != NULL, "a partial line with nothing after it is there at once");
    close(p[1]);
    ok(log_pump(&s, &log) == 1, "end of file is 1");
    close(log.fd);
    unlink(path);

    /* the cap: 300 bytes a file, one rotation kept */
    ok(log_open(&log, path, 300) == 0, "a capped log opens");
    if (pipe(p) < 0)
        return 1;
    s.fd = p[0];
    for (int i = 0; i < 40; i++) {
        char line[32];
        snprintf(line, sizeof line, "line %02d\n", i);
        put(p[1], line);
        log_pump(&s, &log);
    }
    off_t cur = size_of(path), old = size_of(rotated);
    ok(cur > 0 && cur <= 300 && old > 0 && old <= 300, "both files stay under the cap: %lld and %lld",
       (long long)cur, (long long)old);
    text = slurp(path);
    ok(strstr(text, " stdout F line 39\n") != NULL, "the newest line is in the current file");
    ok(text[strlen(text) - 1] == '\n' && count(text, "Z stdout F line ") == count(text, "\n"),
       "the current file holds whole records only");
    text = slurp(rotated);
    ok(strstr(text, " stdout F line 00\n") == NULL && count(text, "\n") > 0, "the oldest are gone with the rotation");

    /* lines that come in pieces: a rotation never leaves the rest of a line at the head of a file */
    close(log.fd);
    unlink(path);
    unlink(rotated);
    ok(log_open(&log, path, 300) == 0, "a capped log opens again");
    char all[1024] = "";
    for (int i = 0; i < 40; i++)
        snprintf(all + strlen(all), sizeof all - strlen(all), "line %02d\n", i);
    for (size_t off = 0; off < strlen(all); off += 7) {
        char piece[8] = "";
        memcpy(piece, all + off, strlen(all + off) < 7 ? strlen(all + off) : 7);
        put(p[1], piece);
        log_pump(&s, &log);
    }
    cur = size_of(path);
    old = size_of(rotated);
    ok(cur > 0 && cur <= 600 && old > 0 && old <= 600, "past the cap by at most the write that ends a line: %lld, %lld",
       (long long)cur, (long long)old);
    const char *joined = join(slurp(rotated));
    ok(strncmp(joined, "line ", 5) == 0, "the older file begins with the start of a line");
    ok(joined[strlen(joined) - 1] == '\n', "and ends with the end of one");
    joined = join(slurp(path));
    ok(strncmp(joined, "line ", 5) == 0 && strstr(joined, "line 39\n"), "so does the current one");

    /* a full disk, as a file size limit: whole records or nothing, and the pipe is drained */
    close(log.fd);
    unlink(path);
    unlink(rotated);
    ok(log_open(&log, path, 0) == 0, "an uncapped log opens");
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = { 200, 200 }, was;
    getrlimit(RLIMIT_FSIZE, &was);
    small.rlim_max = was.rlim_max;
    setrlimit(RLIMIT_FSIZE, &small);
    int pumped = 0;
    for (int i = 0; i < 20; i++) {
        put(p[1], "0123456789abcdef\n");
        pumped += log_pump(&s, &log) == 0;
    }
    ok(pumped == 20, "the pump goes on when writes fail (%d of 20)", pumped);
    setrlimit(RLIMIT_FSIZE, &was);
    text = slurp(path);
    ok(size_of(path) <= 200 && text[strlen(text) - 1] == '\n' &&
       count(text, " stdout F 0123456789abcdef\n") == count(text, "\n"),
       "no half record was left (%lld bytes)", (long long)size_of(path));
    char rest[64];
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    ok(read(p[0], rest, sizeof rest) < 0 && errno == EAGAIN, "every failed write was drained from the pipe");
    put(p[1], "after\n");
    log_pump(&s, &log);
    ok(strstr(slurp(path), " stdout F after\n") != NULL, "with room again, writing goes on");
    close(p[1]);
    close(log.fd);
    unlink(path);
    rmdir(dir);
    return tap_done();
}
