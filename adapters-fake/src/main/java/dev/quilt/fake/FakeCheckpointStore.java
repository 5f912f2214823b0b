package dev.quilt.fake;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.Digest;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.checkpoint.CheckpointCheck;
import dev.quilt.domain.checkpoint.CheckpointManifest;
import dev.quilt.domain.checkpoint.CheckpointName;
import dev.quilt.domain.checkpoint.CheckpointRef;
import dev.quilt.ports.CheckpointStore;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Checkpoints in memory: each a map of relative path to bytes, plus its manifest and the record saved with it.
 * Paths handed out ({@link Draft#directory}) are names only: what a fake writes there goes through
 * {@link #write}. {@link #damage} and {@link #dropManifest} stand in for a disk that lost or changed a file.
 */
public final class FakeCheckpointStore implements CheckpointStore {
    private static final Path ROOT = Path.of("/fake/checkpoints");

    private static final class Entry {
        final Map<String, byte[]> files = new TreeMap<>();
        /** a draft: its maker froze its container; {@code crashed}: its maker (and CRIU) died */
        boolean froze;
        boolean crashed;
        Optional<CheckpointManifest> manifest = Optional.empty();
        Container record;
        /** when the record was saved: what the manifest's time falls back to, as a file's modification time */
        java.time.Instant saved = java.time.Instant.EPOCH;
    }

    private final FakeKernel kernel;
    /** committed, by directory */
    private final Map<Path, Entry> stored = new LinkedHashMap<>();
    /** drafts, by directory */
    private final Map<Path, Entry> drafts = new LinkedHashMap<>();

    /** directories of the caller's own (runc's --image-path), where a dump may write outside the store */
    private final Map<Path, Map<String, byte[]>> callers = new LinkedHashMap<>();

    public FakeCheckpointStore(FakeKernel kernel) {
        this.kernel = kernel;
    }

    /** Lets a dump write into {@code dir}, a directory of the caller's (quilt-runc's --image-path), not the store. */
    public synchronized void callerDirectory(Path dir) {
        callers.putIfAbsent(dir, new LinkedHashMap<>());
    }

    private static Path dir(ContainerId id, CheckpointName name) {
        return ROOT.resolve(id.value()).resolve(name.value());
    }

    private static Path draftDir(ContainerId id, CheckpointName name) {
        return ROOT.resolve(id.value()).resolve(".tmp-" + name.value());
    }

    /** Writes a file of a draft (or a stored checkpoint: a change after the dump) at its full path. */
    public synchronized void write(Path file, byte[] content) {
        for (Map<Path, Entry> m : List.of(drafts, stored)) {
            for (Map.Entry<Path, Entry> e : m.entrySet()) {
                if (file.startsWith(e.getKey())) {
                    e.getValue().files.put(e.getKey().relativize(file).toString(), content.clone());
                    return;
                }
            }
        }
        for (Map.Entry<Path, Map<String, byte[]>> e : callers.entrySet()) {
            if (file.startsWith(e.getKey())) {
                e.getValue().put(e.getKey().relativize(file).toString(), content.clone());
                return;
            }
        }
        throw new IllegalStateException(file + " is in no checkpoint");
    }

    /** Whether a file of a draft, a stored checkpoint or a caller's directory is there, by its full path. */
    public synchronized boolean has(Path file) {
        for (Map.Entry<Path, Map<String, byte[]>> e : callers.entrySet()) {
            if (file.startsWith(e.getKey()) && e.getValue().containsKey(e.getKey().relativize(file).toString())) {
                return true;
            }
        }
        for (Map<Path, Entry> m : List.of(drafts, stored)) {
            for (Map.Entry<Path, Entry> e : m.entrySet()) {
                if (file.startsWith(e.getKey()) && e.getValue().files.containsKey(e.getKey().relativize(file).toString())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Replaces a stored file's content ({@code null} removes the file). */
    public synchronized void damage(Stored s, String path, byte[] content) {
        Entry e = stored.get(dir(s.id(), s.name()));
        if (content == null) e.files.remove(path);
        else e.files.put(path, content.clone());
    }

    /** The stored file's content, or empty. */
    public synchronized Optional<byte[]> read(Stored s, String path) {
        Entry e = stored.get(dir(s.id(), s.name()));
        return e == null ? Optional.empty() : Optional.ofNullable(e.files.get(path)).map(byte[]::clone);
    }

    public synchronized void dropManifest(Stored s) {
        stored.get(dir(s.id(), s.name())).manifest = Optional.empty();
    }

    /** A draft that a crash left behind, as {@link #begin} would and nothing after. */
    public synchronized void abandonDraft(ContainerId id, CheckpointName name) {
        drafts.put(draftDir(id, name), new Entry());
    }

    /** A draft that a crash left behind after its maker froze the container for {@code --leave-running}. */
    public synchronized void abandonFrozenDraft(ContainerId id, CheckpointName name) {
        Entry e = new Entry();
        e.froze = true;
        e.crashed = true;
        drafts.put(draftDir(id, name), e);
    }

    /** How many restores hold {@code s} now. */
    public synchronized int holds(Stored s) {
        return held.getOrDefault(dir(s.id(), s.name()), 0);
    }

    private final Map<Path, Integer> held = new LinkedHashMap<>();

    public synchronized int draftCount() {
        return drafts.size();
    }

    @Override
    public synchronized Draft begin(ContainerId id, CheckpointName name) {
        kernel.maybeFail("checkpoints.begin");
        if (stored.containsKey(dir(id, name))) throw exists(id, name);
        Path d = draftDir(id, name);
        Entry e = new Entry();
        drafts.put(d, e);
        return new Draft() {
            boolean committed;

            @Override
            public Path directory() {
                return d;
            }

            @Override
            public void saveRecord(Container container) {
                synchronized (FakeCheckpointStore.this) {
                    e.record = container;
                    e.files.put(CheckpointManifest.CONTAINER,
                            container.toString().getBytes(StandardCharsets.UTF_8));
                }
            }

            @Override
            public void freezing() {
                synchronized (FakeCheckpointStore.this) {
                    e.froze = true;
                }
            }

            @Override
            public void dumpedBy(dev.quilt.domain.ProcessRef criu) {
                // the fake's CRIU dies with its caller
            }

            @Override
            public void thawed() {
                synchronized (FakeCheckpointStore.this) {
                    e.froze = false;
                }
            }

            @Override
            public Stored commit(CheckpointManifest header) {
                synchronized (FakeCheckpointStore.this) {
                    kernel.maybeFail("checkpoints.commit");
                    if (stored.containsKey(dir(id, name))) throw exists(id, name);
                    List<CheckpointManifest.FileEntry> files = new ArrayList<>();
                    e.files.forEach((p, b) -> files.add(new CheckpointManifest.FileEntry(p, b.length, sha256(b))));
                    Optional<Digest> spec = Optional.ofNullable(e.files.get(CheckpointManifest.CONTAINER))
                            .map(FakeCheckpointStore::sha256);
                    e.manifest = Optional.of(new CheckpointManifest(header.formatVersion(), name, id,
                            header.containerName(), header.created(), header.criuVersion(), header.kernelRelease(),
                            spec, header.imageDigest(), header.leftRunning(), header.tcpEstablished(),
                            header.externals(), files));
                    e.saved = header.created();
                    drafts.remove(d);
                    stored.put(dir(id, name), e);
                    committed = true;
                    return stored(dir(id, name), e);
                }
            }

            @Override
            public void close() {
                synchronized (FakeCheckpointStore.this) {
                    if (!committed) drafts.remove(d);
                }
            }
        };
    }

    private static QuiltException exists(ContainerId id, CheckpointName name) {
        return QuiltException.conflict("container " + id.shortForm() + " already has a checkpoint named '" + name
                + "'; give another --name, or remove it with 'quilt checkpoint rm " + id.shortForm() + "/" + name
                + "'");
    }

    private static Stored stored(Path d, Entry e) {
        ContainerId id = ContainerId.of(d.getParent().getFileName().toString());
        CheckpointName name = new CheckpointName(d.getFileName().toString());
        Optional<ContainerName> cname = e.manifest.flatMap(CheckpointManifest::containerName)
                .or(() -> e.record == null ? Optional.empty() : e.record.name());
        List<CheckpointCheck.Listed> files = new ArrayList<>();
        e.files.forEach((p, b) -> files.add(new CheckpointCheck.Listed(p, b.length)));
        return new Stored(id, name, e.manifest, cname, CheckpointCheck.listed(e.manifest, files).stream().findFirst(),
                e.manifest.map(CheckpointManifest::created).orElse(e.saved));
    }

    @Override
    public synchronized List<Stored> list() {
        List<Stored> out = new ArrayList<>();
        stored.forEach((d, e) -> out.add(stored(d, e)));
        out.sort(Comparator.comparing((Stored s) -> s.id().value()).thenComparing(Stored::entry,
                CheckpointRef.NEWEST_FIRST));
        return out;
    }

    @Override
    public synchronized Verified verify(Stored s, Predicate<Digest> imageKnown) {
        Entry e = stored.get(dir(s.id(), s.name()));
        if (e == null) throw QuiltException.notFound("no checkpoint '" + s.ref() + "'");
        List<CheckpointCheck.Found> found = new ArrayList<>();
        e.files.forEach((p, b) -> found.add(new CheckpointCheck.Found(p, b.length, sha256(b),
                b.length >= 4 ? Optional.of(ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt())
                        : Optional.empty())));
        List<String> problems = CheckpointCheck.problems(refOf(s), e.manifest, found, imageKnown);
        if (!problems.isEmpty()) throw QuiltException.invalid(problems.get(0));
        return new Verified(s, e.manifest.orElseThrow(), e.record, dir(s.id(), s.name()));
    }

    @Override
    public synchronized void remove(Stored s) {
        if (held.containsKey(dir(s.id(), s.name()))) {
            throw QuiltException.conflict("checkpoint " + s.ref() + " is being restored; try again when it is done");
        }
        stored.remove(dir(s.id(), s.name()));
    }

    @Override
    public synchronized Hold hold(Stored s) {
        Path d = dir(s.id(), s.name());
        if (!stored.containsKey(d)) {
            throw QuiltException.notFound("no checkpoint '" + s.ref() + "'; see 'quilt checkpoint ls'");
        }
        held.merge(d, 1, Integer::sum);
        return new Hold() {
            private boolean closed;

            @Override
            public void close() {
                synchronized (FakeCheckpointStore.this) {
                    if (closed) return;
                    closed = true;
                    if (held.merge(d, -1, Integer::sum) <= 0) held.remove(d);
                }
            }
        };
    }

    @Override
    public synchronized int removeAbandonedDrafts() {
        // the fake's live drafts are in use: only crashed ones (abandonDraft) are here when gc runs
        int before = drafts.size();
        drafts.values().removeIf(e -> !e.froze);
        return before - drafts.size();
    }

    @Override
    public synchronized List<AbandonedFreeze> abandonedFreezes() {
        List<AbandonedFreeze> out = new ArrayList<>();
        drafts.forEach((d, e) -> {
            if (e.froze && e.crashed) {
                out.add(new AbandonedFreeze(ContainerId.of(d.getParent().getFileName().toString()),
                        d.getFileName().toString()));
            }
        });
        return out;
    }

    @Override
    public synchronized void release(AbandonedFreeze f) {
        drafts.remove(ROOT.resolve(f.id().value()).resolve(f.draft()));
    }

    static Digest sha256(byte[] b) {
        try {
            return Digest.sha256(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
