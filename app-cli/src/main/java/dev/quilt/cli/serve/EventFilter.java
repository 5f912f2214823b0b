package dev.quilt.cli.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code filters} of {@code GET /events} (Engine API 1.41, "Monitor events"): a JSON object of filter names to
 * values, either {@code {"event": ["start", "die"]}} or the older {@code {"event": {"start": true}}}. Names:
 * {@code type} (container, image, network…), {@code event} (the action; {@code health_status} or {@code exec_start}
 * also match {@code health_status: healthy}, {@code exec_start: sh -c …}: the part before the colon), {@code container}
 * (an ID, the start of one, or a name), {@code label} ({@code KEY} or {@code KEY=VALUE}, against the attributes),
 * {@code image} (the {@code image} attribute, or the start of its digest). Values of one name are alternatives;
 * names must all hold. An unknown name is a 400 naming it, as dockerd answers.
 */
public record EventFilter(Map<String, List<String>> terms) {
    static final Set<String> NAMES = Set.of("type", "event", "container", "label", "image");

    public static final EventFilter ALL = new EventFilter(Map.of());

    /** Parses the query's {@code filters}; absent or empty is {@link #ALL}. */
    public static EventFilter parse(Optional<String> json) {
        if (json.isEmpty() || json.get().isBlank()) return ALL;
        JsonNode root;
        try {
            root = ApiJson.MAPPER.readTree(json.get());
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("invalid filters: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw ApiException.badRequest("invalid filters: give a JSON object such as {\"event\":[\"start\"]}");
        }
        Map<String, List<String>> terms = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!NAMES.contains(f.getKey())) {
                throw ApiException.badRequest("invalid filter '" + f.getKey() + "': events take type, event,"
                        + " container, label and image");
            }
            List<String> values = new ArrayList<>();
            JsonNode v = f.getValue();
            if (v.isArray()) {
                v.forEach(x -> values.add(x.asText()));
            } else if (v.isObject()) {
                v.fields().forEachRemaining(x -> {
                    if (x.getValue().asBoolean(true)) values.add(x.getKey());
                });
            } else if (v.isTextual()) {
                values.add(v.asText());
            } else {
                throw ApiException.badRequest("invalid filter '" + f.getKey() + "': give a list of strings");
            }
            if (!values.isEmpty()) terms.put(f.getKey(), List.copyOf(values));
        }
        return new EventFilter(terms);
    }

    /** Whether {@code e} passes every filter. */
    public boolean test(ApiEvent e) {
        for (Map.Entry<String, List<String>> t : terms.entrySet()) {
            boolean any = false;
            for (String v : t.getValue()) {
                if (matches(t.getKey(), v, e)) {
                    any = true;
                    break;
                }
            }
            if (!any) return false;
        }
        return true;
    }

    private static boolean matches(String name, String v, ApiEvent e) {
        return switch (name) {
            case "type" -> e.type().equals(v);
            case "event" -> e.action().equals(v) || (e.action().contains(":")
                    && e.action().substring(0, e.action().indexOf(':')).equals(v));
            case "container" -> e.type().equals("container") && (e.id().equals(v)
                    || (!v.isEmpty() && e.id().startsWith(v)) || v.equals(e.attributes().get("name"))
                    || ("/" + e.attributes().get("name")).equals(v));
            case "label" -> {
                int eq = v.indexOf('=');
                if (eq < 0) yield e.attributes().containsKey(v);
                yield v.substring(eq + 1).equals(e.attributes().get(v.substring(0, eq)));
            }
            case "image" -> {
                String img = e.attributes().get("image");
                if (img == null) yield e.type().equals("image") && (e.id().equals(v) || e.id().startsWith(v));
                String hex = img.startsWith("sha256:") ? img.substring(7) : img;
                yield img.equals(v) || (!v.isEmpty() && (img.startsWith(v) || hex.startsWith(v)));
            }
            default -> false;
        };
    }

    /**
     * A {@code since} or {@code until} value as dockerd takes it: unix seconds, with a fraction down to the
     * nanosecond ({@code 1700000000.5}), or an RFC 3339 time ({@code 2026-12-01T09:00:00Z}); else a 400 naming it.
     * Returns nanoseconds since the epoch.
     */
    public static long time(String param, String value) {
        String v = value.strip();
        try {
            BigDecimal s = new BigDecimal(v);
            return s.movePointRight(9).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            // not a number: RFC 3339 below
        }
        try {
            Instant i = OffsetDateTime.parse(v).toInstant();
            return i.getEpochSecond() * 1_000_000_000L + i.getNano();
        } catch (DateTimeParseException e) {
            throw ApiException.badRequest("invalid value for " + param + ": '" + value + "' is neither unix seconds"
                    + " (e.g. 1700000000.5) nor an RFC 3339 time (e.g. 2026-12-01T09:00:00Z)");
        }
    }
}
