package dev.quilt.linux.monitor;

import dev.quilt.domain.QuiltException;
import dev.quilt.linux.jni.Protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds one message of native/include/quilt/proto.h: u16 tag, u16 zero, u32 length, bytes.
 * It grows as records come, up to {@link Protocol#BODY_MAX}; one longer than
 * {@link Protocol#MSG_INLINE_MAX} travels as a sealed memfd (the library's send does that).
 */
final class MessageWriter {
    private ByteBuffer buf = ByteBuffer.allocate(4096).order(ByteOrder.nativeOrder());

    MessageWriter(int type) {
        put(Protocol.T_TYPE, Integer.toString(type));
    }

    private MessageWriter() {}

    /** Records without a message type: a part made once and added to many messages ({@link #putRecords}). */
    static MessageWriter part() {
        return new MessageWriter();
    }

    /** The records of a {@link #part()}, as they are. */
    MessageWriter putRecords(byte[] records) {
        grow((long) buf.position() + records.length);
        buf.put(records);
        return this;
    }

    /** The records written so far, copied. */
    byte[] records() {
        return java.util.Arrays.copyOf(buf.array(), buf.position());
    }

    MessageWriter put(int tag, String value) {
        return put(tag, value.getBytes(StandardCharsets.UTF_8));
    }

    /** A record of raw bytes (only the seccomp program may hold NUL bytes). */
    MessageWriter put(int tag, byte[] bytes) {
        grow((long) buf.position() + 8 + bytes.length);
        buf.putShort((short) tag).putShort((short) 0).putInt(bytes.length).put(bytes);
        return this;
    }

    private void grow(long need) {
        if (need > Protocol.BODY_MAX) {
            throw QuiltException.invalid("the container's command and environment are too large (over "
                    + Protocol.BODY_MAX / (1024 * 1024) + " MiB)");
        }
        if (need > buf.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(Protocol.BODY_MAX, Math.max(need, 2L * buf.capacity())))
                    .order(ByteOrder.nativeOrder());
            bigger.put(buf.array(), 0, buf.position());
            buf = bigger;
        }
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
