package dev.quilt.linux.jni;

import dev.quilt.domain.QuiltException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * The C core, shipped inside this jar: libquilt.so (the JNI peers),
 * quilt-monitor, quilt-init, quilt-exec and quilt-archive. They are copied once into a private directory named for
 * their content, so concurrent Quilt processes and upgrades never see a
 * half-written file, and the library is loaded from there.
 */
public final class NativeLibrary {
    private static final String RESOURCES = "/dev/quilt/linux/native/";
    private static final String LIBRARY = "libquilt.so";
    private static final String MONITOR = "quilt-monitor";
    private static final String INIT = "quilt-init";
    private static final String EXEC = "quilt-exec";
    private static final String ARCHIVE = "quilt-archive";

    /** A JVM loads a library once; which directory it came from does not matter after that. */
    private static boolean loaded;

    private final Path dir;

    private NativeLibrary(Path dir) {
        this.dir = dir;
    }

    /**
     * Extracts (once per content) under {@code cacheRoot} and loads the
     * library (once per JVM); the monitor is run from {@code cacheRoot}.
     */
    public static synchronized NativeLibrary load(Path cacheRoot) {
        try {
            Path dir = cacheRoot.resolve(fingerprint());
            if (!Files.isRegularFile(dir.resolve(INIT))) extract(cacheRoot, dir);
            if (!loaded) {
                System.load(dir.resolve(LIBRARY).toString());
                Protocol.verify();
                loaded = true;
            }
            return new NativeLibrary(dir);
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM,
                    "cannot unpack quilt's native library into " + cacheRoot + ": " + dev.quilt.linux.IoErrors.why(e), e);
        }
    }

    public Path monitor() {
        return dir.resolve(MONITOR);
    }

    /** Runs one command in a running container: {@code quilt exec}. */
    public Path exec() {
        return dir.resolve(EXEC);
    }

    /** A tar into or out of a running container, inside its root: the API's archive routes. */
    public Path archive() {
        return dir.resolve(ARCHIVE);
    }

    /** pid 1 of persistent containers. */
    public Path init() {
        return dir.resolve(INIT);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new QuiltException(QuiltException.Kind.SYSTEM, "this build of quilt lacks its native "
                        + name + "; rebuild with 'mvn package' (cmake and gcc are needed)");
            }
            return in.readAllBytes();
        }
    }

    /**
     * Names the content without reading it: inside a jar, the CRC-32 and size
     * the jar records for each entry; elsewhere (tests from target/classes),
     * a hash of the bytes.
     */
    private static String fingerprint() throws IOException {
        StringBuilder b = new StringBuilder();
        for (String name : new String[] {LIBRARY, MONITOR, INIT, EXEC, ARCHIVE}) {
            java.net.URL url = NativeLibrary.class.getResource(RESOURCES + name);
            if (url == null) resource(name); // throws the clear message
            if (url.openConnection() instanceof java.net.JarURLConnection jar) {
                java.util.jar.JarEntry e = jar.getJarEntry();
                b.append(Long.toHexString(e.getCrc())).append(Long.toHexString(e.getSize()));
            } else {
                b.append(hash(resource(name)));
            }
        }
        return hash(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String hash(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) md.update(p);
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void extract(Path cacheRoot, Path dir) throws IOException {
        Files.createDirectories(cacheRoot, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path tmp = cacheRoot.resolve(".tmp-" + UUID.randomUUID());
        Files.createDirectory(tmp);
        try {
            for (String name : new String[] {LIBRARY, MONITOR, INIT, EXEC, ARCHIVE}) {
                Files.write(tmp.resolve(name), resource(name));
                Files.setPosixFilePermissions(tmp.resolve(name), PosixFilePermissions.fromString("r-xr-xr-x"));
            }
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // rename(2) onto a full directory is ENOTEMPTY: another Quilt put the same bytes there first
            if (!Files.isRegularFile(dir.resolve(INIT))) throw e;
        } finally {
            if (Files.exists(tmp)) deleteTree(tmp);
        }
    }

    private static void deleteTree(Path tmp) {
        try (var files = Files.list(tmp)) {
            for (Path p : files.toList()) Files.deleteIfExists(p);
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
