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
            throw importFailed(e);
        } catch (InvalidPathException e) {
            throw QuiltException.invalid("refused archive entry: " + e.getMessage());
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

    /** Writing the tree fails with a FileSystemException (it names a file); anything else is the archive's fault. */
    private static QuiltException importFailed(IOException e) {
        if (e instanceof java.nio.file.FileSystemException fs) {
            return new QuiltException(QuiltException.Kind.SYSTEM, "image import failed: " + fs.getMessage(), e);
        }
        if (e instanceof java.io.EOFException) return QuiltException.invalid("the archive ends early; is it truncated?");
        if (e instanceof ZipException) return QuiltException.invalid("the archive is not valid gzip: " + e.getMessage());
        return QuiltException.invalid("the archive is not a valid tar: " + String.valueOf(e.getMessage()).toLowerCase());
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
        if (Digest.looksLike(ref)) return load(new Digest(ref).hex());
        Path link = paths.images().resolve(".names").resolve(ref);
        if (isValidName(ref)) {
            try {
                return load(Files.readSymbolicLink(link).toString());
            } catch (NoSuchFileException e) {
                // not a name; maybe a digest prefix
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (!HEX_PREFIX.matcher(ref).matches()) return Optional.empty();
        List<String> matches = hexes().stream().filter(h -> h.startsWith(ref)).toList();
        if (matches.size() > 1) {
            throw QuiltException.conflict("image prefix '" + ref + "' matches " + matches.size() + " images; give more digits");
        }
        return matches.isEmpty() ? Optional.empty() : load(matches.get(0));
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
    public List<Image> list() {
        List<Image> out = new ArrayList<>();
        Map<String, List<ImageName>> names = namesByHex(); // one scan of the names for all images
        for (String hex : hexes()) load(hex, names).ifPresent(out::add);
        out.sort((a, b) -> a.importedAt().compareTo(b.importedAt()));
        return out;
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
                    + ": " + e.getMessage(), e);
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

    private Optional<Image> load(String hex, Map<String, List<ImageName>> names) {
        Path meta = paths.images().resolve(hex).resolve(META);
        try {
            Map<String, Object> f = JsonCodec.read(Files.readAllBytes(meta));
            return Optional.of(new Image(new Digest(JsonCodec.string(f, "digest")), names.getOrDefault(hex, List.of()),
                    JsonCodec.number(f, "size"), Instant.parse(JsonCodec.string(f, "imported"))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
