/* TAP tests of the QUILT_T_HOOK* records of a CONFIG message (monitor/hooks.c):
 * each hook's argv and envp, in order, its kind and timeout, the state around status and pid. */
#include <errno.h>
#include <string.h>

#include "common/tlv.h"
#include "monitor/config.h"
#include "quilt/proto.h"
#include "tap.h"

static void base(struct tlv_writer *w)
{
    tlv_put_long(w, QUILT_T_TYPE, QUILT_MSG_CONFIG);
    tlv_put_str(w, QUILT_T_ID, "web");
    tlv_put_str(w, QUILT_T_STATE_DIR, "/run/quilt/web");
    tlv_put_str(w, QUILT_T_LOWER, "/b/rootfs");
    tlv_put_str(w, QUILT_T_MERGED, "/c/merged");
    tlv_put_str(w, QUILT_T_ARG, "sh");
}

static void state(struct tlv_writer *w)
{
    tlv_put_str(w, QUILT_T_HOOK_STATE_HEAD, "{\"ociVersion\":\"1.0.2\",\"id\":\"web\"");
    tlv_put_str(w, QUILT_T_HOOK_STATE_TAIL, ",\"bundle\":\"/b\",\"annotations\":{}}");
    tlv_put_str(w, QUILT_T_HOOK_DIR, "/b");
}

int main(void)
{
    uint8_t buf[4096];
    struct tlv_writer w = { buf, sizeof buf, 0 };
    struct container_config cfg;
    const char *what;

    base(&w);
    tlv_put_str(&w, QUILT_T_HOOK, "createRuntime 5000 /usr/bin/net hook");
    tlv_put_str(&w, QUILT_T_HOOK_ARG, "net");
    tlv_put_str(&w, QUILT_T_HOOK_ARG, "up");
    tlv_put_str(&w, QUILT_T_HOOK_ENV, "A=1");
    tlv_put_str(&w, QUILT_T_HOOK, "createRuntime 0 /bin/true");
    tlv_put_str(&w, QUILT_T_HOOK, "startContainer 0 /bin/env");
    tlv_put_str(&w, QUILT_T_HOOK_ENV, "B=2");
    tlv_put_str(&w, QUILT_T_HOOK_ENV, "C=3");
    state(&w);
    ok(config_parse(&cfg, buf, w.len, &what) == 0, "a config with hooks parses");
    struct hook_set *s = &cfg.hooks;
    ok(s->n == 3, "three hooks");
    ok(s->list[0].kind == HOOK_CREATE_RUNTIME && s->list[0].index == 0 && s->list[0].spec.timeout_ms == 5000 &&
       !strcmp(s->list[0].spec.path, "/usr/bin/net hook"), "kind, index, timeout and a path with a space");
    ok(!strcmp(s->list[0].spec.argv[0], "net") && !strcmp(s->list[0].spec.argv[1], "up") && !s->list[0].spec.argv[2],
       "its args in order");
    ok(!strcmp(s->list[0].spec.envp[0], "A=1") && !s->list[0].spec.envp[1], "its env");
    ok(s->list[1].index == 1 && !s->list[1].spec.argv[0] && !s->list[1].spec.envp[0], "no args and no env: both empty");
    ok(s->list[2].kind == HOOK_START_CONTAINER && s->list[2].index == 0 && !s->list[2].spec.argv[0] &&
       !strcmp(s->list[2].spec.envp[1], "C=3") && !s->list[2].spec.envp[2], "env without args");
    ok(hooks_before_pivot(s), "createRuntime stops the init before pivot_root");
    size_t n = hooks_state(s, "creating", 42);
    ok(n == strlen(s->state) && !strcmp(s->state, "{\"ociVersion\":\"1.0.2\",\"id\":\"web\",\"status\":\"creating\","
       "\"pid\":42,\"bundle\":\"/b\",\"annotations\":{}}"), "the state: %s", s->state);
    config_free(&cfg);

    w.len = 0;
    base(&w);
    tlv_put_str(&w, QUILT_T_HOOK, "startContainer 0 /bin/true");
    state(&w);
    ok(config_parse(&cfg, buf, w.len, &what) == 0 && !hooks_before_pivot(&cfg.hooks),
       "startContainer alone does not stop the init before pivot_root");
    config_free(&cfg);

    const char *bad[] = { "poststop 0 /bin/true", "createRuntime x /bin/true", "createRuntime 0 bin/true",
                          "createRuntime 0" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        w.len = 0;
        base(&w);
        tlv_put_str(&w, QUILT_T_HOOK, bad[i]);
        state(&w);
        ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL && !strcmp(what, "hook"), "refused: %s", bad[i]);
    }

    w.len = 0;
    base(&w);
    tlv_put_str(&w, QUILT_T_HOOK_ARG, "orphan");
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL, "an arg with no hook is refused");

    w.len = 0;
    base(&w);
    tlv_put_str(&w, QUILT_T_HOOK, "prestart 0 /bin/true");
    tlv_put_str(&w, QUILT_T_HOOK_ENV, "A=1");
    tlv_put_str(&w, QUILT_T_HOOK_ARG, "late");
    state(&w);
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL, "an arg after the env is refused");

    w.len = 0;
    base(&w);
    tlv_put_str(&w, QUILT_T_HOOK, "prestart 0 /bin/true");
    ok(config_parse(&cfg, buf, w.len, &what) == -EINVAL && !strcmp(what, "hook state"), "hooks need their state");

    w.len = 0;
    base(&w);
    ok(config_parse(&cfg, buf, w.len, &what) == 0 && cfg.hooks.n == 0 && !hooks_before_pivot(&cfg.hooks),
       "no hooks, nothing to stop for");
    config_free(&cfg);
    return tap_done();
}
