package dev.quilt.cli.runc;

import dev.quilt.domain.oci.JsonString;

import java.util.List;
import java.util.Map;

/**
 * JSON as runc prints it: Go's {@code json.MarshalIndent(v, "", "  ")} ({@code "key": value}, two spaces a
 * level, {@code []} and {@code {}} when empty) or {@code json.Marshal}'s one line. Values are maps (in their
 * iteration order), lists, strings, numbers and booleans. Written by hand, not by databind: {@code state} runs
 * once per call of a client, and databind would be most of the classes it loads.
 */
final class RuncJson {
    private RuncJson() {}

    static String indented(Object value) {
        StringBuilder b = new StringBuilder();
        write(b, value, "", true);
        return b.toString();
    }

    static String line(Object value) {
        StringBuilder b = new StringBuilder();
        write(b, value, "", false);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v, String indent, boolean pretty) {
        String inner = indent + "  ";
        if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                b.append("{}");
                return;
            }
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) b.append(',');
                first = false;
                if (pretty) b.append('\n').append(inner);
                b.append(JsonString.quote(String.valueOf(e.getKey()))).append(pretty ? ": " : ":");
                write(b, e.getValue(), inner, pretty);
            }
            if (pretty) b.append('\n').append(indent);
            b.append('}');
        } else if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                b.append("[]");
                return;
            }
            b.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) b.append(',');
                if (pretty) b.append('\n').append(inner);
                write(b, l.get(i), inner, pretty);
            }
            if (pretty) b.append('\n').append(indent);
            b.append(']');
        } else if (v instanceof String s) {
            b.append(JsonString.quote(s));
        } else if (v instanceof Number || v instanceof Boolean) {
            b.append(v);
        } else if (v == null) {
            b.append("null");
        } else {
            throw new IllegalArgumentException("no JSON for " + v.getClass().getSimpleName());
        }
    }
}
