package dev.quilt.cli.serve;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One event of {@code GET /events} as the Engine API shapes it (API 1.41 "Monitor events"): {@code type}
 * container, image, network…; {@code action} create, start, die, health_status: healthy, exec_start: CMD…;
 * {@code id} the object's ID; {@code attributes} at least {@code name} (and {@code image} for a container),
 * {@code exitCode} for die, {@code reason} for what Quilt did on its own (a TTL's removal); {@code timeNano} ns
 * since the epoch.
 */
public record ApiEvent(String type, String action, String id, Map<String, String> attributes, long timeNano) {
    public ApiEvent {
        attributes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    /**
     * A container's event as the routes publish it: attributes {@code name} (its name, else its ID), {@code image}
     * (its image's digest, or its root described), its labels, then {@code extra}; {@code at} its time.
     */
    public static ApiEvent ofContainer(String action, dev.quilt.domain.Container c, Map<String, String> extra,
                                       java.time.Instant at) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("name", c.name().map(Object::toString).orElse(c.id().value()));
        attributes.put("image", c.spec().root() instanceof dev.quilt.domain.RootFs.Image i ? i.digest().value()
                : c.spec().root().describe());
        attributes.putAll(c.spec().labels());
        attributes.putAll(extra);
        return new ApiEvent("container", action, c.id().value(), attributes,
                at.getEpochSecond() * 1_000_000_000L + at.getNano());
    }

    /** The JSON object the API sends, with the pre-1.22 fields ({@code status}, {@code id}, {@code from}) too. */
    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (type.equals("container")) {
            m.put("status", action);
            m.put("id", id);
            if (attributes.containsKey("image")) m.put("from", attributes.get("image"));
        }
        m.put("Type", type);
        m.put("Action", action);
        m.put("Actor", Map.of("ID", id, "Attributes", attributes));
        m.put("scope", "local");
        m.put("time", timeNano / 1_000_000_000L);
        m.put("timeNano", timeNano);
        return m;
    }
}
