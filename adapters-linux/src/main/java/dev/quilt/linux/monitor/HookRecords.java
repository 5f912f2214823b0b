package dev.quilt.linux.monitor;

import dev.quilt.domain.Bundle;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.oci.HookState;
import dev.quilt.domain.oci.OciHooks;
import dev.quilt.linux.jni.Protocol;

import java.util.List;

/**
 * A bundle's hooks that the monitor and the init run, as CONFIG records (tags 120-125, native
 * {@code monitor/hooks.h}): {@code prestart}, {@code createRuntime}, {@code createContainer} and
 * {@code startContainer}, each as {@code KIND TIMEOUT_MS PATH} followed by its args and env, and the
 * state JSON around status and pid, which only the monitor and the init know. {@code poststart} and
 * {@code poststop} are the JVM's ({@code LifecycleHooks}) and are not sent.
 */
final class HookRecords {
    /** At most this many hooks go to the monitor (native CONFIG_MAX_HOOKS). */
    static final int MAX = 64;

    private HookRecords() {}

    static void put(MessageWriter w, ContainerId id, Bundle bundle) {
        OciHooks h = bundle.hooks();
        int n = h.prestart().size() + h.createRuntime().size() + h.createContainer().size() + h.startContainer().size();
        if (n == 0) return;
        if (n > MAX) {
            throw QuiltException.invalid("a bundle may have at most " + MAX + " prestart, createRuntime, createContainer"
                    + " and startContainer hooks together, not " + n);
        }
        kind(w, "prestart", h.prestart());
        kind(w, "createRuntime", h.createRuntime());
        kind(w, "createContainer", h.createContainer());
        kind(w, "startContainer", h.startContainer());
        w.put(Protocol.T_HOOK_STATE_HEAD, HookState.head(bundle.stateId().orElse(id.value())));
        w.put(Protocol.T_HOOK_STATE_TAIL, HookState.tail(bundle));
        w.put(Protocol.T_HOOK_DIR, bundle.path());
    }

    private static void kind(MessageWriter w, String kind, List<OciHooks.Hook> hooks) {
        for (int i = 0; i < hooks.size(); i++) {
            OciHooks.Hook hook = hooks.get(i);
            for (String s : hook.args()) noNul(kind, i, s);
            for (String s : hook.env()) noNul(kind, i, s);
            noNul(kind, i, hook.path());
            w.put(Protocol.T_HOOK, kind + " " + hook.timeout().map(t -> t * 1000L).orElse(0L) + " " + hook.path());
            for (String a : hook.args()) w.put(Protocol.T_HOOK_ARG, a);
            for (String e : hook.env()) w.put(Protocol.T_HOOK_ENV, e);
        }
    }

    private static void noNul(String kind, int i, String s) {
        if (s.indexOf('\0') >= 0) {
            throw QuiltException.invalid("config.json: hooks." + kind + "[" + i + "] holds a NUL byte, which no path,"
                    + " argument or environment variable can hold; remove it");
        }
    }
}
