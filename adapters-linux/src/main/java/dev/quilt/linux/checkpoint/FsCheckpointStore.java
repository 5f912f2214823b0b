package dev.quilt.linux.checkpoint;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.Digest;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.checkpoint.CheckpointCheck;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.domain.checkpoint.CheckpointRef;
import dev.quilt.linux.Abandoned;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.IoErrors;
import dev.quilt.linux.JsonCodec;
import dev.quilt.linux.state.ContainerRecords;
import dev.quilt.ports.CheckpointStore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * {@code DATA/checkpoints/<container id>/<name>/}: a draft is {@code .tmp-<pid>-<start>-<name>} beside it
 * ({@link Abandoned}: removed by {@code gc} once its maker is dead); a commit lists and hashes every file, writes
 * {@code manifest.json} last (temp, fsync, rename), fsyncs every file and the draft, renames the draft into place
 * and fsyncs the container's directory. A crash at any point leaves a draft (no manifest, swept) or the whole
 * checkpoint.
 */
public final class FsCheckpointStore implements CheckpointStore {
    private final Path root;

    /** @param root {@code DATA/checkpoints} */
    public FsCheckpointStore(Path root) {
        this.root = root;
    }

    @Override
    public Draft begin(ContainerId id, CheckpointName name) {
        Path parent = root.resolve(id.value());
        Path target = parent.resolve(name.value());
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) throw exists(id, name);
        Path draft = parent.resolve(Abandoned.name(name.value()));
        try {
            Files.createDirectories(parent);
            Files.createDirectory(draft);
            Files.createDirectory(draft.resolve(CheckpointManifest.IMAGES));
        } catch (IOException e) {
            throw system("cannot make a checkpoint draft in " + parent + ": " + IoErrors.why(e), e);
        }
        return new Draft() {
            private boolean committed;

            @Override
            public Path directory() {
                return draft;
            }

            @Override
            public void saveRecord(Container container) {
                try {
                    Files.write(draft.resolve(CheckpointManifest.CONTAINER), ContainerRecords.encode(container),
                            StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } catch (IOException e) {
                    throw system("cannot write " + draft.resolve(CheckpointManifest.CONTAINER) + ": "
                            + IoErrors.why(e), e);
                }
            }

            @Override
            public Stored commit(CheckpointManifest header) {
                try {
                    List<CheckpointCheck.Found> found = scan(draft);
                    List<CheckpointManifest.FileEntry> files = found.stream()
                            .map(f -> new CheckpointManifest.FileEntry(f.path(), f.size(), f.sha256())).toList();
                    Optional<Digest> spec = found.stream().filter(f -> f.path().equals(CheckpointManifest.CONTAINER))
                            .map(CheckpointCheck.Found::sha256).findFirst();
                    CheckpointManifest m = new CheckpointManifest(header.formatVersion(), name, id,
                            header.containerName(), header.created(), header.criuVersion(), header.kernelRelease(),
                            spec, header.imageDigest(), header.leftRunning(), header.tcpEstablished(),
                            header.externals(), files);
                    for (CheckpointCheck.Found f : found) sync(draft.resolve(f.path()));
                    AtomicFiles.syncDirectory(draft.resolve(CheckpointManifest.IMAGES));
                    AtomicFiles.write(draft.resolve(CheckpointManifest.MANIFEST), JsonCodec.write(ManifestJson.toMap(m)));
                    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) throw exists(id, name);
                    Files.move(draft, target, StandardCopyOption.ATOMIC_MOVE);
                    AtomicFiles.syncDirectory(parent);
                    committed = true;
                    return new Stored(id, name, Optional.of(m), m.containerName(), Optional.empty());
                } catch (IOException e) {
                    throw system("cannot commit checkpoint " + name + " of " + id.shortForm() + " in " + parent + ": "
                            + IoErrors.why(e), e);
                }
            }

            @Override
            public void close() {
                if (committed) return;
                try {
                    AtomicFiles.deleteTree(draft);
                    removeIfEmpty(parent);
                } catch (IOException e) {
                    // a draft left behind is gc's: its maker will be dead
                }
            }
        };
    }

    private static QuiltException exists(ContainerId id, CheckpointName name) {
        return QuiltException.conflict("container " + id.shortForm() + " already has a checkpoint named '" + name
                + "'; give another --name, or remove it with 'quilt checkpoint rm " + id.shortForm() + "/" + name
                + "'");
    }

    private static QuiltException system(String message, Throwable cause) {
        return new QuiltException(QuiltException.Kind.SYSTEM, message, cause);
    }

    private static void sync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Every regular file under {@code dir} but the manifest, with size, sha256 and first four bytes. */
    static List<CheckpointCheck.Found> scan(Path dir) throws IOException {
        List<CheckpointCheck.Found> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted().toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isDirectory()) continue;
                String rel = dir.relativize(p).toString();
                if (rel.equals(CheckpointManifest.MANIFEST)) continue;
                if (!a.isRegularFile()) {
                    out.add(new CheckpointCheck.Found(rel, -1, Digest.sha256("0".repeat(64)), Optional.empty()));
                    continue;
                }
                out.add(hash(p, rel));
            }
        }
        return out;
    }

    private static CheckpointCheck.Found hash(Path p, String rel) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 16];
        long size = 0;
        byte[] head = new byte[4];
        int headLen = 0;
        try (InputStream in = Files.newInputStream(p)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n && headLen < 4; i++) head[headLen++] = buf[i];
                sha.update(buf, 0, n);
                size += n;
            }
        }
        Optional<Integer> magic = headLen == 4
                ? Optional.of(ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt()) : Optional.empty();
        return new CheckpointCheck.Found(rel, size, Digest.sha256(HexFormat.of().formatHex(sha.digest())), magic);
    }

    @Override
    public List<Stored> list() {
        List<Stored> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        try (DirectoryStream<Path> containers = Files.newDirectoryStream(root)) {
            for (Path c : containers) {
                Optional<ContainerId> id = ContainerId.parse(c.getFileName().toString());
                if (id.isEmpty() || !Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) continue;
                List<Stored> mine = new ArrayList<>();
                try (DirectoryStream<Path> names = Files.newDirectoryStream(c)) {
                    for (Path n : names) {
                        Optional<CheckpointName> name = CheckpointName.parse(n.getFileName().toString());
                        if (name.isEmpty() || !Files.isDirectory(n, LinkOption.NOFOLLOW_LINKS)) continue;
                        mine.add(read(id.get(), name.get(), n));
                    }
                }
                mine.sort(Comparator.comparing(Stored::entry, CheckpointRef.NEWEST_FIRST));
                out.addAll(mine);
            }
        } catch (IOException e) {
            throw system("cannot list " + root + ": " + IoErrors.why(e), e);
        }
        return out;
    }

    /**
     * One checkpoint's directory as it is: its manifest if readable, else why not; the first difference between the
     * manifest and the files' names and sizes (no file is read: {@link CheckpointCheck#listed}); its time, the
     * manifest's, else the saved record's modification time.
     */
    private static Stored read(ContainerId id, CheckpointName name, Path dir) {
        Path manifest = dir.resolve(CheckpointManifest.MANIFEST);
        Optional<ContainerName> fromRecord = recordName(dir);
        Instant saved = savedAt(dir);
        if (!Files.exists(manifest, LinkOption.NOFOLLOW_LINKS)) {
            return new Stored(id, name, Optional.empty(), fromRecord, Optional.of("no " + CheckpointManifest.MANIFEST),
                    saved);
        }
        CheckpointManifest m;
        try {
            m = ManifestJson.fromMap(JsonCodec.read(Files.readAllBytes(manifest)));
        } catch (IOException | RuntimeException e) {
            return new Stored(id, name, Optional.empty(), fromRecord, Optional.of(CheckpointManifest.MANIFEST
                    + " cannot be read: " + (e instanceof IOException io ? IoErrors.why(io) : e.getMessage())), saved);
        }
        Optional<String> problem;
        try {
            problem = CheckpointCheck.listed(Optional.of(m), listing(dir)).stream().findFirst();
        } catch (IOException e) {
            problem = Optional.of("cannot be listed: " + IoErrors.why(e));
        }
        return new Stored(id, name, Optional.of(m), m.containerName().or(() -> fromRecord), problem, m.created());
    }

    /** Every file under {@code dir} but the manifest, with its size (-1: not a regular file), read from its inode. */
    private static List<CheckpointCheck.Listed> listing(Path dir) throws IOException {
        List<CheckpointCheck.Listed> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted().toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isDirectory()) continue;
                String rel = dir.relativize(p).toString();
                if (rel.equals(CheckpointManifest.MANIFEST)) continue;
                out.add(new CheckpointCheck.Listed(rel, a.isRegularFile() ? a.size() : -1));
            }
        }
        return out;
    }

    /** When the dump saved the record (its file's modification time; it is never written again), else the epoch. */
    private static Instant savedAt(Path dir) {
        try {
            return Files.getLastModifiedTime(dir.resolve(CheckpointManifest.CONTAINER), LinkOption.NOFOLLOW_LINKS)
                    .toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    private static Optional<ContainerName> recordName(Path dir) {
        try {
            return ContainerRecords.decode(Files.readAllBytes(dir.resolve(CheckpointManifest.CONTAINER))).name();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public Verified verify(Stored s, Predicate<Digest> imageKnown) {
        Path dir = root.resolve(s.id().value()).resolve(s.name().value());
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw QuiltException.notFound("no checkpoint '" + s.ref() + "'; see 'quilt checkpoint ls'");
        }
        Stored now = read(s.id(), s.name(), dir);
        String ref = refOf(now); // the lines' advice must name it in a form that works
        if (now.manifest().isEmpty() && Files.exists(dir.resolve(CheckpointManifest.MANIFEST))) {
            throw QuiltException.invalid("checkpoint '" + ref + "' is damaged: " + now.problem().orElse("")
                    + "; remove it with 'quilt checkpoint rm " + ref + "'");
        }
        List<CheckpointCheck.Found> found;
        try {
            found = scan(dir);
        } catch (IOException e) {
            throw system("cannot read checkpoint " + dir + ": " + IoErrors.why(e), e);
        }
        List<String> problems = CheckpointCheck.problems(ref, now.manifest(), found, imageKnown);
        if (!problems.isEmpty()) throw QuiltException.invalid(problems.get(0));
        Container record;
        try {
            record = ContainerRecords.decode(Files.readAllBytes(dir.resolve(CheckpointManifest.CONTAINER)));
        } catch (IOException e) {
            throw QuiltException.invalid("checkpoint '" + ref + "' is damaged: " + CheckpointManifest.CONTAINER
                    + " cannot be read (" + IoErrors.why(e) + "); remove it with 'quilt checkpoint rm " + ref + "'");
        }
        return new Verified(now, now.manifest().orElseThrow(), record, dir);
    }

    @Override
    public void remove(Stored s) {
        Path parent = root.resolve(s.id().value());
        Path dir = parent.resolve(s.name().value());
        try {
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                // renamed away first: a crash half-way leaves a draft for gc, never half a checkpoint
                Path away = parent.resolve(Abandoned.name("rm-" + s.name().value()));
                Files.move(dir, away, StandardCopyOption.ATOMIC_MOVE);
                AtomicFiles.syncDirectory(parent);
                AtomicFiles.deleteTree(away);
            }
            removeIfEmpty(parent);
        } catch (IOException e) {
            throw system("cannot remove checkpoint " + dir + ": " + IoErrors.why(e), e);
        }
    }

    private static void removeIfEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isEmpty()) Files.deleteIfExists(dir);
        } catch (java.nio.file.NoSuchFileException | java.nio.file.DirectoryNotEmptyException e) {
            // gone, or filled meanwhile
        }
    }

    @Override
    public int removeAbandonedDrafts() {
        int n = 0;
        if (!Files.isDirectory(root)) return 0;
        try (DirectoryStream<Path> containers = Files.newDirectoryStream(root)) {
            for (Path c : containers) {
                if (ContainerId.parse(c.getFileName().toString()).isEmpty()) continue;
                n += Abandoned.sweep(c).size();
                removeIfEmpty(c);
            }
        } catch (IOException e) {
            throw system("cannot sweep " + root + ": " + IoErrors.why(e), e);
        }
        return n;
    }
}
