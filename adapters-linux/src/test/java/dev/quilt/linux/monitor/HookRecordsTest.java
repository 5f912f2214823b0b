package dev.quilt.linux.monitor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.quilt.domain.Bundle;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.RuncTerms;
import dev.quilt.domain.oci.HookState;
import dev.quilt.domain.oci.OciHooks;
import dev.quilt.linux.jni.Protocol;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The hooks the monitor and the init run go as tags 120-125, each hook's args and env right after
 * it; poststart and poststop stay with the JVM; the state's two halves make runtime.md's JSON.
 */
class HookRecordsTest {
    private static final JsonFactory JSON = new JsonFactory();
    private static final ContainerId ID = ContainerId.of("c1");

    /** Every record from the first hook record on: "TAG VALUE". */
    private static List<String> hookRecords(MessageWriter w) {
        ByteBuffer b = ByteBuffer.wrap(w.array(), 0, w.length()).order(ByteOrder.nativeOrder());
        List<String> out = new ArrayList<>();
        while (b.remaining() >= 8) {
            int t = b.getShort() & 0xffff;
            b.getShort();
            byte[] v = new byte[b.getInt()];
            b.get(v);
            if (t >= Protocol.T_HOOK && t <= Protocol.T_HOOK_DIR) out.add(t + " " + new String(v, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static OciHooks.Hook hook(String path, List<String> args, List<String> env, Optional<Integer> timeout) {
        return new OciHooks.Hook(path, args, env, timeout);
    }

    private static Bundle bundle(OciHooks hooks, Map<String, String> annotations) {
        return new Bundle("/srv/b", annotations, Map.of(), Optional.empty(), hooks, RuncTerms.QUILT);
    }

    private static MessageWriter encode(Bundle b) {
        MessageWriter w = new MessageWriter(Protocol.MSG_CONFIG);
        HookRecords.put(w, ID, b);
        return w;
    }

    @Test
    void theMonitorsHooksGoInTheSpecsOrderAndTheJvmsStayBehind() {
        OciHooks.Hook a = hook("/bin/a", List.of("a", "x"), List.of("A=1"), Optional.of(3));
        OciHooks.Hook plain = hook("/bin/p", List.of(), List.of(), Optional.empty());
        Bundle b = bundle(new OciHooks(List.of(plain), List.of(a), List.of(plain), List.of(a), List.of(a), List.of(a)),
                Map.of());
        assertEquals(List.of(
                "120 prestart 0 /bin/p",
                "120 createRuntime 3000 /bin/a", "121 a", "121 x", "122 A=1",
                "120 createContainer 0 /bin/p",
                "120 startContainer 3000 /bin/a", "121 a", "121 x", "122 A=1",
                "123 " + HookState.head("c1"), "124 " + HookState.tail(b), "125 /srv/b"), hookRecords(encode(b)));
    }

    @Test
    void onlyPoststartAndPoststopSendNothing() {
        OciHooks.Hook a = hook("/bin/a", List.of(), List.of(), Optional.empty());
        Bundle b = bundle(new OciHooks(List.of(), List.of(), List.of(), List.of(), List.of(a), List.of(a)), Map.of());
        assertEquals(List.of(), hookRecords(encode(b)));
    }

    @Test
    void aNulByteIsRefusedNamingTheHook() {
        OciHooks.Hook a = hook("/bin/a", List.of("a", "x\0y"), List.of(), Optional.empty());
        Bundle b = bundle(new OciHooks(List.of(), List.of(), List.of(a), List.of(), List.of(), List.of()), Map.of());
        QuiltException e = assertThrows(QuiltException.class, () -> encode(b));
        assertEquals("config.json: hooks.createContainer[0] holds a NUL byte, which no path, argument or environment"
                + " variable can hold; remove it", e.getMessage());
    }

    @Test
    void moreHooksThanTheMonitorHoldsAreRefused() {
        OciHooks.Hook a = hook("/bin/a", List.of(), List.of(), Optional.empty());
        Bundle b = bundle(new OciHooks(List.of(), Collections.nCopies(65, a), List.of(), List.of(), List.of(), List.of()),
                Map.of());
        QuiltException e = assertThrows(QuiltException.class, () -> encode(b));
        assertEquals("a bundle may have at most 64 prestart, createRuntime, createContainer and startContainer hooks"
                + " together, not 65", e.getMessage());
    }

    /** Whatever the id, bundle and annotations hold, head + status + pid + tail is JSON with those values. */
    @Property(tries = 200)
    void theStateIsJsonWithItsFields(@ForAll String id, @ForAll Map<String, String> annotations, @ForAll String path)
            throws IOException {
        Bundle b = new Bundle("/" + path, annotations, Map.of(), Optional.empty(), null, null);
        String text = HookState.head(id) + ",\"status\":\"created\",\"pid\":7" + HookState.tail(b);
        Map<String, Object> s = object(text);
        assertEquals(Map.of("ociVersion", HookState.OCI_VERSION, "id", id, "status", "created", "pid", "7",
                "bundle", "/" + path, "annotations", annotations), s, text);
    }

    /** A JSON object of strings, numbers (as text) and objects of strings, read strictly to its end. */
    private static Map<String, Object> object(String text) throws IOException {
        try (JsonParser p = JSON.createParser(text)) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            Map<String, Object> m = members(p);
            assertEquals(null, p.nextToken(), "nothing after the object");
            return m;
        }
    }

    private static Map<String, Object> members(JsonParser p) throws IOException {
        Map<String, Object> m = new HashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            Object old = m.put(name, v == JsonToken.START_OBJECT ? members(p) : p.getText());
            assertEquals(null, old, "field " + name + " twice");
        }
        assertEquals(JsonToken.END_OBJECT, p.currentToken());
        return m;
    }
}
