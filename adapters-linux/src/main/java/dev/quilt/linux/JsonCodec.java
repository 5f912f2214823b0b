package dev.quilt.linux;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Quilt's own files (state.json, exit.json, image.json) through jackson-core's
 * streaming API: plain maps, lists, strings, numbers and booleans. Every
 * {@code quilt} command reads or writes these, and databind's start-up (some
 * 650 classes, ~100 ms in a cold JVM) would be most of a command's run time.
 */
public final class JsonCodec {
    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonCodec() {}

    /** Writes a map; null values are left out. */
    public static byte[] write(Map<String, ?> value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            writeValue(g, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (e.getValue() == null) continue;
                    g.writeFieldName(e.getKey().toString());
                    writeValue(g, e.getValue());
                }
                g.writeEndObject();
            }
            case List<?> l -> {
                g.writeStartArray();
                for (Object o : l) writeValue(g, o);
                g.writeEndArray();
            }
            case String s -> g.writeString(s);
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Boolean b -> g.writeBoolean(b);
            default -> g.writeString(v.toString());
        }
    }

    /** Reads an object; numbers come back as Long, unknown fields are kept (and ignored by callers). */
    public static Map<String, Object> read(byte[] json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("not a JSON object");
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) readValue(p);
            return m;
        }
    }

    private static Object readValue(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    m.put(name, readValue(p));
                }
                yield m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) l.add(readValue(p));
                yield l;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> true;
            case VALUE_FALSE -> false;
            case VALUE_NULL -> null;
            default -> throw new IOException("unexpected JSON token " + p.currentToken());
        };
    }

    // typed access for the codecs of each file

    public static String string(Map<String, Object> m, String key) throws IOException {
        Object v = m.get(key);
        if (v instanceof String s) return s;
        throw new IOException("field '" + key + "' is missing or not text");
    }

    public static String optString(Map<String, Object> m, String key) {
        return m.get(key) instanceof String s ? s : null;
    }

    public static Long optLong(Map<String, Object> m, String key) {
        return m.get(key) instanceof Long l ? l : null;
    }

    public static long number(Map<String, Object> m, String key) throws IOException {
        if (m.get(key) instanceof Long l) return l;
        throw new IOException("field '" + key + "' is missing or not a number");
    }

    @SuppressWarnings("unchecked")
    public static List<String> strings(Map<String, Object> m, String key) throws IOException {
        if (m.get(key) instanceof List<?> l && l.stream().allMatch(String.class::isInstance)) return (List<String>) l;
        throw new IOException("field '" + key + "' is missing or not a list of text");
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> object(Map<String, Object> m, String key) throws IOException {
        if (m.get(key) instanceof Map<?, ?> o) return (Map<String, Object>) o;
        throw new IOException("field '" + key + "' is missing or not an object");
    }
}
