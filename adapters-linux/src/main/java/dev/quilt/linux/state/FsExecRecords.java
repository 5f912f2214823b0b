package dev.quilt.linux.state;

import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.QuiltException;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.JsonCodec;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.ProcStat;
import dev.quilt.ports.ExecRecords;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Exec records in the container's state dir: {@code RUN/<id>/execs/<exec>.json} (the exec, written atomically with
 * {@link AtomicFiles}) and {@code RUN/<id>/execs/<exec>.exit.json} (its end, written by quilt-exec or by us). They go
 * with the container: {@link FsStateStore#remove} takes its whole directory. The {@code execs} dir is made only
 * inside a container dir that exists, so a save never brings a removed container's directory back.
 */
public final class FsExecRecords implements ExecRecords {
    private static final String DIR = "execs";
    private static final String EXIT = ".exit.json";
    private final LinuxPaths paths;

    public FsExecRecords(LinuxPaths paths) {
        this.paths = paths;
    }

    @Override
    public void save(Exec e) {
        Path dir = paths.containerState(e.container()).resolve(DIR);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", e.id());
        m.put("ContainerID", e.container().value());
        m.put("Args", e.args());
        m.put("Tty", e.tty());
        m.put("Privileged", e.privileged());
        m.put("User", e.user());
        m.put("OpenStdin", e.openStdin());
        m.put("OpenStdout", e.openStdout());
        m.put("OpenStderr", e.openStderr());
        e.timeout().ifPresent(t -> m.put("TimeoutMillis", t.toMillis()));
        e.process().ifPresent(p -> {
            m.put("Pid", (long) p.pid());
            m.put("PidStartTime", p.startTime());
        });
        try {
            if (!makeDir(dir)) return; // the container was removed: nothing to keep
            AtomicFiles.write(dir.resolve(e.id() + ".json"), JsonCodec.write(m));
        } catch (NoSuchFileException gone) {
            // removed as we wrote
        } catch (IOException ex) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot record exec " + e.id() + " in " + dir + ": "
                    + ex.getMessage());
        }
    }

    /** {@code RUN/<id>/execs}, made inside a container directory that exists (never the container's own). */
    @Override
    public void prepare(ContainerId container) {
        Path dir = paths.containerState(container).resolve(DIR);
        try {
            makeDir(dir);
        } catch (IOException ex) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot make " + dir + " for the execs of container "
                    + container.value() + ": " + ex.getMessage());
        }
    }

    /**
     * Makes {@code dir} in its parent; false when the parent (the container's directory) is gone. Made by an earlier
     * exec is the usual case: said by one access(2), without the exception a failed mkdir(2) costs (its stack trace,
     * twice per exec).
     */
    private static boolean makeDir(Path dir) throws IOException {
        if (Files.exists(dir)) return true;
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException ok) {
            // made by an earlier exec
        } catch (NoSuchFileException gone) {
            return false;
        }
        return true;
    }

    @Override
    public void forget(ContainerId container, String execId) {
        if (!execId.matches("[0-9a-f]{64}")) return; // never a path of another shape
        Path dir = paths.containerState(container).resolve(DIR);
        try {
            Files.deleteIfExists(dir.resolve(execId + ".json"));
            Files.deleteIfExists(dir.resolve(execId + EXIT));
        } catch (NoSuchFileException gone) {
            // the container went meanwhile, with its records
        } catch (IOException ex) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot forget exec " + execId + " in " + dir + ": "
                    + ex.getMessage());
        }
    }

    @Override
    public List<Exec> all() {
        List<Exec> out = new ArrayList<>();
        try (DirectoryStream<Path> containers = Files.newDirectoryStream(paths.run())) {
            for (Path c : containers) {
                String name = c.getFileName().toString();
                if (name.startsWith(".") || !Files.isDirectory(c.resolve(DIR))) continue;
                try (DirectoryStream<Path> execs = Files.newDirectoryStream(c.resolve(DIR), "*.json")) {
                    for (Path f : execs) {
                        String file = f.getFileName().toString();
                        if (file.startsWith(".") || file.endsWith(EXIT)) continue;
                        read(f).ifPresent(out::add);
                    }
                } catch (IOException ex) {
                    // removed as we looked: none of its execs matter
                }
            }
        } catch (IOException ex) {
            return out; // no run dir yet: no execs
        }
        return out;
    }

    private static Optional<Exec> read(Path f) {
        try {
            Map<String, Object> m = JsonCodec.read(Files.readAllBytes(f));
            Long pid = JsonCodec.optLong(m, "Pid");
            Long start = JsonCodec.optLong(m, "PidStartTime");
            Long timeout = JsonCodec.optLong(m, "TimeoutMillis");
            Optional<ProcessRef> p = pid != null && start != null
                    ? Optional.of(new ProcessRef(pid.intValue(), start)) : Optional.empty();
            return Optional.of(new Exec(JsonCodec.string(m, "ID"), ContainerId.of(JsonCodec.string(m, "ContainerID")),
                    JsonCodec.strings(m, "Args"), bool(m, "Tty"), bool(m, "Privileged"), JsonCodec.string(m, "User"),
                    bool(m, "OpenStdin"), bool(m, "OpenStdout"), bool(m, "OpenStderr"),
                    Optional.ofNullable(timeout).map(Duration::ofMillis), p));
        } catch (IOException | RuntimeException broken) {
            return Optional.empty(); // a broken record is skipped: the others still answer
        }
    }

    private static boolean bool(Map<String, Object> m, String key) {
        return Boolean.TRUE.equals(m.get(key));
    }

    @Override
    public Optional<Exit> exit(ContainerId container, String execId) {
        Path f = exitRecord(container, execId);
        if (!Files.exists(f)) return Optional.empty(); // the usual answer, said without a failed open's exception
        try {
            Map<String, Object> m = JsonCodec.read(Files.readAllBytes(f));
            return Optional.of(new Exit((int) JsonCodec.number(m, "ExitCode"), (int) JsonCodec.number(m, "Signal"),
                    bool(m, "TimedOut")));
        } catch (IOException | RuntimeException none) {
            return Optional.empty();
        }
    }

    @Override
    public void exited(ContainerId container, String execId, Exit exit) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ExitCode", (long) exit.code());
        m.put("Signal", (long) exit.signal());
        m.put("TimedOut", exit.timedOut());
        Path f = exitRecord(container, execId);
        try {
            AtomicFiles.write(f, JsonCodec.write(m));
        } catch (NoSuchFileException gone) {
            // the container (or its record) was removed meanwhile
        } catch (IOException ex) {
            throw new QuiltException(QuiltException.Kind.SYSTEM, "cannot record the end of exec " + execId + " in "
                    + f + ": " + ex.getMessage());
        }
    }

    @Override
    public Path exitRecord(ContainerId container, String execId) {
        return paths.containerState(container).resolve(DIR).resolve(execId + EXIT);
    }

    @Override
    public Optional<ProcessRef> identify(int pid) {
        OptionalLong t = ProcStat.startTime(pid);
        return t.isPresent() ? Optional.of(new ProcessRef(pid, t.getAsLong())) : Optional.empty();
    }

    @Override
    public boolean alive(ProcessRef process) {
        return ProcStat.alive(process);
    }

    /** One stat(2) of {@code run/<id>}: a removal renames the directory away first, then deletes it. */
    @Override
    public boolean containerKept(ContainerId container) {
        return Files.isDirectory(paths.containerState(container));
    }
}
