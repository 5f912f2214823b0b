package dev.quilt.ports;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes small ustar archives by hand, byte for byte, so contract tests can
 * feed any adapter the same archive (including ones no honest tool would make).
 */
public final class TestTars {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public TestTars dir(String name) {
        return entry(name, '5', 0755, "", new byte[0]);
    }

    public TestTars file(String name, String content) {
        return entry(name, '0', 0644, "", content.getBytes(StandardCharsets.UTF_8));
    }

    /** A file whose name does not fit ustar's 100 bytes: GNU tar's long-name entry, then the file. */
    public TestTars longNamedFile(String name, String content) {
        entry("././@LongLink", 'L', 0644, "", (name + "\0").getBytes(StandardCharsets.UTF_8));
        return file(name.substring(0, Math.min(99, name.length())), content);
    }

    public TestTars symlink(String name, String target) {
        return entry(name, '2', 0777, target, new byte[0]);
    }

    public TestTars hardlink(String name, String target) {
        return entry(name, '1', 0644, target, new byte[0]);
    }

    public byte[] bytes() {
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        copy.writeBytes(out.toByteArray());
        copy.writeBytes(new byte[1024]); // two zero blocks end the archive
        return copy.toByteArray();
    }

    private TestTars entry(String name, char type, int mode, String link, byte[] content) {
        byte[] h = new byte[512];
        put(h, 0, 100, name);
        put(h, 100, 8, octal(mode, 7));
        put(h, 108, 8, octal(0, 7));
        put(h, 116, 8, octal(0, 7));
        put(h, 124, 12, octal(content.length, 11));
        put(h, 136, 12, octal(1_700_000_000L, 11));
        h[156] = (byte) type;
        put(h, 157, 100, link);
        put(h, 257, 6, "ustar");
        put(h, 263, 2, "00");
        for (int i = 148; i < 156; i++) h[i] = ' ';
        long sum = 0;
        for (byte b : h) sum += b & 0xff;
        put(h, 148, 8, octal(sum, 6) + "\0 ");
        out.writeBytes(h);
        out.writeBytes(content);
        int pad = (512 - content.length % 512) % 512;
        out.writeBytes(new byte[pad]);
        return this;
    }

    private static String octal(long v, int width) {
        String s = Long.toOctalString(v);
        return "0".repeat(Math.max(0, width - s.length())) + s;
    }

    private static void put(byte[] h, int off, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > len) throw new IllegalArgumentException("field too long: " + s);
        System.arraycopy(b, 0, h, off, b.length);
    }
}
