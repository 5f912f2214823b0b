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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Seccomp programs compiled by libseccomp once and then only read: in memory per
 * JVM, and on disk as {@code <cache>/<sha256>.bpf} (normally {@code data/seccomp/}),
 * written atomically (temp, fsync, rename, fsync dir). The name hashes everything
 * the program depends on: the profile's text, the bounding capabilities its
 * includes/excludes test, the architecture and kernel (major.minor) it is resolved
 * for, libseccomp's version and {@link #FORMAT}. A start with a cached program
 * hashes a few KB and reads one file; podman compiles on every start.
 *
 * <p>A cache that cannot be written (a full or read-only disk) costs a compile per
 * start, nothing more; a cached file that is not a whole number of instructions is
 * compiled again and replaced.
 */
public final class LinuxSeccompFilters implements SeccompFilters {
    /** Bumped when the way a profile becomes a program changes, so old cache files are not used. */
    static final String FORMAT = "quilt-seccomp-1";
    /** The default profile, kept as data (see README.md beside it). */
    static final String DEFAULT_RESOURCE = "/dev/quilt/linux/seccomp/default.json";
    /** BPF_MAXINSNS: the kernel takes no longer program. */
    private static final int MAX_BYTES = 4096 * SeccompCompiler.INSTRUCTION_BYTES;

    private static volatile String defaultText;

    private final Path cacheDir;
    private final Platform platform;
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
        return switch (choice) {
            case Seccomp.Unconfined u -> Optional.empty();
            case Seccomp.Default d -> Optional.of(program("the default profile", defaultProfile(), caps));
            case Seccomp.Profile p -> Optional.of(program("'" + p.origin() + "'", p.json(), caps));
        };
    }

    /** How many programs this instance compiled (not found in memory or on disk): what the cache saves. */
    public synchronized int compiles() {
        return compiles;
    }

    /** The cache file a program for these inputs is kept in. */
    Path cacheFile(String profileText, Capabilities caps) {
        return cacheDir.resolve(key(profileText, caps) + ".bpf");
    }

    private byte[] program(String origin, String text, Capabilities caps) {
        String key = key(text, caps);
        byte[] p = memory.get(key);
        if (p != null) return p.clone();
        Path file = cacheDir.resolve(key + ".bpf");
        p = readCached(file);
        if (p == null) {
            p = compile(origin, text, caps);
            store(file, p);
        }
        memory.put(key, p);
        return p.clone();
    }

    private byte[] compile(String origin, String text, Capabilities caps) {
        Map<String, Object> tree;
        try {
            tree = JsonCodec.read(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw QuiltException.invalid("seccomp profile " + origin + " " + e.getMessage());
        }
        SeccompProfile profile = SeccompProfileParser.parse(origin, tree);
        byte[] p = SeccompCompiler.compile(profile.resolve(caps, platform));
        synchronized (this) {
            compiles++;
        }
        return p;
    }

    private static byte[] readCached(Path file) {
        try {
            byte[] b = Files.readAllBytes(file);
            if (b.length > 0 && b.length <= MAX_BYTES && b.length % SeccompCompiler.INSTRUCTION_BYTES == 0) return b;
            return null; // not a program: compile again and replace it
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null; // unreadable: the compile below is the answer, and the store tries to mend it
        }
    }

    private void store(Path file, byte[] program) {
        try {
            if (!Files.isDirectory(cacheDir)) {
                Files.createDirectories(cacheDir,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            AtomicFiles.write(file, program);
        } catch (IOException | UnsupportedOperationException e) {
            // a cache that cannot be written costs a compile next time, nothing else
        }
    }

    private String key(String text, Capabilities caps) {
        String lib = libseccomp;
        if (lib == null) libseccomp = lib = SeccompCompiler.libseccompVersion();
        StringBuilder b = new StringBuilder(FORMAT).append('\n').append(lib).append('\n')
                .append(platform.seccompArch()).append(' ').append(platform.nativeArch()).append(' ')
                .append(platform.kernel()).append('\n');
        EnumSet<Capability> bounding = caps.bounding().isEmpty() ? EnumSet.noneOf(Capability.class)
                : EnumSet.copyOf(caps.bounding());
        for (Capability c : bounding) b.append(c.ociName()).append(',');
        b.append('\n');
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b.toString().getBytes(StandardCharsets.UTF_8));
            md.update(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The profile kept in the repo, read once per JVM. */
    public static String defaultProfile() {
        String t = defaultText;
        if (t != null) return t;
        try (InputStream in = LinuxSeccompFilters.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new QuiltException(QuiltException.Kind.SYSTEM,
                        "this build of quilt lacks its default seccomp profile; rebuild with 'mvn package'");
            }
            t = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot read quilt's default seccomp profile: "
                    + e.getMessage(), e);
        }
        defaultText = t;
        return t;
    }
}
