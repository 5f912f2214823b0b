package dev.quilt.linux.seccomp;

import dev.quilt.domain.Capabilities;
import dev.quilt.domain.Capability;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.Seccomp;
import dev.quilt.domain.seccomp.Platform;
import dev.quilt.domain.seccomp.SeccompProfile;
import dev.quilt.domain.seccomp.SeccompProfileParser;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.JsonCodec;
import dev.quilt.linux.jni.SeccompCompiler;
import dev.quilt.ports.SeccompFilters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;

/**
 * Seccomp programs compiled by libseccomp once and then only read: in memory per
 * JVM, and on disk under the cache directory (normally {@code data/seccomp/}),
 * written atomically (temp, fsync, rename, fsync dir).
 *
 * <p>What a program depends on is its <em>key</em>: {@link #FORMAT}, libseccomp's
 * version, the architecture and kernel (major.minor) it is resolved for, the
 * bounding capabilities its includes/excludes test, and the profile's text. A cache
 * file is named by CRC-32s of the key's parts and holds the key itself before the
 * program; a hit is a byte-for-byte match of the key, so a collision or a damaged
 * file is only a compile, never a wrong program. No cryptographic hash on the way:
 * in a JVM that has just started, SHA-256 of the 13-18 KB profile runs interpreted
 * and costs milliseconds, where the {@code seccomp} budget of a start is one; CRC-32
 * is native code.
 *
 * <p>A cache that cannot be written (a full or read-only disk) costs a compile per
 * start, nothing more.
 */
public final class LinuxSeccompFilters implements SeccompFilters {
    /** Bumped when the way a profile becomes a program (or the file's layout) changes. */
    static final String FORMAT = "quilt-seccomp-2";
    /** The default profile, kept as data (see README.md beside it). */
    static final String DEFAULT_RESOURCE = "/dev/quilt/linux/seccomp/default.json";
    /** BPF_MAXINSNS: the kernel takes no longer program. */
    private static final int MAX_PROGRAM = 4096 * SeccompCompiler.INSTRUCTION_BYTES;

    private static volatile byte[] defaultBytes;

    private final Path cacheDir;
    private final Platform platform;
    /** name -> the cache file's bytes (key, then program). */
    private final Map<String, byte[]> memory = new ConcurrentHashMap<>();
    private volatile String libseccomp;
    private int compiles;

    /** Cache under {@code cacheDir}, for this host's architecture and kernel; needs the native library loaded. */
    public LinuxSeccompFilters(Path cacheDir) {
        this(cacheDir, Platform.of(System.getProperty("os.arch"), System.getProperty("os.version")));
    }

    public LinuxSeccompFilters(Path cacheDir, Platform platform) {
        this.cacheDir = cacheDir;
        this.platform = platform;
    }

    @Override
    public Optional<byte[]> program(Seccomp choice, Capabilities caps) {
        // instanceof, not a pattern switch: its bootstrap costs milliseconds in a fresh JVM
        if (choice instanceof Seccomp.Default) {
            // named by its jar entry, not read: inflating 20 KB costs half a millisecond per start
            return Optional.of(program("the default profile", defaultProfileKey(),
                    LinuxSeccompFilters::defaultProfileBytes, caps));
        }
        if (choice instanceof Seccomp.Profile p) {
            byte[] text = p.json().getBytes(StandardCharsets.UTF_8);
            return Optional.of(program("'" + p.origin() + "'", text, () -> text, caps));
        }
        return Optional.empty(); // Unconfined
    }

    /** How many programs this instance compiled (not found in memory or on disk): what the cache saves. */
    public synchronized int compiles() {
        return compiles;
    }

    /** The cache file a program for these inputs is kept in. */
    Path cacheFile(byte[] profileText, Capabilities caps) {
        return cacheDir.resolve(name(header(caps), profileText));
    }

    /**
     * {@code text} names the profile in the key (its whole text, or for the default profile its
     * jar entry's CRC-32 and size); {@code profile} gives the text to compile when no file matches.
     */
    private byte[] program(String origin, byte[] text, java.util.function.Supplier<byte[]> profile, Capabilities caps) {
        byte[] header = header(caps);
        String name = name(header, text);
        byte[] file = memory.get(name);
        int at = file == null ? -1 : programOffset(file, header, text);
        if (at < 0) {
            Path path = cacheDir.resolve(name);
            file = read(path);
            at = file == null ? -1 : programOffset(file, header, text);
            if (at < 0) {
                file = layout(header, text, compile(origin, profile.get(), caps));
                at = 12 + header.length + text.length;
                store(path, file);
            }
            memory.put(name, file);
        }
        return Arrays.copyOfRange(file, at, file.length);
    }

    private byte[] compile(String origin, byte[] text, Capabilities caps) {
        Map<String, Object> tree;
        try {
            tree = JsonCodec.read(text);
        } catch (IOException e) {
            throw QuiltException.invalid("seccomp profile " + origin + " " + e.getMessage());
        }
        SeccompProfile profile = SeccompProfileParser.parse(origin, tree);
        byte[] p = SeccompCompiler.compile(profile.resolve(caps, platform));
        if (p.length == 0 || p.length > MAX_PROGRAM || p.length % SeccompCompiler.INSTRUCTION_BYTES != 0) {
            throw QuiltException.invalid("seccomp profile " + origin + " compiles to " + p.length / 8
                    + " instructions; the kernel takes at most 4096");
        }
        synchronized (this) {
            compiles++;
        }
        return p;
    }

    /**
     * The file: header length, header, text length, text, program length, program
     * (lengths as 4-byte big-endian ints).
     */
    private static byte[] layout(byte[] header, byte[] text, byte[] program) {
        return ByteBuffer.allocate(12 + header.length + text.length + program.length).putInt(header.length).put(header)
                .putInt(text.length).put(text).putInt(program.length).put(program).array();
    }

    /** Where the program starts when {@code file} was made for this header and text; -1 when it was not, or is damaged. */
    private static int programOffset(byte[] file, byte[] header, byte[] text) {
        int h = header.length;
        int t = text.length;
        int at = 12 + h + t;
        if (file.length <= at) return -1;
        ByteBuffer b = ByteBuffer.wrap(file);
        if (b.getInt(0) != h || b.getInt(4 + h) != t || b.getInt(8 + h + t) != file.length - at) return -1;
        int n = file.length - at;
        if (n > MAX_PROGRAM || n % SeccompCompiler.INSTRUCTION_BYTES != 0) return -1;
        if (!Arrays.equals(file, 4, 4 + h, header, 0, h)) return -1;
        if (!Arrays.equals(file, 8 + h, 8 + h + t, text, 0, t)) return -1;
        return at;
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            return null; // missing or unreadable: compile, and the store replaces it
        }
    }

    private void store(Path file, byte[] content) {
        try {
            if (!Files.isDirectory(cacheDir)) {
                Files.createDirectories(cacheDir,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            AtomicFiles.write(file, content);
        } catch (IOException | UnsupportedOperationException e) {
            // a cache that cannot be written costs a compile next time, nothing else
        }
    }

    /** Everything but the profile's text that the program depends on. */
    private byte[] header(Capabilities caps) {
        String lib = libseccomp;
        if (lib == null) libseccomp = lib = SeccompCompiler.libseccompVersion();
        long mask = 0;
        for (Capability c : caps.bounding()) mask |= 1L << c.number();
        // a builder, not '+': each concatenation site is bootstrapped on its first run
        return new StringBuilder(96).append(FORMAT).append("\nlibseccomp ").append(lib).append('\n')
                .append(platform.seccompArch()).append(' ').append(platform.nativeArch()).append(' ')
                .append(platform.kernel().major()).append('.').append(platform.kernel().minor())
                .append("\ncaps ").append(Long.toHexString(mask)).append('\n').toString()
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String name(byte[] header, byte[] text) {
        CRC32 a = new CRC32();
        a.update(header);
        CRC32 b = new CRC32();
        b.update(text);
        return new StringBuilder(32).append(hex8(a.getValue())).append(hex8(b.getValue()))
                .append(Integer.toHexString(text.length)).append(".bpf").toString();
    }

    /** Not String.format: its parser is milliseconds of class loading in a fresh JVM. */
    private static String hex8(long v) {
        String s = Long.toHexString(v);
        return "00000000".substring(s.length()).concat(s);
    }

    /** The profile kept in the repo, as text. */
    public static String defaultProfile() {
        return new String(defaultProfileBytes(), StandardCharsets.UTF_8);
    }

    private static volatile byte[] defaultKey;

    /**
     * What names the default profile in a cache key without reading it: inside a jar, the CRC-32
     * and size the jar's directory records for its entry (nothing is inflated; the native library
     * is named the same way); elsewhere (tests from target/classes), its bytes.
     */
    static byte[] defaultProfileKey() {
        byte[] k = defaultKey;
        if (k != null) return k;
        try {
            java.net.URL url = LinuxSeccompFilters.class.getResource(DEFAULT_RESOURCE);
            if (url != null && url.openConnection() instanceof java.net.JarURLConnection jar) {
                java.util.jar.JarEntry e = jar.getJarEntry();
                if (e.getCrc() >= 0 && e.getSize() >= 0) {
                    k = ("jar entry " + DEFAULT_RESOURCE + " crc32 " + Long.toHexString(e.getCrc()) + " size "
                            + e.getSize()).getBytes(StandardCharsets.UTF_8);
                }
            }
        } catch (IOException e) {
            // named by its bytes below
        }
        if (k == null) k = defaultProfileBytes();
        defaultKey = k;
        return k;
    }

    /** The profile kept in the repo, read once per JVM. */
    static byte[] defaultProfileBytes() {
        byte[] t = defaultBytes;
        if (t != null) return t;
        try (InputStream in = LinuxSeccompFilters.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new QuiltException(QuiltException.Kind.SYSTEM,
                        "this build of quilt lacks its default seccomp profile; rebuild with 'mvn package'");
            }
            t = in.readAllBytes();
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot read quilt's default seccomp profile: "
                    + e.getMessage(), e);
        }
        defaultBytes = t;
        return t;
    }
}
