package dev.quilt.cli.fast;

import dev.quilt.cli.Invocation;
import dev.quilt.linux.LinuxPaths;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server's side of native/src/client/proto.h: what test_client_proto.c checks on the client's. */
class FastMessagesTest {
    @Test
    void aRecordReadsBackWholeAndOnlyWhenWhole() {
        ByteBuf fields = Unpooled.buffer();
        fields.writeBytes(FastMessages.record(FastMessages.F_ARG, "ps"));
        fields.writeBytes(FastMessages.record(FastMessages.F_ENV, "A=b=c"));
        byte[] value = new byte[fields.readableBytes()];
        fields.readBytes(value);
        ByteBuf wire = FastMessages.record(FastMessages.REQUEST, value);
        ByteBuf cut = wire.copy(0, wire.readableBytes() - 1);
        assertTrue(FastMessages.next(cut).isEmpty(), "a message cut short waits for more bytes");
        assertEquals(0, cut.readerIndex(), "and consumes nothing");

        FastMessages.Record r = FastMessages.next(wire).orElseThrow();
        assertEquals(FastMessages.REQUEST, r.tag());
        assertEquals(List.of("ps", "A=b=c"), r.fields().stream().map(FastMessages.Record::text).toList());
        assertEquals(0, wire.readableBytes());
    }

    @Test
    void theHeaderIsTlvsInTheHostsOrder() {
        ByteBuf b = FastMessages.record(FastMessages.EXIT, "3");
        boolean little = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        assertEquals(FastMessages.EXIT, little ? b.getUnsignedShortLE(0) : b.getUnsignedShort(0));
        assertEquals(0, b.getUnsignedShort(2));
        assertEquals(1, little ? b.getIntLE(4) : b.getInt(4));
        assertEquals(3, FastMessages.next(b).orElseThrow().number());
    }

    @Test
    void brokenMessagesAreRefused() {
        ByteBuf liar = Unpooled.buffer().writeShortLE(FastMessages.REQUEST).writeShortLE(0).writeIntLE(Integer.MAX_VALUE);
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            assertThrows(FastMessages.BadMessage.class, () -> FastMessages.next(liar), "over the limit");
        }
        ByteBuf truncated = FastMessages.record(FastMessages.F_ARG, "abc");
        FastMessages.Record r = new FastMessages.Record(FastMessages.REQUEST,
                java.util.Arrays.copyOf(bytes(truncated), 9));
        assertThrows(FastMessages.BadMessage.class, r::fields, "a truncated field");
        assertThrows(FastMessages.BadMessage.class, () -> new FastMessages.Record(FastMessages.F_ROWS,
                "x1".getBytes()).number(), "a number that is not one");
    }

    @Test
    void theRequestNamesItsVerbAndRootAsEachFaceReadsThem() {
        Path cwd = Path.of("/srv/work");
        FastCall.Request quilt = request("quilt", cwd, "--debug", "--root", "r", "exec", "c", "--root", "x");
        assertEquals("exec", quilt.verb());
        assertEquals(LinuxPaths.under(Path.of("/srv/work/r")), quilt.root(), "relative to the caller's directory");
        assertEquals(LinuxPaths.DEFAULT, request("quilt", cwd, "ps").root());
        assertEquals(LinuxPaths.under(Path.of("/t")), request("quilt", cwd, "--root=/t", "ps").root());

        FastCall.Request runc = request("quilt-runc", cwd, "--log", "l.json", "--root", "/a", "state", "x");
        assertEquals("state", runc.verb());
        assertEquals(LinuxPaths.under(Path.of("/a")), runc.root());
        assertEquals(LinuxPaths.under(Path.of("/run/quilt-runc")), request("quilt-runc", cwd, "list").root(),
                "runc's default root");
        assertEquals("", request("quilt", cwd, "--version").verb());
    }

    private static FastCall.Request request(String face, Path cwd, String... args) {
        return new FastCall.Request(face, List.of(args), Map.of(), cwd, Invocation.Size.NONE, List.of(0, 1, 2));
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(b.readerIndex(), out);
        return out;
    }
}
