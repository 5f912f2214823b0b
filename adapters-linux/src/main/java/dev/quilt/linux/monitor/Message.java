package dev.quilt.linux.monitor;

import dev.quilt.linux.jni.Protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** One message read from a monitor: its type and its (single-valued) records. */
record Message(int type, Map<Integer, String> fields) {

    static Message parse(byte[] data, int length) {
        ByteBuffer b = ByteBuffer.wrap(data, 0, length).order(ByteOrder.nativeOrder());
        Map<Integer, String> fields = new HashMap<>();
        while (b.remaining() >= 8) {
            int tag = Short.toUnsignedInt(b.getShort());
            b.getShort();
            int len = b.getInt();
            if (len < 0 || len > b.remaining()) throw new IllegalStateException("truncated message from quilt-monitor");
            byte[] v = new byte[len];
            b.get(v);
            fields.put(tag, new String(v, StandardCharsets.UTF_8));
        }
        if (b.hasRemaining()) throw new IllegalStateException("truncated message from quilt-monitor");
        String type = fields.get(Protocol.T_TYPE);
        if (type == null) throw new IllegalStateException("message from quilt-monitor without a type");
        return new Message(Integer.parseInt(type), Map.copyOf(fields));
    }

    Optional<String> get(int tag) {
        return Optional.ofNullable(fields.get(tag));
    }

    long number(int tag) {
        String v = fields.get(tag);
        if (v == null) throw new IllegalStateException("message " + type + " from quilt-monitor lacks field " + tag);
        return Long.parseLong(v);
    }
}
