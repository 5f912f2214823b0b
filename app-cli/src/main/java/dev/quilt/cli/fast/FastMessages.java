package dev.quilt.cli.fast;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The fast CLI's messages, as {@code native/src/client/proto.h} defines them: records of {@code common/tlv.h}
 * (tag u16, two zero bytes, length u32, in the host's byte order: both ends are on one host), a message's value
 * holding its own records; numbers are decimal text.
 */
final class FastMessages {
    static final int VERSION = 1;
    /** The most either side takes in one message (proto.h's PROTO_MAX). */
    static final int MAX = 1024 * 1024;

    static final int REQUEST = 1;
    static final int SIGNAL = 2;
    static final int SEND_FDS = 20;
    static final int REFUSE = 21;
    static final int RUNNING = 22;
    static final int EXIT = 23;

    static final int F_VERSION = 1;
    static final int F_FACE = 2;
    static final int F_ARG = 3;
    static final int F_ENV = 4;
    static final int F_CWD = 5;
    static final int F_TTY = 6;
    static final int F_ROWS = 7;
    static final int F_COLS = 8;
    static final int F_FD = 9;
    /** One per {@link #F_FD}, in order: that fd's status flags on the client's side (F_GETFL), or -1. */
    static final int F_FD_FLAGS = 11;
    static final int F_SIGNO = 10;

    private static final int HEADER = 8;
    private static final boolean LITTLE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private FastMessages() {}

    /** One record: its tag and value. */
    record Record(int tag, byte[] value) {
        String text() {
            return new String(value, StandardCharsets.UTF_8);
        }

        /** The decimal value, or a {@link BadMessage}. */
        long number() {
            try {
                return Long.parseLong(text());
            } catch (NumberFormatException e) {
                throw new BadMessage("field " + tag + " is not a number");
            }
        }

        List<Record> fields() {
            return parse(Unpooled.wrappedBuffer(value));
        }

        Optional<Record> field(int tag) {
            return fields().stream().filter(r -> r.tag == tag).findFirst();
        }
    }

    /** A message that breaks the protocol: the connection ends. */
    static final class BadMessage extends RuntimeException {
        BadMessage(String message) {
            super(message);
        }
    }

    /** The next whole record in {@code in} (consumed), or empty when more bytes are needed. */
    static Optional<Record> next(ByteBuf in) {
        if (in.readableBytes() < HEADER) return Optional.empty();
        int at = in.readerIndex();
        int tag = LITTLE ? in.getUnsignedShortLE(at) : in.getUnsignedShort(at);
        long len = LITTLE ? in.getUnsignedIntLE(at + 4) : in.getUnsignedInt(at + 4);
        if (len > MAX) throw new BadMessage("a message of " + len + " bytes is over the limit");
        if (in.readableBytes() - HEADER < len) return Optional.empty();
        byte[] value = new byte[(int) len];
        in.getBytes(at + HEADER, value);
        in.skipBytes(HEADER + (int) len);
        return Optional.of(new Record(tag, value));
    }

    /** Every record of {@code in}; a truncated one is a {@link BadMessage}. */
    static List<Record> parse(ByteBuf in) {
        List<Record> all = new ArrayList<>();
        while (in.isReadable()) {
            all.add(next(in).orElseThrow(() -> new BadMessage("a truncated record")));
        }
        return all;
    }

    /** One record with {@code value} as its bytes. */
    static ByteBuf record(int tag, byte[] value) {
        ByteBuf b = Unpooled.buffer(HEADER + value.length);
        if (LITTLE) {
            b.writeShortLE(tag).writeShortLE(0).writeIntLE(value.length);
        } else {
            b.writeShort(tag).writeShort(0).writeInt(value.length);
        }
        return b.writeBytes(value);
    }

    static ByteBuf record(int tag, String value) {
        return record(tag, value.getBytes(StandardCharsets.UTF_8));
    }
}
