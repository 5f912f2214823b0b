package dev.quilt.cli.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quilt.domain.Container;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The {@code filters} of {@code GET /containers/json} (API 1.41): a JSON object of lists,
 * {@code {"label": ["k", "k=v"], "status": ["running"]}} (or the older {@code {"label": {"k=v": true}}}). Values of
 * one key are alternatives (any may match), keys all must match. Supported: {@code id} (a prefix of the ID),
 * {@code name} (a regular expression found in the name, as docker's), {@code label} ({@code k} or {@code k=v}),
 * {@code status} (created, restarting, running, removing, paused, exited, dead) and {@code ancestor} (an image
 * name or ID, resolved by the caller). Another key, or a bad value, is a 400 naming it.
 */
public final class DockerFilters {
    static final Set<String> KEYS = Set.of("id", "name", "label", "status", "ancestor");
    static final Set<String> STATUSES = Set.of("created", "restarting", "running", "removing", "paused", "exited",
            "dead");

    private final Map<String, List<String>> values;

    private DockerFilters(Map<String, List<String>> values) {
        this.values = values;
    }

    /** The filters of a request's {@code filters} parameter; absent or empty is no filter. */
    public static DockerFilters parse(Optional<String> json) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        if (json.isEmpty() || json.get().isBlank()) return new DockerFilters(values);
        JsonNode n;
        try {
            n = ApiJson.MAPPER.readTree(json.get());
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("invalid filters: not JSON; give {\"label\": [\"k=v\"], ...}");
        }
        if (n == null || !n.isObject()) throw ApiException.badRequest("invalid filters: give a JSON object of lists");
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!KEYS.contains(e.getKey())) {
                throw ApiException.badRequest("invalid filter '" + e.getKey() + "': use id, name, label, status or"
                        + " ancestor");
            }
            List<String> vs = new ArrayList<>();
            JsonNode v = e.getValue();
            if (v.isArray()) {
                for (JsonNode x : v) vs.add(x.asText());
            } else if (v.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> f = v.fields(); f.hasNext(); ) {
                    Map.Entry<String, JsonNode> x = f.next();
                    if (x.getValue().asBoolean(false)) vs.add(x.getKey());
                }
            } else if (v.isTextual()) {
                vs.add(v.asText());
            } else {
                throw ApiException.badRequest("invalid filter '" + e.getKey() + "': give a list of strings");
            }
            if (e.getKey().equals("status")) {
                for (String s : vs) {
                    if (!STATUSES.contains(s)) {
                        throw ApiException.badRequest("invalid filter 'status=" + s + "': use created, restarting,"
                                + " running, removing, paused, exited or dead");
                    }
                }
            }
            if (e.getKey().equals("name")) {
                for (String s : vs) {
                    try {
                        Pattern.compile(s);
                    } catch (PatternSyntaxException x) {
                        throw ApiException.badRequest("invalid filter 'name=" + s + "': not a regular expression");
                    }
                }
            }
            values.put(e.getKey(), vs);
        }
        return new DockerFilters(values);
    }

    /** Whether a status filter was given (then {@code all} is implied, as in docker). */
    public boolean hasStatus() {
        return values.containsKey("status") && !values.get("status").isEmpty();
    }

    /** The {@code ancestor} values, for the caller to resolve to image IDs. */
    public List<String> ancestors() {
        return values.getOrDefault("ancestor", List.of());
    }

    /**
     * Whether {@code c} passes; {@code imageIds} turns an {@code ancestor} value into the image IDs it names
     * (none for an unknown image, which then matches nothing).
     */
    public boolean matches(Container c, Function<String, Set<String>> imageIds) {
        for (Map.Entry<String, List<String>> e : values.entrySet()) {
            if (e.getValue().isEmpty()) continue;
            // docker's rule: label values must all hold (AND); the other keys' values are alternatives (OR)
            if (e.getKey().equals("label")) {
                if (!e.getValue().stream().allMatch(v -> matches(c, "label", v, imageIds))) return false;
                continue;
            }
            boolean any = false;
            for (String v : e.getValue()) {
                if (matches(c, e.getKey(), v, imageIds)) {
                    any = true;
                    break;
                }
            }
            if (!any) return false;
        }
        return true;
    }

    private static boolean matches(Container c, String key, String v, Function<String, Set<String>> imageIds) {
        return switch (key) {
            case "id" -> c.id().value().startsWith(v);
            case "name" -> Pattern.compile(v).matcher("/" + c.name().map(Object::toString).orElse("")).find();
            case "label" -> {
                int eq = v.indexOf('=');
                Map<String, String> labels = c.spec().labels();
                yield eq < 0 ? labels.containsKey(v) : v.substring(eq + 1).equals(labels.get(v.substring(0, eq)));
            }
            case "status" -> DockerContainerJson.state(c).equals(v);
            case "ancestor" -> imageIds.apply(v).contains(DockerContainerJson.imageId(c));
            default -> false;
        };
    }
}
