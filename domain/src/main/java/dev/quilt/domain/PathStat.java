package dev.quilt.domain;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A path's stat in a container, as the Engine API gives it (API 1.41 "Get information about files in a
 * container": the {@code X-Docker-Container-Path-Stat} header, base64 of its JSON). {@code mode} is the Linux
 * {@code st_mode} (stat(2)); {@link #fileMode} turns it into Go's {@code os.FileMode} bits, which docker sends;
 * {@code size} in bytes; {@code linkTarget} the symlink's target as readlink(2) gives it, else empty.
 */
public record PathStat(String name, long size, int mode, Instant mtime, String linkTarget) {
    // Go's io/fs FileMode type bits (io/fs/fs.go)
    static final long GO_DIR = 1L << 31;
    static final long GO_SYMLINK = 1L << 27;
    static final long GO_DEVICE = 1L << 26;
    static final long GO_NAMED_PIPE = 1L << 25;
    static final long GO_SOCKET = 1L << 24;
    static final long GO_SETUID = 1L << 23;
    static final long GO_SETGID = 1L << 22;
    static final long GO_CHAR_DEVICE = 1L << 21;
    static final long GO_STICKY = 1L << 20;

    private static final DateTimeFormatter RFC3339_NANO =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'").withZone(ZoneOffset.UTC);

    /** Go's {@code os.FileMode} of {@code mode} (as Go's {@code fillFileStatFromSys}): permissions plus type bits. */
    public long fileMode() {
        long m = mode & 0777;
        switch (mode & 0170000) {
            case 0040000 -> m |= GO_DIR;
            case 0120000 -> m |= GO_SYMLINK;
            case 0060000 -> m |= GO_DEVICE;
            case 0020000 -> m |= GO_DEVICE | GO_CHAR_DEVICE;
            case 0010000 -> m |= GO_NAMED_PIPE;
            case 0140000 -> m |= GO_SOCKET;
            default -> { }
        }
        if ((mode & 04000) != 0) m |= GO_SETUID;
        if ((mode & 02000) != 0) m |= GO_SETGID;
        if ((mode & 01000) != 0) m |= GO_STICKY;
        return m;
    }

    public boolean directory() {
        return (mode & 0170000) == 0040000;
    }

    /** {@code mtime} as Go's {@code time.Time} marshals to JSON: RFC 3339 in UTC, nanoseconds without trailing zeros. */
    public String mtimeRfc3339() {
        String s = RFC3339_NANO.format(mtime);
        int dot = s.indexOf('.');
        int end = s.length() - 1; // the 'Z'
        int cut = end;
        while (cut > dot + 1 && s.charAt(cut - 1) == '0') cut--;
        if (cut == dot + 1) cut = dot; // no fraction at all
        return s.substring(0, cut) + "Z";
    }

    /** The JSON object docker sends: name, size, mode (Go bits), mtime, linkTarget. */
    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("size", size);
        m.put("mode", fileMode());
        m.put("mtime", mtimeRfc3339());
        m.put("linkTarget", linkTarget);
        return m;
    }
}
