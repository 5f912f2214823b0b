package dev.quilt.cli.serve;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The event loop's hand-off of a body to a worker: order, end, failure, back-pressure and buffers released. */
class BodyPipeTest {
    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    @Test
    void readsWhatWasOfferedInOrderThenEnds() throws IOException {
        BodyPipe p = new BodyPipe(new EmbeddedChannel());
        p.offer(bytes("hello "));
        p.offer(bytes("world"));
        p.end();
        assertEquals("hello world", new String(p.readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(-1, p.read());
        assertTrue(p.ended());
    }

    @Test
    void aReaderWaitsForBytesFromAnotherThread() throws Exception {
        BodyPipe p = new BodyPipe(new EmbeddedChannel());
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try {
                return p.readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertFalse(read.isDone());
        p.offer(bytes("late"));
        p.end();
        assertArrayEquals("late".getBytes(StandardCharsets.UTF_8), read.get(30, TimeUnit.SECONDS));
    }

    @Test
    void aConnectionLostMidBodyFailsTheReaderAfterWhatArrived() throws IOException {
        BodyPipe p = new BodyPipe(new EmbeddedChannel());
        p.offer(bytes("part"));
        p.clientGone();
        byte[] b = new byte[16];
        assertEquals(4, p.read(b, 0, 16));
        IOException e = assertThrows(IOException.class, () -> p.read(b, 0, 16));
        assertEquals("the client went away", e.getMessage());
        assertEquals(0, e.getStackTrace().length, "every connection's close says so: no stack trace taken");
        assertFalse(p.ended());
    }

    @Test
    void aFailureAfterTheEndIsNoFailure() throws IOException {
        BodyPipe p = new BodyPipe(new EmbeddedChannel());
        p.offer(bytes("all"));
        p.end();
        p.fail(new IOException("closed after the body"));
        assertEquals("all", new String(p.readAllBytes(), StandardCharsets.UTF_8));
        assertTrue(p.ended());
    }

    @Test
    void pastHighTheChannelStopsReadingAndBelowLowItReadsAgain() throws IOException {
        EmbeddedChannel ch = new EmbeddedChannel();
        BodyPipe p = new BodyPipe(ch);
        int chunk = 64 << 10;
        long offered = 0;
        while (offered <= BodyPipe.HIGH) {
            p.offer(Unpooled.wrappedBuffer(new byte[chunk]));
            offered += chunk;
        }
        assertFalse(ch.config().isAutoRead(), "held past " + BodyPipe.HIGH + " unread bytes");
        byte[] b = new byte[chunk];
        long left = offered;
        while (left >= BodyPipe.LOW + chunk) {
            assertFalse(ch.config().isAutoRead(), "still held with " + left + " unread");
            left -= p.read(b, 0, chunk);
        }
        left -= p.read(b, 0, chunk);
        assertTrue(left < BodyPipe.LOW);
        assertTrue(ch.config().isAutoRead(), "reading again below " + BodyPipe.LOW);
    }

    @Test
    void closeReleasesWhatIsUnreadAndWhateverComesLater() {
        EmbeddedChannel ch = new EmbeddedChannel();
        BodyPipe p = new BodyPipe(ch);
        ByteBuf unread = Unpooled.wrappedBuffer(new byte[(int) BodyPipe.HIGH + 1]);
        p.offer(unread);
        assertFalse(ch.config().isAutoRead());
        p.close();
        assertEquals(0, unread.refCnt());
        assertTrue(ch.config().isAutoRead(), "a closed pipe holds nothing back");
        ByteBuf late = bytes("late");
        p.offer(late);
        assertEquals(0, late.refCnt());
    }

    @Test
    void anInterruptedReaderGetsAnInterruptedIoException() throws Exception {
        BodyPipe p = new BodyPipe(new EmbeddedChannel());
        CompletableFuture<Throwable> caught = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                p.read();
                caught.complete(null);
            } catch (IOException e) {
                caught.complete(e);
            }
        });
        reader.start();
        reader.interrupt();
        assertTrue(caught.get(30, TimeUnit.SECONDS) instanceof java.io.InterruptedIOException);
        reader.join();
    }
}
