/* TAP tests of the hook runner (common/hook.c): the state on stdin, a hook that
 * does not read it, exact args and env, exit status, signal, timeout, exec failure. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "common/hook.h"

static struct hook_result run(char *const *argv, char *const *envp, long timeout_ms, const char *state, size_t len,
                              int *rc)
{
    struct hook_spec h = { .path = "/bin/sh", .argv = argv, .envp = envp, .timeout_ms = timeout_ms };
    struct hook_where w = { .cwd = NULL, .cwd_fd = -1, .ns_pidfd = -1, .ns_flags = 0 };
    struct hook_result r;
    *rc = hook_run(&h, state, len, &w, &r);
    return r;
}

int main(void)
{
    char *noenv[] = { NULL };
    int rc;
    const char *state = "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":42,\"bundle\":\"/b\"}";

    char *cat[] = { "sh", "-c", "read -r line; printf '%s' \"$line\"", NULL };
    struct hook_result r = run(cat, noenv, 0, state, strlen(state), &rc);
    ok(rc == 0 && hook_ok(&r) && strcmp(r.out, state) == 0, "the state arrives on stdin (%s)", r.out);

    /* far more than a pipe holds, to a hook that never reads: EPIPE, not an error */
    size_t big = 1 << 20;
    char *huge = malloc(big);
    memset(huge, 'x', big);
    char *deaf[] = { "sh", "-c", "exit 0", NULL };
    r = run(deaf, noenv, 0, huge, big, &rc);
    ok(rc == 0 && hook_ok(&r), "a hook that exits without reading its stdin succeeds");
    free(huge);
    sigset_t pending;
    sigpending(&pending);
    ok(!sigismember(&pending, SIGPIPE), "no SIGPIPE is left for the caller");

    char *argv0[] = { "my-hook", "-c", "tr '\\0' '|' < /proc/$$/cmdline", "first", NULL };
    r = run(argv0, noenv, 0, "", 0, &rc);
    ok(rc == 0 && hook_ok(&r) && strncmp(r.out, "my-hook|-c|", 11) == 0 && strstr(r.out, "|first|"),
       "args[0] is argv[0] (%s)", r.out);

    char *env[] = { "A=1", "B=two words", NULL };
    char *show[] = { "sh", "-c", "printf '%s|%s|%s' \"$A\" \"$B\" \"${HOME-unset}\"", NULL };
    setenv("HOME", "/root", 1);
    r = run(show, env, 0, "", 0, &rc);
    ok(rc == 0 && strcmp(r.out, "1|two words|unset") == 0, "the env is exactly the hook's (%s)", r.out);

    char *three[] = { "sh", "-c", "echo boom >&2; exit 3", NULL };
    r = run(three, noenv, 0, state, strlen(state), &rc);
    ok(rc == 0 && !hook_ok(&r) && r.code == 3 && r.sig == 0 && !r.timed_out, "exit status 3 is kept");
    char line[256];
    struct hook_spec h = { .path = "/bin/sh", .argv = three, .envp = noenv };
    hook_describe("createRuntime", 0, &h, &r, line, sizeof line);
    ok(strcmp(line, "error running createRuntime hook #0 /bin/sh: exit status 3: boom") == 0, "the line: %s", line);

    char *killed[] = { "sh", "-c", "kill -9 $$", NULL };
    r = run(killed, noenv, 0, "", 0, &rc);
    ok(rc == 0 && !hook_ok(&r) && r.sig == SIGKILL && !r.timed_out, "a signal that ends it is kept (%d)", r.sig);
    hook_describe("prestart", 1, &h, &r, line, sizeof line);
    ok(strcmp(line, "error running prestart hook #1 /bin/sh: killed by signal KILL") == 0, "the line: %s", line);

    /* the deadline: a hook that would wait for ever (its stdin never ends while we hold it... it reads a fifo of its own) */
    char *forever[] = { "sh", "-c", "exec sleep 1000", NULL };
    r = run(forever, noenv, 300, state, strlen(state), &rc);
    ok(rc == 0 && r.timed_out && r.sig == SIGKILL && !hook_ok(&r), "a hook past its timeout is killed");
    h.timeout_ms = 2000;
    hook_describe("startContainer", 0, &h, &r, line, sizeof line);
    ok(strcmp(line, "error running startContainer hook #0 /bin/sh: ran past its timeout of 2s") == 0, "the line: %s", line);

    char *quick[] = { "sh", "-c", "echo fine", NULL };
    r = run(quick, noenv, 5000, "", 0, &rc);
    ok(rc == 0 && hook_ok(&r) && strcmp(r.out, "fine\n") == 0, "a hook within its timeout is not touched");

    struct hook_spec missing = { .path = "/nonexistent/hook", .argv = noenv, .envp = noenv };
    struct hook_where here = { .cwd = NULL, .cwd_fd = -1, .ns_pidfd = -1 };
    rc = hook_run(&missing, state, strlen(state), &here, &r);
    ok(rc == 0 && r.exec_err == ENOENT && !hook_ok(&r), "a missing hook is an exec error");
    hook_describe("poststop", 0, &missing, &r, line, sizeof line);
    ok(strcmp(line, "error running poststop hook #0 /nonexistent/hook: exec: no such file or directory") == 0,
       "the line: %s", line);

    char *pwd[] = { "sh", "-c", "pwd", NULL };
    struct hook_spec p = { .path = "/bin/sh", .argv = pwd, .envp = noenv };
    struct hook_where tmp = { .cwd = "/tmp", .cwd_fd = -1, .ns_pidfd = -1 };
    rc = hook_run(&p, "", 0, &tmp, &r);
    ok(rc == 0 && strcmp(r.out, "/tmp\n") == 0, "the hook runs in the given cwd (%s)", r.out);

    int tmpfd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct hook_where viafd = { .cwd = NULL, .cwd_fd = tmpfd, .ns_pidfd = -1 };
    rc = hook_run(&p, "", 0, &viafd, &r);
    ok(rc == 0 && strcmp(r.out, "/tmp\n") == 0, "or in the directory of an fd (%s)", r.out);
    close(tmpfd);

    /* fds of the caller do not reach it */
    char *fds[] = { "sh", "-c", "ls /proc/self/fd | wc -l", NULL };
    r = run(fds, noenv, 0, "", 0, &rc);
    ok(rc == 0 && atoi(r.out) == 4, "only stdio reaches it (%s)", r.out); /* 0 1 2 and ls's own dir fd */
    return tap_done();
}
