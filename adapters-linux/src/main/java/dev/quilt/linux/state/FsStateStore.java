package dev.quilt.linux.state;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ContainerRecord;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.RecordedExit;
import dev.quilt.domain.RecordedPids;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.Abandoned;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.JsonCodec;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.StateStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Container records under the run directory: {@code <run>/<id>/state.json},
 * written atomically; names are symlinks {@code <run>/.names/<name> -> <id>},
 * whose creation is atomic, so two Quilt processes cannot both get a name.
 *
 * <p>A container directory is one whose name is a container ID and which holds
 * the {@code lock} file (made with it) or a {@code state.json}. Anything else in
 * the run directory is a stray: Quilt lists it for {@code gc} to mention and
 * never reads or removes it. A container directory whose files cannot be read
 * is a {@link ContainerRecord.Broken} value naming the file and the fault.
 */
public final class FsStateStore implements StateStore {
    private static final String STATE = "state.json";
    private static final String EXIT = "exit.json";
    private static final String PIDS = "pids.json";
    private static final String LOCK = "lock";

    private final LinuxPaths paths;

    public FsStateStore(LinuxPaths paths) {
        this.paths = paths;
    }

    /**
     * The directory is made whole in a work directory, with its lock file and
     * state.json, and renamed into place: no crash leaves a container directory
     * without them, and no command ever has to create the lock of a container.
     * The lock is taken before the rename, so the new container is ours until
     * the caller lets go.
     */
    @Override
    public Lock createLocked(Container container) {
        Path dir = paths.containerState(container.id());
        Path tmp = paths.run().resolve(Abandoned.name(container.id().value()));
        FileChannel ch = null;
        boolean made = false;
        try {
            Files.createDirectories(paths.run());
            Files.createDirectory(tmp);
            ch = FileChannel.open(tmp.resolve(LOCK), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            // nobody else knows the directory yet: neither lock waits
            Semaphore inJvm = inJvm(Files.readAttributes(tmp, BasicFileAttributes.class).fileKey());
            if (!inJvm.tryAcquire()) throw new IllegalStateException("a new directory's lock is held in this JVM");
            try {
                ch.lock();
                AtomicFiles.write(tmp.resolve(STATE), JsonCodec.write(StateFile.toMap(container)));
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE); // the same directory, so the same locks
                AtomicFiles.syncDirectory(paths.run());
            } catch (IOException | RuntimeException e) {
                inJvm.release();
                throw e;
            }
            made = true;
            return held(ch, inJvm);
        } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
            throw QuiltException.conflict("container id '" + container.id() + "' is already in use");
        } catch (IOException e) {
            if (Files.isDirectory(dir) && Files.isDirectory(tmp)) {
                throw QuiltException.conflict("container id '" + container.id() + "' is already in use");
            }
            throw io("create state directory", dir, e);
        } finally {
            if (!made && ch != null) closeQuietly(ch);
            try {
                AtomicFiles.deleteTree(tmp);
            } catch (IOException e) {
                // gc sweeps it once we are gone
            }
        }
    }

    /**
     * fcntl locks belong to a process, and the JDK refuses a second lock on one
     * file in one JVM instead of waiting for it; so threads of one JVM (the
     * server, tests) first queue on a semaphore per container directory.
     */
    private static final Map<Object, Semaphore> IN_JVM = new ConcurrentHashMap<>();

    private static Semaphore inJvm(Object directoryKey) {
        return IN_JVM.computeIfAbsent(directoryKey, k -> new Semaphore(1));
    }

    /** Closing releases the fcntl lock (by closing its fd), then this JVM's; a second close does nothing. */
    private static Lock held(FileChannel ch, Semaphore inJvm) {
        AtomicBoolean open = new AtomicBoolean(true);
        return () -> {
            if (!open.getAndSet(false)) return;
            try {
                ch.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                inJvm.release();
            }
        };
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // closing releases the lock; nothing else to do
        }
    }

    @Override
    public int sweepAbandoned() {
        try {
            return Abandoned.sweep(paths.run()).size();
        } catch (IOException e) {
            throw io("sweep", paths.run(), e);
        }
    }

    @Override
    public void save(Container container) {
        Path file = paths.containerState(container.id()).resolve(STATE);
        try {
            AtomicFiles.write(file, JsonCodec.write(StateFile.toMap(container)));
        } catch (IOException e) {
            throw io("write", file, e);
        }
    }

    @Override
    public Optional<ContainerRecord> read(ContainerId id) {
        Path dir = paths.containerState(id);
        if (!isContainerDir(dir)) return Optional.empty();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(dir.resolve(STATE));
        } catch (NoSuchFileException e) {
            // removed meanwhile (then the lock is gone too), or by hand
            return isContainerDir(dir) ? Optional.of(new ContainerRecord.Broken(id, STATE + " is missing")) : Optional.empty();
        } catch (IOException e) {
            return Optional.of(new ContainerRecord.Broken(id, STATE + " cannot be read: " + reason(e)));
        }
        Parsed known = parsed.get(id);
        if (known != null && Arrays.equals(known.bytes, bytes)) return Optional.of(known.record);
        Map<String, Object> json;
        try {
            json = JsonCodec.read(bytes);
        } catch (IOException e) {
            return Optional.of(new ContainerRecord.Broken(id, STATE + " " + e.getMessage()));
        }
        Container c;
        try {
            c = StateFile.fromMap(json);
        } catch (IOException e) {
            return Optional.of(new ContainerRecord.Broken(id, STATE + ": " + e.getMessage()));
        }
        if (!c.id().equals(id)) {
            // a copied or moved record: it must not act for the container it names
            return Optional.of(new ContainerRecord.Broken(id, STATE + ": it is the record of container '"
                    + c.id().shortForm() + "'"));
        }
        ContainerRecord.Readable record = new ContainerRecord.Readable(c);
        remember(id, new Parsed(bytes, record));
        return Optional.of(record);
    }

    /**
     * The last readable state.json of a container seen by {@link #read}, with the bytes it was made from. The file
     * is still read every time (a monitor, a CLI or another server may have written it since); only when its bytes
     * are those of last time is the decoding skipped (a {@link Container} is immutable), which is most of a
     * lookup's cost on a server that sees one container many times (every exec call looks its container up).
     */
    private record Parsed(byte[] bytes, ContainerRecord.Readable record) {}

    /** How many containers' last records are kept; past it, the whole memo is dropped and filled again. */
    static final int PARSED_KEPT = 1024;

    private final ConcurrentHashMap<ContainerId, Parsed> parsed = new ConcurrentHashMap<>();

    private void remember(ContainerId id, Parsed p) {
        if (parsed.size() >= PARSED_KEPT && !parsed.containsKey(id)) parsed.clear();
        parsed.put(id, p);
    }

    @Override
    public List<ContainerRecord> list() {
        List<ContainerRecord> out = new ArrayList<>();
        for (ContainerId id : ids()) read(id).ifPresent(out::add);
        out.sort(Comparator.comparing((ContainerRecord r) -> r instanceof ContainerRecord.Broken)
                .thenComparing(r -> r instanceof ContainerRecord.Readable ok ? ok.container().createdAt() : java.time.Instant.EPOCH)
                .thenComparing(ContainerRecord::id));
        return out;
    }

    /**
     * Unlinks {@code exit.json}, {@code pids.json}, the monitor's reserved {@code .exit.json.tmp.<pid>} and
     * {@code .pids.json.tmp.<pid>} files and {@code exec.fifo} from the container's directory, then syncs it.
     */
    @Override
    public void clearLastRun(ContainerId id) {
        Path dir = paths.containerState(id);
        try {
            Files.deleteIfExists(dir.resolve(EXIT));
            Files.deleteIfExists(dir.resolve(PIDS));
            Files.deleteIfExists(paths.execFifo(id));
            try (var left = Files.newDirectoryStream(dir, f -> {
                String n = f.getFileName().toString();
                return n.startsWith("." + EXIT + ".tmp.") || n.startsWith("." + PIDS + ".tmp.");
            })) {
                for (Path f : left) Files.deleteIfExists(f);
            }
            AtomicFiles.syncDirectory(dir);
        } catch (IOException e) {
            throw io("clear the last run's files in", dir, e);
        }
    }

    /**
     * Renames the directory out of the listing first ({@code .tmp-<pid>-<start>-rm-<id>}),
     * then deletes it: a reader sees the whole container or none of it, and a
     * command that waited for the lock finds it gone. What a crash half-way
     * leaves, or a file a stray writer put into it meanwhile, gc's sweep removes.
     */
    @Override
    public void remove(ContainerId id) {
        parsed.remove(id);
        Path dir = paths.containerState(id);
        for (ContainerName n : namesOf(id)) releaseName(n, id);
        if (!isContainerDir(dir)) return;
        Path doomed = paths.run().resolve(Abandoned.name("rm-" + id.value()));
        try {
            Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.syncDirectory(paths.run());
        } catch (NoSuchFileException e) {
            return; // removed by someone else
        } catch (IOException e) {
            throw io("remove", dir, e);
        }
        try {
            AtomicFiles.deleteTree(doomed);
        } catch (IOException e) {
            // out of sight already; gc sweeps it once we are gone
        }
    }

    /** The names that point at {@code id}: the record's, and any a broken record no longer tells. */
    private List<ContainerName> namesOf(ContainerId id) {
        List<ContainerName> out = new ArrayList<>();
        if (!Files.isDirectory(paths.names())) return out;
        try (DirectoryStream<Path> links = Files.newDirectoryStream(paths.names())) {
            for (Path l : links) {
                try {
                    if (Files.readSymbolicLink(l).toString().equals(id.value())) {
                        ContainerName.parse(l.getFileName().toString()).ifPresent(out::add);
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // not a link, or gone meanwhile: not a name of this container
                }
            }
        } catch (IOException e) {
            throw io("list", paths.names(), e);
        }
        return out;
    }

    @Override
    public void claimName(ContainerName name, ContainerId id) {
        Path link = paths.names().resolve(name.value());
        try {
            Files.createDirectories(paths.names());
            for (int attempt = 0; attempt < 2; attempt++) {
                try {
                    Files.createSymbolicLink(link, Path.of(id.value()));
                    AtomicFiles.syncDirectory(paths.names());
                    return;
                } catch (FileAlreadyExistsException e) {
                    Optional<ContainerId> holder = byName(name);
                    if (holder.isPresent() && Files.isDirectory(paths.containerState(holder.get()))) {
                        throw QuiltException.conflict("the name '" + name + "' is in use by container '"
                                + holder.get().shortForm() + "'; remove it or choose another name");
                    }
                    // the holder crashed before it could release the name: take it over
                    Files.deleteIfExists(link);
                }
            }
            throw QuiltException.conflict("the name '" + name + "' is being claimed by another quilt; try again");
        } catch (IOException e) {
            throw io("claim name", link, e);
        }
    }

    @Override
    public void releaseName(ContainerName name, ContainerId id) {
        Path link = paths.names().resolve(name.value());
        if (byName(name).filter(id::equals).isEmpty()) return;
        try {
            Files.deleteIfExists(link);
        } catch (IOException e) {
            throw io("release name", link, e);
        }
    }

    @Override
    public Optional<ContainerId> byName(ContainerName name) {
        Path link = paths.names().resolve(name.value());
        try {
            return ContainerId.parse(Files.readSymbolicLink(link).toString());
        } catch (NoSuchFileException | java.nio.file.NotLinkException e) {
            return Optional.empty(); // no such name; a plain file there is not one of ours
        } catch (IOException e) {
            throw io("read name", link, e);
        }
    }

    @Override
    public Optional<RecordedExit> recordedExit(ContainerId id) {
        // written by quilt-monitor: {"exitCode":N,"signal":S,"oomKilled":B,"exitedAt":"...","error":"..."}
        return readJson(id, EXIT, m -> {
            int signal = (int) JsonCodec.number(m, "signal");
            ExitStatus status = signal > 0 ? ExitStatus.killedBy(signal) : ExitStatus.exited((int) JsonCodec.number(m, "exitCode"));
            String at = JsonCodec.string(m, "exitedAt");
            try {
                return new RecordedExit(status, java.time.Instant.parse(at),
                        Optional.ofNullable(JsonCodec.optString(m, "error")), Boolean.TRUE.equals(m.get("oomKilled")));
            } catch (java.time.format.DateTimeParseException e) {
                throw new IOException("field 'exitedAt' is not a time", e);
            }
        });
    }

    @Override
    public Optional<RecordedPids> recordedPids(ContainerId id) {
        return readJson(id, PIDS, m -> new RecordedPids(
                new ProcessRef((int) JsonCodec.number(m, "monitorPid"), JsonCodec.number(m, "monitorStartTime")),
                new ProcessRef((int) JsonCodec.number(m, "initPid"), JsonCodec.number(m, "initStartTime"))));
    }

    /** A reader of one parsed file. */
    @FunctionalInterface
    private interface JsonReader<T> {
        T read(Map<String, Object> json) throws IOException;
    }

    /**
     * A file the monitor writes: absent until it does, then whole (it renames it
     * into place). One that is there but cannot be read makes the container broken.
     */
    private <R> Optional<R> readJson(ContainerId id, String name, JsonReader<R> reader) {
        byte[] bytes;
        Path file = paths.containerState(id).resolve(name);
        // absent is the usual answer (a running container has no exit.json): said by access(2), without the exception
        // a failed open throws (its stack trace costs more than the read); not with NOFOLLOW_LINKS, which the JDK
        // answers through a failed lstat's exception (the read below follows a link either way)
        if (!Files.exists(file)) return Optional.empty();
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) { // removed between the two (a restart clears the last run's files)
            return Optional.empty();
        } catch (IOException e) {
            throw new ContainerRecord.Broken(id, name + " cannot be read: " + reason(e)).error();
        }
        Map<String, Object> json;
        try {
            json = JsonCodec.read(bytes);
        } catch (IOException e) {
            throw new ContainerRecord.Broken(id, name + " " + e.getMessage()).error();
        }
        try {
            return Optional.of(reader.read(json));
        } catch (IOException | IllegalArgumentException e) {
            throw new ContainerRecord.Broken(id, name + ": " + String.valueOf(e.getMessage()).replace('\n', ' ')).error();
        }
    }

    @Override
    public List<ContainerId> ids() {
        List<ContainerId> out = new ArrayList<>();
        for (Path entry : entries()) {
            ContainerId.parse(entry.getFileName().toString()).filter(id -> isContainerDir(entry)).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public List<String> strays() {
        List<String> out = new ArrayList<>();
        for (Path entry : entries()) {
            if (ContainerId.parse(entry.getFileName().toString()).filter(id -> isContainerDir(entry)).isEmpty()) {
                out.add(entry.toString());
            }
        }
        out.sort(null);
        return out;
    }

    /** The server's socket in the run directory ({@code quilt serve}): not a container's. */
    public static final String SERVER_SOCKET = "quilt.sock";

    /** What the run directory holds besides Quilt's own hidden entries ({@code .names}, {@code .tmp-*}, ...) and the server's socket. */
    private List<Path> entries() {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(paths.run())) return out;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(paths.run())) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (!name.startsWith(".") && !name.equals(SERVER_SOCKET)) out.add(d);
            }
        } catch (IOException e) {
            throw io("list", paths.run(), e);
        }
        return out;
    }

    /** A real directory (not a link to one) holding the lock every container is made with, or a record. */
    private static boolean isContainerDir(Path dir) {
        return Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
                && (Files.exists(dir.resolve(LOCK), LinkOption.NOFOLLOW_LINKS)
                    || Files.exists(dir.resolve(STATE), LinkOption.NOFOLLOW_LINKS));
    }

    @Override
    public Lock lock(ContainerId id) {
        return acquire(id, true).orElseThrow();
    }

    @Override
    public Optional<Lock> tryLock(ContainerId id) {
        return acquire(id, false);
    }

    /**
     * An fcntl lock on {@code <id>/lock}, held by the process: a killed CLI lets
     * go by dying. The lock file is opened through the container directory's
     * own fd ({@code openat}) and never created: the container was made with it.
     * The remover renames the directory away and deletes it while it holds the
     * lock, so a waiter that then gets the lock checks that the directory it
     * opened is still the one at {@code <run>/<id>}, and answers "removed
     * meanwhile" when it is not: nothing is left behind either way.
     */
    private Optional<Lock> acquire(ContainerId id, boolean wait) {
        Path dir = paths.containerState(id);
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            if (!(stream instanceof SecureDirectoryStream<Path> at)) {
                throw new QuiltException(QuiltException.Kind.SYSTEM, "the file system of " + dir
                        + " cannot open files relative to a directory (openat); quilt needs it for its locks");
            }
            Object opened = at.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
            // this JVM's turn first: a second fd on the lock file, once closed, would drop another thread's fcntl lock
            Semaphore inJvm = inJvm(opened);
            if (wait) {
                inJvm.acquireUninterruptibly();
            } else if (!inJvm.tryAcquire()) {
                return Optional.empty();
            }
            FileChannel ch = null;
            try {
                ch = openLock(at);
                FileLock held = wait ? ch.lock() : ch.tryLock();
                if (held == null) {
                    ch.close();
                    inJvm.release();
                    return Optional.empty();
                }
                if (!opened.equals(keyOf(dir))) {
                    throw new dev.quilt.domain.NoSuchContainerException(id.shortForm(),
                            "container '" + id.shortForm() + "' was removed meanwhile");
                }
                return Optional.of(held(ch, inJvm));
            } catch (IOException | RuntimeException e) {
                if (ch != null) closeQuietly(ch);
                inJvm.release();
                throw e;
            }
        } catch (NoSuchFileException | NotDirectoryException e) {
            // no directory, or no lock in it: not a container, or one removed as we came
            throw noSuch(id);
        } catch (IOException e) {
            throw io("lock", dir.resolve(LOCK), e);
        }
    }

    /**
     * {@code <dir>/lock}, opened relative to the directory's fd and never created,
     * except for a record made before containers were born with their lock.
     */
    private FileChannel openLock(SecureDirectoryStream<Path> at) throws IOException {
        Path lock = Path.of(LOCK);
        Set<OpenOption> write = Set.of(StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        try {
            return (FileChannel) at.newByteChannel(lock, write);
        } catch (NoSuchFileException e) {
            try {
                at.getFileAttributeView(Path.of(STATE), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .readAttributes();
            } catch (NoSuchFileException none) {
                throw e; // no lock and no record: not a container, or one removed as we came
            }
            return (FileChannel) at.newByteChannel(lock, Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                    LinkOption.NOFOLLOW_LINKS));
        }
    }

    /** The directory at {@code dir} now, or null when nothing is there. */
    private static Object keyOf(Path dir) throws IOException {
        try {
            return Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static QuiltException noSuch(ContainerId id) {
        return new dev.quilt.domain.NoSuchContainerException(id.shortForm(),
                "no container '" + id.shortForm() + "'; 'quilt ps -a' lists them");
    }

    /** The system's word for a failed read: {@code is a directory}, {@code permission denied}. */
    private static String reason(IOException e) {
        return dev.quilt.linux.IoErrors.why(e);
    }

    private static QuiltException io(String what, Path path, IOException e) {
        return new QuiltException(QuiltException.Kind.SYSTEM, what + " " + path + " failed: " + reason(e), e);
    }
}
