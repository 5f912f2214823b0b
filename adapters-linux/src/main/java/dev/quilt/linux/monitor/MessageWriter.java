package dev.quilt.linux.monitor;

import dev.quilt.domain.QuiltException;
import dev.quilt.linux.jni.Protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds one message of native/include/quilt/proto.h: u16 tag, u16 zero, u32 length, bytes. */
final class MessageWriter {
    private final ByteBuffer buf = ByteBuffer.allocate(Protocol.MSG_MAX).order(ByteOrder.nativeOrder());

    MessageWriter(int type) {
        put(Protocol.T_TYPE, Integer.toString(type));
    }

    MessageWriter put(int tag, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        if (buf.remaining() < 8 + bytes.length) {
            throw QuiltException.invalid("the container's command and environment are too large (over "
                    + Protocol.MSG_MAX / 1024 + " KiB)");
        }
        buf.putShort((short) tag).putShort((short) 0).putInt(bytes.length).put(bytes);
        return this;
    }

    MessageWriter put(int tag, long value) {
        return put(tag, Long.toString(value));
    }

    byte[] array() {
        return buf.array();
    }

    int length() {
        return buf.position();
    }
}
