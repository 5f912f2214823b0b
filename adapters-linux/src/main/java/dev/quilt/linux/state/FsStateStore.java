package dev.quilt.linux.state;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.RecordedExit;
import dev.quilt.domain.RecordedPids;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.JsonCodec;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.StateStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Container records under the run directory: {@code <run>/<id>/state.json},
 * written atomically; names are symlinks {@code <run>/.names/<name> -> <id>},
 * whose creation is atomic, so two Quilt processes cannot both get a name.
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
     * The directory is made whole in a work directory and renamed into place:
     * no crash leaves a container directory without its state.json.
     */
    @Override
    public void create(Container container) {
        Path dir = paths.containerState(container.id());
        Path tmp = paths.run().resolve(dev.quilt.linux.Abandoned.name(container.id().value()));
        try {
            Files.createDirectories(paths.run());
            Files.createDirectory(tmp);
            AtomicFiles.write(tmp.resolve(STATE), JsonCodec.write(StateFile.toMap(container)));
            Files.move(tmp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.syncDirectory(paths.run());
        } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
            throw QuiltException.conflict("container id '" + container.id() + "' is already in use");
        } catch (IOException e) {
            if (Files.isDirectory(dir) && Files.isDirectory(tmp)) {
                throw QuiltException.conflict("container id '" + container.id() + "' is already in use");
            }
            throw io("create state directory", dir, e);
        } finally {
            try {
                AtomicFiles.deleteTree(tmp);
            } catch (IOException e) {
                // gc sweeps it once we are gone
            }
        }
    }

    @Override
    public int sweepAbandoned() {
        try {
            return dev.quilt.linux.Abandoned.sweep(paths.run()).size();
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
    public Optional<Container> load(ContainerId id) {
        Path file = paths.containerState(id).resolve(STATE);
        try {
            return Optional.of(StateFile.fromMap(JsonCodec.read(Files.readAllBytes(file))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw io("read", file, e);
        }
    }

    @Override
    public List<Container> list() {
        List<Container> out = new ArrayList<>();
        if (!Files.isDirectory(paths.run())) return out;
        for (ContainerId id : ids()) load(id).ifPresent(out::add);
        out.sort((a, b) -> a.createdAt().compareTo(b.createdAt()));
        return out;
    }

    @Override
    public void remove(ContainerId id) {
        load(id).flatMap(Container::name).ifPresent(n -> releaseName(n, id));
        Path dir = paths.containerState(id);
        try {
            AtomicFiles.deleteTree(dir);
            if (Files.isDirectory(paths.run())) AtomicFiles.syncDirectory(paths.run());
        } catch (IOException e) {
            throw io("remove", dir, e);
        }
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
        try {
            return Optional.of(ContainerId.of(Files.readSymbolicLink(paths.names().resolve(name.value())).toString()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw io("read name", paths.names().resolve(name.value()), e);
        }
    }

    @Override
    public Optional<RecordedExit> recordedExit(ContainerId id) {
        // written by quilt-monitor: {"exitCode":N,"signal":S,"oomKilled":B,"exitedAt":"...","error":"..."}
        return readJson(paths.containerState(id).resolve(EXIT), m -> {
            int signal = (int) JsonCodec.number(m, "signal");
            ExitStatus status = signal > 0 ? ExitStatus.killedBy(signal) : ExitStatus.exited((int) JsonCodec.number(m, "exitCode"));
            return new RecordedExit(status, java.time.Instant.parse(JsonCodec.string(m, "exitedAt")),
                    Optional.ofNullable(JsonCodec.optString(m, "error")), Boolean.TRUE.equals(m.get("oomKilled")));
        });
    }

    @Override
    public Optional<RecordedPids> recordedPids(ContainerId id) {
        return readJson(paths.containerState(id).resolve(PIDS), m -> new RecordedPids(
                new ProcessRef((int) JsonCodec.number(m, "monitorPid"), JsonCodec.number(m, "monitorStartTime")),
                new ProcessRef((int) JsonCodec.number(m, "initPid"), JsonCodec.number(m, "initStartTime"))));
    }

    /** A reader of one parsed file. */
    @FunctionalInterface
    private interface JsonReader<T> {
        T read(java.util.Map<String, Object> json) throws IOException;
    }

    /** A file the monitor writes: absent until it does, then whole (it renames it into place). */
    private static <R> Optional<R> readJson(Path file, JsonReader<R> reader) {
        try {
            return Optional.of(reader.read(JsonCodec.read(Files.readAllBytes(file))));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw io("read", file, e);
        }
    }

    @Override
    public List<ContainerId> ids() {
        List<ContainerId> out = new ArrayList<>();
        if (!Files.isDirectory(paths.run())) return out;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(paths.run())) {
            for (Path d : dirs) {
                String n = d.getFileName().toString();
                if (!n.startsWith(".") && Files.isDirectory(d)) out.add(ContainerId.of(n));
            }
        } catch (IOException e) {
            throw io("list", paths.run(), e);
        }
        return out;
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
     * fcntl locks on {@code <id>/lock}, held by the process: a killed CLI lets go
     * by dying. The holder may remove the container; a waiter that then gets the
     * lock finds the directory gone and says so.
     */
    private Optional<Lock> acquire(ContainerId id, boolean wait) {
        Path file = paths.containerState(id).resolve(LOCK);
        try {
            java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
            java.nio.channels.FileLock held;
            try {
                held = wait ? ch.lock() : ch.tryLock();
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            if (held == null) {
                ch.close();
                return Optional.empty();
            }
            if (!Files.isDirectory(paths.containerState(id))) {
                ch.close();
                throw QuiltException.notFound("container '" + id.shortForm() + "' was removed meanwhile");
            }
            return Optional.of(() -> {
                try {
                    ch.close();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (NoSuchFileException e) {
            throw QuiltException.notFound("no container '" + id.shortForm() + "'; 'quilt ps -a' lists them");
        } catch (IOException e) {
            throw io("lock", file, e);
        }
    }

    private static QuiltException io(String what, Path path, IOException e) {
        return new QuiltException(QuiltException.Kind.SYSTEM, what + " " + path + " failed: " + e.getMessage(), e);
    }
}
