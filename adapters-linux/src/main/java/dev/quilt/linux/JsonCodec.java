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
    /** 64 levels: more than any file of ours or a config.json needs, so a hostile file is one line, not a stack overflow. */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

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

    /**
     * Reads an object; numbers come back as Long, unknown fields are kept (and
     * ignored by callers). Anything else fails with an IOException whose message
     * is one lowercase line about the file's content, fit to show a user:
     * {@code is empty}, {@code ends early at byte 100 (truncated?)},
     * {@code is not valid JSON at line 1, column 7}, {@code holds a JSON array, not an object}.
     */
    public static Map<String, Object> read(byte[] json) throws IOException {
        return read(json, false);
    }

    /**
     * As {@link #read(byte[])}, with numbers exactly as written: integers as
     * BigInteger, fractions as BigDecimal (OCI's uint64 fields, seccomp argument
     * values above 2^63).
     */
    public static Map<String, Object> readExact(byte[] json) throws IOException {
        return read(json, true);
    }

    private static Map<String, Object> read(byte[] json, boolean exact) throws IOException {
        if (json.length == 0 || new String(json, java.nio.charset.StandardCharsets.ISO_8859_1).isBlank()) {
            throw new IOException("is empty");
        }
        try (JsonParser p = FACTORY.createParser(json)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) throw new IOException("holds " + kind(first) + ", not an object");
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) readValue(p, exact);
            if (p.nextToken() != null) {
                throw new IOException("has more after its object at line " + p.currentTokenLocation().getLineNr()
                        + ", column " + p.currentTokenLocation().getColumnNr());
            }
            return m;
        } catch (com.fasterxml.jackson.core.io.JsonEOFException e) {
            throw new IOException("ends early at byte " + json.length + " (truncated?)", e);
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            throw new IOException("nests deeper than 64 levels", e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var at = e.getLocation();
            if (at == null) throw new IOException("is not valid JSON", e);
            if (String.valueOf(e.getOriginalMessage()).startsWith("Unexpected end-of-input")) {
                throw new IOException("ends early at byte " + json.length + " (truncated?)", e); // between two fields
            }
            throw new IOException("is not valid JSON at line " + at.getLineNr() + ", column " + at.getColumnNr(), e);
        }
    }

    private static String kind(JsonToken t) {
        if (t == null) return "nothing";
        return switch (t) {
            case START_ARRAY -> "a JSON array";
            case VALUE_STRING -> "a JSON string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a JSON number";
            case VALUE_TRUE, VALUE_FALSE -> "a JSON boolean";
            case VALUE_NULL -> "JSON null";
            default -> "no JSON value";
        };
    }

    private static Object readValue(JsonParser p, boolean exact) throws IOException {
        if (p.currentToken() == null) throw new IOException("ends early (truncated?)");
        return switch (p.currentToken()) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    m.put(name, readValue(p, exact)); // a repeated key: the last wins, as in Go's decoder
                }
                yield m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) l.add(readValue(p, exact));
                yield l;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> exact ? p.getBigIntegerValue() : p.getLongValue();
            case VALUE_NUMBER_FLOAT -> exact ? p.getDecimalValue() : p.getDoubleValue();
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
