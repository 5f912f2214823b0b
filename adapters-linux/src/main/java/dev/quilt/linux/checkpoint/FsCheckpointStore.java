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
import dev.quilt.linux.ProcStat;
import dev.quilt.linux.state.ContainerRecords;
import dev.quilt.ports.CheckpointStore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
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
 *
 * <p>A draft whose maker froze its container holds {@value #FREEZE} (empty, then {@code criu PID START} once CRIU
 * runs) until the thaw; a crash leaves it for {@link #abandonedFreezes}. A restore holds an fcntl read lock on
 * {@value #LOCK} in the checkpoint's directory ({@link #hold}); {@link #remove} takes the write lock without waiting
 * and holds it across the rename away. Threads of one JVM count their holds here first: the JDK refuses a second
 * fcntl lock on one file in one process, and closing a second fd would drop the first's.
 */
public final class FsCheckpointStore implements CheckpointStore {
    /** A draft's record that its maker froze its container (see {@link Draft#freezing}). */
    static final String FREEZE = ".freeze";
    /** The lock file of a stored checkpoint: read-locked by restores, write-locked by a removal. */
    static final String LOCK = ".lock";

    /** The holds of this JVM, by checkpoint directory; guarded by itself. */
    private static final Map<Path, Holding> HOLDS = new java.util.HashMap<>();

    private static final class Holding {
        final FileChannel channel;
        final java.nio.channels.FileLock lock;
        int count;

        Holding(FileChannel channel, java.nio.channels.FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }
    }

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
            public void freezing() {
                writeFreeze(new byte[0]);
            }

            @Override
            public void dumpedBy(dev.quilt.domain.ProcessRef criu) {
                writeFreeze(("criu " + criu.pid() + " " + criu.startTime() + "\n").getBytes(StandardCharsets.UTF_8));
            }

            private void writeFreeze(byte[] content) {
                try {
                    AtomicFiles.write(draft.resolve(FREEZE), content);
                } catch (IOException e) {
                    throw system("cannot write " + draft.resolve(FREEZE) + ": " + IoErrors.why(e), e);
                }
            }

            @Override
            public void thawed() {
                try {
                    Files.deleteIfExists(draft.resolve(FREEZE));
                    AtomicFiles.syncDirectory(draft);
                } catch (IOException e) {
                    throw system("cannot remove " + draft.resolve(FREEZE) + ": " + IoErrors.why(e), e);
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
                if (rel.equals(CheckpointManifest.MANIFEST) || rel.equals(LOCK) || rel.equals(FREEZE)) continue;
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

    /**
     * Every file under {@code dir} but the manifest, the lock and a freeze record (as {@link #scan}), with its size
     * (-1: not a regular file), read from its inode.
     */
    private static List<CheckpointCheck.Listed> listing(Path dir) throws IOException {
        List<CheckpointCheck.Listed> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted().toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isDirectory()) continue;
                String rel = dir.relativize(p).toString();
                if (rel.equals(CheckpointManifest.MANIFEST) || rel.equals(LOCK) || rel.equals(FREEZE)) continue;
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
                Path away = parent.resolve(Abandoned.name("rm-" + s.name().value()));
                synchronized (HOLDS) {
                    if (HOLDS.containsKey(dir)) throw beingRestored(s);
                    try (FileChannel ch = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
                            StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                        // a restore in another process holds the read lock: refused at once, never waited for
                        java.nio.channels.FileLock lock = ch.tryLock(0, Long.MAX_VALUE, false);
                        if (lock == null) throw beingRestored(s);
                        // renamed away first, under the lock: a crash half-way leaves a draft for gc, never half a
                        // checkpoint, and a restore that waited finds it gone
                        Files.move(dir, away, StandardCopyOption.ATOMIC_MOVE);
                        AtomicFiles.syncDirectory(parent);
                    }
                }
                AtomicFiles.deleteTree(away);
            }
            removeIfEmpty(parent);
        } catch (IOException e) {
            throw system("cannot remove checkpoint " + dir + ": " + IoErrors.why(e), e);
        }
    }

    private static QuiltException beingRestored(Stored s) {
        return QuiltException.conflict("checkpoint " + s.ref() + " is being restored; try again when it is done");
    }

    @Override
    public Hold hold(Stored s) {
        Path dir = root.resolve(s.id().value()).resolve(s.name().value());
        synchronized (HOLDS) {
            Holding h = HOLDS.get(dir);
            if (h == null) {
                h = lockShared(s, dir);
                HOLDS.put(dir, h);
            }
            h.count++;
        }
        return new Hold() {
            private boolean closed;

            @Override
            public void close() {
                synchronized (HOLDS) {
                    if (closed) return;
                    closed = true;
                    Holding held = HOLDS.get(dir);
                    if (--held.count > 0) return;
                    HOLDS.remove(dir);
                    try {
                        held.channel.close(); // releases the lock
                    } catch (IOException e) {
                        // the lock goes with the fd either way
                    }
                }
            }
        };
    }

    /** The read lock on {@code dir}'s {@value #LOCK}, waiting for a removal's write lock; gone: NOT_FOUND. */
    private static Holding lockShared(Stored s, Path dir) {
        Path file = dir.resolve(LOCK);
        QuiltException gone = QuiltException.notFound("no checkpoint '" + s.ref() + "'; see 'quilt checkpoint ls'");
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) throw gone;
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            Object opened = Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS);
            java.nio.channels.FileLock lock = ch.lock(0, Long.MAX_VALUE, true);
            // a removal that held the write lock renamed the directory away: the file locked is not the one there
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
                    || !opened.equals(Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS))) {
                ch.close();
                throw gone;
            }
            return new Holding(ch, lock);
        } catch (java.nio.file.NoSuchFileException e) {
            closeQuietly(ch);
            throw gone;
        } catch (IOException e) {
            closeQuietly(ch);
            throw system("cannot lock " + file + ": " + IoErrors.why(e), e);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing held
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
                // a draft that froze its container is swept once the container is thawed (abandonedFreezes)
                n += Abandoned.sweep(c, p -> Files.exists(p.resolve(FREEZE), LinkOption.NOFOLLOW_LINKS)).size();
                removeIfEmpty(c);
            }
        } catch (IOException e) {
            throw system("cannot sweep " + root + ": " + IoErrors.why(e), e);
        }
        return n;
    }

    @Override
    public List<AbandonedFreeze> abandonedFreezes() {
        List<AbandonedFreeze> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        try (DirectoryStream<Path> containers = Files.newDirectoryStream(root)) {
            for (Path c : containers) {
                Optional<ContainerId> id = ContainerId.parse(c.getFileName().toString());
                if (id.isEmpty()) continue;
                for (Path draft : Abandoned.dead(c)) {
                    Path freeze = draft.resolve(FREEZE);
                    if (!Files.exists(freeze, LinkOption.NOFOLLOW_LINKS)) continue;
                    // CRIU outlives its caller and ends the dump on its own; with --leave-running it freezes the
                    // tree again at its end if it found it frozen: thawed only once it is gone
                    if (criu(freeze).map(ProcStat::alive).orElse(false)) continue;
                    out.add(new AbandonedFreeze(id.get(), draft.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw system("cannot read " + root + ": " + IoErrors.why(e), e);
        }
        return out;
    }

    /** The CRIU a freeze record names ({@code criu PID START}), if it names one. */
    static Optional<dev.quilt.domain.ProcessRef> criu(Path freeze) {
        try {
            String[] f = Files.readString(freeze, StandardCharsets.UTF_8).trim().split("\\s+");
            if (f.length == 3 && f[0].equals("criu") && f[1].matches("\\d+") && f[2].matches("\\d+")) {
                return Optional.of(new dev.quilt.domain.ProcessRef(Integer.parseInt(f[1]), Long.parseLong(f[2])));
            }
        } catch (IOException | RuntimeException e) {
            // unreadable: as if CRIU never started
        }
        return Optional.empty();
    }

    @Override
    public void release(AbandonedFreeze f) {
        Path parent = root.resolve(f.id().value());
        Path draft = parent.resolve(f.draft());
        if (!f.draft().startsWith(".tmp-") || f.draft().contains("/")) return;
        try {
            AtomicFiles.deleteTree(draft);
            removeIfEmpty(parent);
        } catch (java.nio.file.NoSuchFileException e) {
            // gone already
        } catch (IOException e) {
            throw system("cannot remove " + draft + ": " + IoErrors.why(e), e);
        }
    }
}
