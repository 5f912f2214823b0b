package dev.quilt.linux.image;

import dev.quilt.domain.Digest;
import dev.quilt.domain.Image;
import dev.quilt.domain.ImageName;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.JsonCodec;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.Clock;
import dev.quilt.ports.ImageStore;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * {@code <data>/images/<hex>/rootfs} plus {@code image.json}; names are
 * symlinks {@code images/.names/<name> -> <hex>}. An import unpacks into a
 * private temp directory and renames it into place, so an image is either
 * all there or not there at all.
 */
public final class FsImageStore implements ImageStore {
    private static final Pattern HEX_PREFIX = Pattern.compile("[0-9a-f]{1,64}");
    private static final Pattern HEX = Pattern.compile("[0-9a-f]{64}");
    private static final String META = "image.json";

    private final LinuxPaths paths;
    private final Clock clock;
    private final boolean preserveOwnership;

    public FsImageStore(LinuxPaths paths, Clock clock, boolean preserveOwnership) {
        this.paths = paths;
        this.clock = clock;
        this.preserveOwnership = preserveOwnership;
    }

    @Override
    public Image importTar(InputStream raw, Optional<ImageName> name, ImportProgress progress) {
        Path images = paths.images();
        Path tmp = images.resolve(dev.quilt.linux.Abandoned.name(UUID.randomUUID().toString()));
        try {
            Files.createDirectories(images);
            Files.createDirectory(tmp);
            Path rootfs = tmp.resolve("rootfs");
            Files.createDirectory(rootfs);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            long size;
            try (InputStream plain = decompress(new BufferedInputStream(new Counting(raw, progress), 1 << 16));
                 DigestInputStream digesting = new DigestInputStream(plain, sha);
                 TarArchiveInputStream tar = new TarArchiveInputStream(digesting)) {
                size = new TarExtractor(rootfs, preserveOwnership).extract(tar);
                digesting.transferTo(OutputStream.nullOutputStream()); // the trailer belongs to the digest too
            }
            if (isEmpty(rootfs)) throw QuiltException.invalid("the archive holds no files; is it a tar?");
            Digest digest = Digest.sha256(HexFormat.of().formatHex(sha.digest()));
            Path target = images.resolve(digest.hex());
            Instant now = clock.now();
            if (!Files.isDirectory(target)) {
                Map<String, Object> meta = new java.util.LinkedHashMap<>();
                meta.put("digest", digest.value());
                meta.put("size", size);
                meta.put("imported", now.toString());
                AtomicFiles.write(tmp.resolve(META), JsonCodec.write(meta));
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                    AtomicFiles.syncDirectory(images);
                } catch (IOException e) {
                    // rename(2) onto a full directory is ENOTEMPTY: the same content arrived through another quilt
                    if (!Files.isRegularFile(target.resolve(META))) throw e;
                }
            }
            if (name.isPresent()) name(name.get(), digest);
            return find(digest.value()).orElseThrow();
        } catch (IOException e) {
            throw importFailed(e, tmp.resolve("rootfs"));
        } catch (UncheckedIOException e) {
            throw importFailed(e.getCause(), tmp.resolve("rootfs"));
        } catch (InvalidPathException e) {
            throw QuiltException.invalid("refused archive entry '" + printable(e.getInput()) + "': it is not a valid path");
        } catch (QuiltException e) {
            throw e;
        } catch (IllegalArgumentException | IllegalStateException e) {
            // what the tar reader throws for a header it cannot make sense of
            throw QuiltException.invalid("the archive is not a valid tar (a header does not parse); is it a .tar or .tar.gz?");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    private static InputStream decompress(BufferedInputStream in) throws IOException {
        in.mark(2);
        int a = in.read(), b = in.read();
        in.reset();
        return a == 0x1f && b == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }

    /**
     * Writing the tree fails with a FileSystemException (it names a file, shown
     * as the entry's path in the image); anything else is the archive's fault.
     */
    private static QuiltException importFailed(IOException e, Path rootfs) {
        if (e instanceof java.nio.file.FileSystemException fs) {
            String file = fs.getFile() == null ? "" : fs.getFile();
            String shown = file.startsWith(rootfs + "/") ? "'" + printable(file.substring(rootfs.toString().length() + 1)) + "'"
                    : printable(file);
            return new QuiltException(QuiltException.Kind.SYSTEM, "image import failed writing " + shown + ": "
                    + reason(e), e);
        }
        if (e instanceof java.io.EOFException) return QuiltException.invalid("the archive ends early; is it truncated?");
        if (e instanceof ZipException) {
            return QuiltException.invalid("the archive is not valid gzip (damaged, or not gzip at all)");
        }
        return QuiltException.invalid("the archive is not a valid tar (a header does not parse); is it a .tar or .tar.gz?");
    }

    /** A name as a message shows it: control characters escaped, and not longer than a line. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(100).forEach(c -> {
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", c));
            else b.appendCodePoint(c);
        });
        return s.codePointCount(0, s.length()) > 100 ? b + "..." : b.toString();
    }

    private void name(ImageName name, Digest digest) throws IOException {
        Path names = paths.images().resolve(".names");
        Files.createDirectories(names);
        Path tmp = names.resolve(".tmp-" + UUID.randomUUID());
        Files.createSymbolicLink(tmp, Path.of(digest.hex()));
        Files.move(tmp, names.resolve(name.value()), StandardCopyOption.ATOMIC_MOVE); // a name moves, as a tag does
        AtomicFiles.syncDirectory(names);
    }

    @Override
    public Optional<Image> find(String ref) {
        return resolve(ref).flatMap(d -> load(d.hex()));
    }

    @Override
    public Optional<Digest> resolve(String ref) {
        if (Digest.looksLike(ref)) {
            Digest d = new Digest(ref);
            return Files.isDirectory(paths.images().resolve(d.hex())) ? Optional.of(d) : Optional.empty();
        }
        Path link = paths.images().resolve(".names").resolve(ref);
        if (isValidName(ref)) {
            try {
                String hex = Files.readSymbolicLink(link).toString();
                if (HEX.matcher(hex).matches() && Files.isDirectory(paths.images().resolve(hex))) {
                    return Optional.of(Digest.sha256(hex));
                }
                return Optional.empty();
            } catch (NoSuchFileException | java.nio.file.NotLinkException e) {
                // not a name; maybe a digest prefix
            } catch (IOException e) {
                throw failed("read image name", link, e);
            }
        }
        if (!HEX_PREFIX.matcher(ref).matches()) return Optional.empty();
        List<String> matches = hexes().stream().filter(h -> h.startsWith(ref) && HEX.matcher(h).matches()).toList();
        if (matches.size() > 1) {
            throw QuiltException.conflict("image prefix '" + ref + "' matches " + matches.size() + " images; give more digits");
        }
        return matches.isEmpty() ? Optional.empty() : Optional.of(Digest.sha256(matches.get(0)));
    }

    private static boolean isValidName(String ref) {
        try {
            new ImageName(ref);
            return true;
        } catch (QuiltException e) {
            return false;
        }
    }

    @Override
    public List<Image> list(java.util.function.Consumer<String> unreadable) {
        List<Image> out = new ArrayList<>();
        Map<String, List<ImageName>> names = namesByHex(); // one scan of the names for all images
        for (String hex : hexes()) {
            try {
                load(hex, names).ifPresent(out::add);
            } catch (QuiltException e) {
                unreadable.accept(e.getMessage()); // one image's metadata never hides the others
            }
        }
        out.sort((a, b) -> a.importedAt().compareTo(b.importedAt()));
        return out;
    }

    @Override
    public boolean untag(ImageName name) {
        Path names = paths.images().resolve(".names");
        try {
            boolean gone = Files.deleteIfExists(names.resolve(name.value())); // one unlink: atomic
            if (gone) AtomicFiles.syncDirectory(names);
            return gone;
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot untag image '" + name + "': " + reason(e), e);
        }
    }

    @Override
    public void remove(Digest digest) {
        Path dir = paths.images().resolve(digest.hex());
        try {
            for (ImageName n : namesByHex().getOrDefault(digest.hex(), List.of())) {
                Files.deleteIfExists(paths.images().resolve(".names").resolve(n.value()));
            }
            // out of sight first, so a crash half-way never leaves a half image that looks whole
            Path doomed = paths.images().resolve(dev.quilt.linux.Abandoned.name("rm-" + UUID.randomUUID()));
            try {
                Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException e) {
                return;
            }
            AtomicFiles.syncDirectory(paths.images());
            AtomicFiles.deleteTree(doomed);
        } catch (IOException e) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot remove image " + digest.shortForm()
                    + ": " + reason(e), e);
        }
    }

    @Override
    public int sweepAbandoned() {
        try {
            return dev.quilt.linux.Abandoned.sweep(paths.images()).size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Optional<Image> load(String hex) {
        return load(hex, namesByHex());
    }

    /**
     * The image in {@code images/<hex>}; empty when there is none. An image.json
     * that cannot be read is one line saying so and how to get rid of the image.
     */
    private Optional<Image> load(String hex, Map<String, List<ImageName>> names) {
        Path meta = paths.images().resolve(hex).resolve(META);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(meta);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw broken(hex, META + " cannot be read: " + reason(e));
        }
        Map<String, Object> f;
        try {
            f = JsonCodec.read(bytes);
        } catch (IOException e) {
            throw broken(hex, META + " " + e.getMessage());
        }
        try {
            Digest digest = new Digest(JsonCodec.string(f, "digest"));
            if (!digest.hex().equals(hex)) throw new IOException("it names image " + digest.shortForm());
            return Optional.of(new Image(digest, names.getOrDefault(hex, List.of()), JsonCodec.number(f, "size"),
                    Instant.parse(JsonCodec.string(f, "imported"))));
        } catch (IOException | QuiltException e) {
            throw broken(hex, META + ": " + String.valueOf(e.getMessage()).replace('\n', ' '));
        } catch (java.time.DateTimeException e) {
            throw broken(hex, META + ": field 'imported' is not a time");
        }
    }

    private static QuiltException broken(String hex, String why) {
        String shortHex = hex.substring(0, Math.min(12, hex.length()));
        return QuiltException.conflict("image '" + shortHex + "' cannot be read (" + why
                + "); remove it with 'quilt image rm " + shortHex + "'");
    }

    private static String reason(IOException e) {
        return dev.quilt.linux.IoErrors.why(e);
    }

    private static QuiltException failed(String what, Path path, IOException e) {
        return new QuiltException(QuiltException.Kind.SYSTEM, what + " " + path + " failed: " + reason(e), e);
    }

    private List<String> hexes() {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(paths.images())) return out;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(paths.images())) {
            for (Path d : dirs) {
                String n = d.getFileName().toString();
                if (!n.startsWith(".")) out.add(n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private Map<String, List<ImageName>> namesByHex() {
        Map<String, List<ImageName>> out = new HashMap<>();
        Path names = paths.images().resolve(".names");
        if (!Files.isDirectory(names)) return out;
        try (DirectoryStream<Path> links = Files.newDirectoryStream(names)) {
            for (Path l : links) {
                String n = l.getFileName().toString();
                if (n.startsWith(".")) continue;
                try {
                    out.computeIfAbsent(Files.readSymbolicLink(l).toString(), k -> new ArrayList<>()).add(new ImageName(n));
                } catch (IOException e) {
                    // removed meanwhile
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.values().forEach(l -> l.sort((a, b) -> a.value().compareTo(b.value())));
        return out;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            AtomicFiles.deleteTree(p);
        } catch (IOException e) {
            // a leftover .tmp- directory is swept by the next gc
        }
    }

    /** Counts compressed bytes read, for progress bars. */
    private static final class Counting extends FilterInputStream {
        private final ImportProgress progress;
        private long total, reported;

        Counting(InputStream in, ImportProgress progress) {
            super(in);
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) add(1);
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) add(n);
            return n;
        }

        private void add(long n) {
            total += n;
            if (total - reported >= (1 << 20)) {
                reported = total;
                progress.bytesRead(total);
            }
        }
    }
}
