package dev.quilt.ports;

import dev.quilt.domain.PathStat;
import dev.quilt.domain.QuiltException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link ContainerFiles} must do, run against the fake and (as root, on a real container) the Linux
 * adapter. The container must have a directory {@code /tmp} and a regular file {@code /etc/hostname}.
 */
public abstract class ContainerFilesContract {
    private static final ContainerFiles.PutOptions PLAIN = new ContainerFiles.PutOptions(false, false);

    protected abstract ContainerFiles files();

    /** A running container with {@code /tmp} and {@code /etc/hostname}. */
    protected abstract ContainerFiles.Target container();

    /** The entries of a ustar/pax tar: name → content (directories: "/"). */
    protected static Map<String, String> entries(byte[] tar) {
        Map<String, String> m = new LinkedHashMap<>();
        int off = 0;
        String longName = null;
        while (off + 512 <= tar.length && tar[off] != 0) {
            String name = field(tar, off, 100);
            String prefix = field(tar, off + 345, 155);
            long size = Long.parseLong(field(tar, off + 124, 12).trim().isEmpty() ? "0"
                    : field(tar, off + 124, 12).trim(), 8);
            char type = (char) tar[off + 156];
            byte[] data = java.util.Arrays.copyOfRange(tar, off + 512, off + 512 + (int) size);
            off += 512 + (int) ((size + 511) / 512 * 512);
            if (type == 'x') {
                for (String rec : new String(data, StandardCharsets.UTF_8).split("\n")) {
                    int sp = rec.indexOf(' ');
                    if (sp > 0 && rec.substring(sp + 1).startsWith("path=")) longName = rec.substring(sp + 6);
                }
                continue;
            }
            if (type == 'L') {
                longName = new String(data, StandardCharsets.UTF_8).replace("\0", "");
                continue;
            }
            String full = longName != null ? longName : prefix.isEmpty() ? name : prefix + "/" + name;
            longName = null;
            full = full.endsWith("/") ? full.substring(0, full.length() - 1) : full;
            m.put(full, type == '5' ? "/" : new String(data, StandardCharsets.UTF_8));
        }
        return m;
    }

    private static String field(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) end++;
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private byte[] get(String path) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        files().get(container(), path, out);
        return out.toByteArray();
    }

    private void put(String path, byte[] tar) {
        files().put(container(), path, new ByteArrayInputStream(tar), PLAIN);
    }

    private static String unique() {
        return "t" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void whatGoesInComesBackUnderItsBaseName() {
        String d = unique();
        put("/tmp", new TestTars().dir(d).file(d + "/a.txt", "alpha").dir(d + "/sub").file(d + "/sub/b", "beta")
                .bytes());
        Map<String, String> got = entries(get("/tmp/" + d));
        assertEquals(Map.of(d, "/", d + "/a.txt", "alpha", d + "/sub", "/", d + "/sub/b", "beta"), got);
        assertEquals(Map.of("b", "beta"), entries(get("/tmp/" + d + "/sub/b")));
    }

    @Test
    void statNamesThePathsBaseAndKind() {
        PathStat dir = files().stat(container(), "/tmp");
        assertEquals("tmp", dir.name());
        assertTrue(dir.directory());
        PathStat file = files().stat(container(), "/etc/hostname");
        assertEquals("hostname", file.name());
        assertFalse(file.directory());
        assertEquals(entries(get("/etc/hostname")).get("hostname").length(), file.size());
    }

    @Test
    void aMissingPathIsNotFound() {
        QuiltException e = assertThrows(QuiltException.class, () -> files().stat(container(), "/no/such"));
        assertEquals(QuiltException.Kind.NOT_FOUND, e.kind());
        assertEquals(QuiltException.Kind.NOT_FOUND,
                assertThrows(QuiltException.class, () -> get("/no/such")).kind());
        assertEquals(QuiltException.Kind.NOT_FOUND,
                assertThrows(QuiltException.class, () -> put("/no/such", new TestTars().file("x", "1").bytes()))
                        .kind());
    }

    @Test
    void putUnderAFileIsInvalid() {
        QuiltException e = assertThrows(QuiltException.class,
                () -> put("/etc/hostname", new TestTars().file("x", "1").bytes()));
        assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void entriesThatClimbAreAbsoluteOrGoThroughASymlinkAreRefusedByName() {
        String u = unique();
        for (byte[] tar : new byte[][] {
                new TestTars().file("../../" + u, "x").bytes(),
                new TestTars().file("/" + u, "x").bytes(),
                new TestTars().symlink(u, "/etc").file(u + "/passwd", "x").bytes()}) {
            QuiltException e = assertThrows(QuiltException.class, () -> put("/tmp", tar));
            assertEquals(QuiltException.Kind.INVALID_INPUT, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains(u), e.getMessage());
        }
        assertFalse(entries(get("/etc")).getOrDefault("etc/passwd", "").equals("x"), "nothing written through it");
    }

    @Test
    void aSymlinkInTheContainerResolvesInsideItsRoot() {
        String u = unique();
        put("/tmp", new TestTars().symlink(u, "/").bytes());
        String name = unique();
        put("/tmp/" + u + "/tmp", new TestTars().file(name, "inside").bytes());
        assertEquals(Map.of(name, "inside"), entries(get("/tmp/" + name)));
        PathStat link = files().stat(container(), "/tmp/" + u);
        assertEquals("/", link.linkTarget());
    }
}
