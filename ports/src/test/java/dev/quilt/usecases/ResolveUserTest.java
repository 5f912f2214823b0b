package dev.quilt.usecases;

import dev.quilt.ports.TestTars;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tar quilt-archive answers for one path: only a regular file is read as /etc/passwd or /etc/group. */
class ResolveUserTest {
    @Test
    void theFirstEntryWhenItIsARegularFile() {
        byte[] tar = new TestTars().file("passwd", "nobody:x:65534:65534::/:/bin/false\n").bytes();
        assertEquals("nobody:x:65534:65534::/:/bin/false\n",
                new String(ResolveUser.firstRegularFile(tar).orElseThrow(), StandardCharsets.UTF_8));
    }

    @Test
    void aLongNameEntryBeforeItIsSkipped() {
        byte[] tar = new TestTars().longNamedFile("p".repeat(150), "root:x:0:0::/:/bin/sh\n").bytes();
        assertEquals("root:x:0:0::/:/bin/sh\n",
                new String(ResolveUser.firstRegularFile(tar).orElseThrow(), StandardCharsets.UTF_8));
    }

    @Test
    void aSymlinkADirectoryOrABrokenTarIsNoFile() {
        assertTrue(ResolveUser.firstRegularFile(new TestTars().symlink("passwd", "/etc/shadow").bytes()).isEmpty());
        assertTrue(ResolveUser.firstRegularFile(new TestTars().dir("passwd").bytes()).isEmpty());
        assertTrue(ResolveUser.firstRegularFile(new byte[0]).isEmpty());
        byte[] whole = new TestTars().file("passwd", "x".repeat(2000)).bytes();
        assertTrue(ResolveUser.firstRegularFile(Arrays.copyOf(whole, 1000)).isEmpty(), "cut short");
    }
}
