package dev.quilt.linux.jni;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A helper's socket (SOCK_SEQPACKET); no root needed. */
class SocketsTest {
    @TempDir
    Path dir;

    /**
     * A helper that sent its answer and left with a message of ours unread (a short exec's quilt-exec and the FDS it
     * never needed): the kernel reports ECONNRESET once, ahead of the answer, which is still there to read.
     */
    @Test
    void aPeerThatLeftOurMessageUnreadHasStillSaidWhatItSent() {
        NativeLibrary.load(dir.resolve("native"));
        int[] pair = Sockets.pair();
        try {
            byte[] result = "RESULT".getBytes(StandardCharsets.UTF_8);
            Sockets.send(pair[1], result, result.length, "test");
            byte[] ours = "FDS".getBytes(StandardCharsets.UTF_8);
            Sockets.send(pair[0], ours, ours.length, "test");
            Processes.closeFd(pair[1]); // with our message unread
            pair[1] = -1;
            byte[] buf = new byte[64];
            int n = Sockets.receive(pair[0], buf, "test");
            assertEquals("RESULT", new String(buf, 0, n, StandardCharsets.UTF_8));
            assertEquals(0, Sockets.receive(pair[0], buf, "test"), "then its end of file");
        } finally {
            Processes.closeFd(pair[0]);
            if (pair[1] >= 0) Processes.closeFd(pair[1]);
        }
    }
}
