package dev.quilt.linux.state;

import dev.quilt.domain.Bundle;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.RuncTerms;
import dev.quilt.domain.oci.OciHooks;

import java.io.IOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static dev.quilt.linux.JsonCodec.object;
import static dev.quilt.linux.JsonCodec.optLong;
import static dev.quilt.linux.JsonCodec.optString;
import static dev.quilt.linux.JsonCodec.string;
import static dev.quilt.linux.JsonCodec.strings;

/**
 * {@link Bundle} in {@code state.json}'s {@code spec.bundle}, with the OCI runtime spec's
 * field names ({@code annotations}, {@code cgroupsPath}, {@code hooks.poststop[].path}…) and
 * runc's flag names for the create terms. Absent for containers that are not a bundle's.
 */
final class BundleRecord {
    private BundleRecord() {}

    static Map<String, Object> toMap(Bundle b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", b.path());
        m.put("annotations", new TreeMap<>(b.annotations()));
        Map<String, Object> ns = new TreeMap<>();
        b.namespacePaths().forEach((k, v) -> ns.put(k.ociName(), v));
        m.put("namespacePaths", ns);
        b.cgroupsPath().ifPresent(p -> m.put("cgroupsPath", p));
        Map<String, Object> hooks = new LinkedHashMap<>();
        OciHooks h = b.hooks();
        hooks.put("prestart", hooks(h.prestart()));
        hooks.put("createRuntime", hooks(h.createRuntime()));
        hooks.put("createContainer", hooks(h.createContainer()));
        hooks.put("startContainer", hooks(h.startContainer()));
        hooks.put("poststart", hooks(h.poststart()));
        hooks.put("poststop", hooks(h.poststop()));
        m.put("hooks", hooks);
        RuncTerms t = b.terms();
        Map<String, Object> terms = new LinkedHashMap<>();
        terms.put("rootInPlace", t.rootInPlace());
        t.consoleSocket().ifPresent(s -> terms.put("consoleSocket", s));
        terms.put("preserveFds", t.preserveFds());
        terms.put("noPivot", t.noPivot());
        terms.put("newKeyring", t.newKeyring());
        m.put("terms", terms);
        if (b.keepHostname()) m.put("keepHostname", true);
        b.oomScoreAdj().ifPresent(o -> m.put("oomScoreAdj", o));
        b.stateId().ifPresent(i -> m.put("stateId", i));
        return m;
    }

    private static List<Map<String, Object>> hooks(List<OciHooks.Hook> l) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (OciHooks.Hook h : l) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", h.path());
            m.put("args", h.args());
            m.put("env", h.env());
            h.timeout().ifPresent(t -> m.put("timeout", t));
            out.add(m);
        }
        return out;
    }

    /** The bundle of a record's {@code spec}, or empty for a container that is not a bundle's. */
    static Optional<Bundle> fromSpec(Map<String, Object> spec) throws IOException {
        if (!(spec.get("bundle") instanceof Map<?, ?>)) return Optional.empty();
        Map<String, Object> m = object(spec, "bundle");
        Map<String, String> annotations = new TreeMap<>();
        if (m.get("annotations") instanceof Map<?, ?> a) {
            for (Map.Entry<?, ?> e : a.entrySet()) annotations.put((String) e.getKey(), String.valueOf(e.getValue()));
        }
        Map<Namespace, String> ns = new EnumMap<>(Namespace.class);
        if (m.get("namespacePaths") instanceof Map<?, ?> a) {
            for (Map.Entry<?, ?> e : a.entrySet()) {
                for (Namespace n : Namespace.values()) {
                    if (n.ociName().equals(e.getKey())) ns.put(n, String.valueOf(e.getValue()));
                }
            }
        }
        OciHooks hooks = Bundle.NO_HOOKS;
        if (m.get("hooks") instanceof Map<?, ?>) {
            Map<String, Object> h = object(m, "hooks");
            hooks = new OciHooks(hooks(h, "prestart"), hooks(h, "createRuntime"), hooks(h, "createContainer"),
                    hooks(h, "startContainer"), hooks(h, "poststart"), hooks(h, "poststop"));
        }
        RuncTerms terms = RuncTerms.QUILT;
        if (m.get("terms") instanceof Map<?, ?>) {
            Map<String, Object> t = object(m, "terms");
            Long fds = optLong(t, "preserveFds");
            terms = new RuncTerms(Boolean.TRUE.equals(t.get("rootInPlace")),
                    Optional.ofNullable(optString(t, "consoleSocket")), fds == null ? 0 : fds.intValue(),
                    Boolean.TRUE.equals(t.get("noPivot")), !Boolean.FALSE.equals(t.get("newKeyring")));
        }
        return Optional.of(new Bundle(string(m, "path"), annotations, ns, Optional.ofNullable(optString(m, "cgroupsPath")),
                hooks, terms, Boolean.TRUE.equals(m.get("keepHostname")),
                Optional.ofNullable(optLong(m, "oomScoreAdj")).map(Long::intValue),
                Optional.ofNullable(optString(m, "stateId"))));
    }

    private static List<OciHooks.Hook> hooks(Map<String, Object> h, String key) throws IOException {
        List<OciHooks.Hook> out = new ArrayList<>();
        if (!(h.get(key) instanceof List<?> l)) return out;
        for (Object o : l) {
            if (!(o instanceof Map<?, ?>)) throw new IOException("spec.bundle.hooks." + key + " holds a " + o);
            @SuppressWarnings("unchecked") Map<String, Object> x = (Map<String, Object>) o;
            Long timeout = optLong(x, "timeout");
            out.add(new OciHooks.Hook(string(x, "path"), strings(x, "args"), strings(x, "env"),
                    Optional.ofNullable(timeout).map(Long::intValue)));
        }
        return out;
    }
}
