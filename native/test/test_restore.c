/* Restore mode's records of a CONFIG message (tags 140-146) and the reading of
 * CRIU's log into the one-line failure (native/src/monitor/restore.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/tlv.h"
#include "monitor/config.h"
#include "monitor/restore.h"
#include "quilt/proto.h"
#include "tap.h"

static void base(struct tlv_writer *w)
{
    w->len = 0;
    tlv_put_long(w, QUILT_T_TYPE, QUILT_MSG_CONFIG);
    tlv_put_str(w, QUILT_T_ID, "web");
    tlv_put_str(w, QUILT_T_STATE_DIR, "/run/quilt/web");
    tlv_put_str(w, QUILT_T_LOWER, "/img/rootfs");
    tlv_put_str(w, QUILT_T_UPPER, "/c/upper");
    tlv_put_str(w, QUILT_T_WORK, "/c/work");
    tlv_put_str(w, QUILT_T_MERGED, "/c/merged");
    tlv_put_str(w, QUILT_T_ARG, "sh");
}

int main(void)
{
    uint8_t buf[4096];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    struct container_config cfg;
    const char *what;

    base(&w);
    ok(config_parse(&cfg, buf, w.len, &what) == 0 && cfg.restore.criu == NULL, "no restore records: a clone");
    config_free(&cfg);

    base(&w);
    tlv_put_str(&w, QUILT_T_RESTORE_CRIU, "/usr/sbin/criu");
    tlv_put_str(&w, QUILT_T_RESTORE_IMAGES, "/data/checkpoints/a/cp1/criu");
    tlv_put_str(&w, QUILT_T_RESTORE_NET_KEY, "quilt-net");
    tlv_put_str(&w, QUILT_T_RESTORE_PIPE, "1 10885713");
    tlv_put_str(&w, QUILT_T_RESTORE_PIPE, "2 10885714");
    tlv_put_str(&w, QUILT_T_RESTORE_CGROUP_ROOT, "/quilt/b");
    tlv_put_long(&w, QUILT_T_RESTORE_DEADLINE_MS, 2500);
    tlv_put_long(&w, QUILT_T_RESTORE_TCP, 1);
    ok(config_parse(&cfg, buf, w.len, &what) == 0, "a restore's config parses");
    ok(!strcmp(cfg.restore.criu, "/usr/sbin/criu") && !strcmp(cfg.restore.images, "/data/checkpoints/a/cp1/criu") &&
       !strcmp(cfg.restore.net_key, "quilt-net") && !strcmp(cfg.restore.cgroup_root, "/quilt/b"),
       "criu, images, the net key and the cgroup root");
    ok(cfg.restore.n_pipes == 2 && cfg.restore.pipe_fd[0] == 1 && cfg.restore.pipe_ino[0] == 10885713 &&
       cfg.restore.pipe_fd[1] == 2 && cfg.restore.pipe_ino[1] == 10885714, "the stdio pipes by fd and inode");
    ok(cfg.restore.deadline_ms == 2500 && cfg.restore.tcp, "the deadline and --tcp-established");
    config_free(&cfg);

    const char *bad[][2] = {
        { "criu", "criu" },            /* not absolute */
        { "images", "relative/dir" },
        { "pipe", "1" },
        { "pipe", "x 12" },
        { "pipe", "1 12x" },
        { "deadline", "soon" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        base(&w);
        uint16_t tag = !strcmp(bad[i][0], "criu") ? QUILT_T_RESTORE_CRIU
                     : !strcmp(bad[i][0], "images") ? QUILT_T_RESTORE_IMAGES
                     : !strcmp(bad[i][0], "pipe") ? QUILT_T_RESTORE_PIPE : QUILT_T_RESTORE_DEADLINE_MS;
        tlv_put_str(&w, tag, bad[i][1]);
        ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL, "%s '%s' is refused (%s)", bad[i][0], bad[i][1],
           what ? what : "?");
    }
    base(&w);
    for (int i = 0; i <= RESTORE_MAX_PIPES; i++)
        tlv_put_str(&w, QUILT_T_RESTORE_PIPE, "1 5");
    ok(config_parse(&cfg, buf, w.len, &what) == -E2BIG, "more pipes than there is room for");

    char path[] = "/tmp/quilt-test-restore-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("(00.001) Error (criu/util.c:1533): rlimit: Can't setup RLIMIT_NOFILE for self: Operation not permitted\n"
          "(00.002) Warn  (criu/x.c:1): nothing\n"
          "(00.003) Error (criu/tun.c:85): tun: Unable to create tun: Operation not permitted\n"
          "(00.004) Error (criu/files-reg.c:2175): File bin/busybox has bad size 3 (expect 2)\n"
          "(00.005) Error (criu/cr-restore.c:2320): Restoring FAILED.\n", f);
    fclose(f);
    char out[200];
    restore_criu_errors(path, out, sizeof out);
    ok(!strcmp(out, "Error (criu/files-reg.c:2175): File bin/busybox has bad size 3 (expect 2); "
                    "Error (criu/cr-restore.c:2320): Restoring FAILED."), "CRIU's own lines, less the harmless: %s", out);
    char small[40];
    restore_criu_errors(path, small, sizeof small);
    ok(strlen(small) < sizeof small, "cut at its room: %s", small);
    unlink(path);
    restore_criu_errors("/nonexistent/restore.log", out, sizeof out);
    ok(out[0] == 0, "no log: no lines");
    return tap_done();
}
