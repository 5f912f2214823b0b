package dev.quilt.linux.state;

import dev.quilt.domain.Container;
import dev.quilt.domain.ExitStatus;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.linux.jni.NativeLibrary;
import dev.quilt.ports.Activity;
import dev.quilt.ports.StateChanges;
import dev.quilt.ports.StateChangesContract;
import dev.quilt.ports.StateStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** inotify on a run directory under a temp root, with the real store; no root needed. */
class InotifyStateChangesTest extends StateChangesContract {
    @TempDir
    Path root;

    private LinuxPaths paths;
    private FsStateStore store;

    @BeforeEach
    void load() {
        NativeLibrary.load(root.resolve("native"));
        paths = LinuxPaths.under(root.resolve("q"));
        store = new FsStateStore(paths);
    }

    @Override
    protected StateStore store() {
        return store;
    }

    @Override
    protected StateChanges changes() {
        return new InotifyStateChanges(paths);
    }

    @Override
    protected Activity activity() {
        return new FsActivity(paths);
    }

    /** As the monitor writes it: a temp file renamed into the container's directory. */
    @Override
    protected void recordExit(Container c, ExitStatus exit) {
        try {
            Path dir = paths.containerState(c.id());
            Path tmp = dir.resolve(".exit.json.tmp");
            Files.writeString(tmp, "{\"exitCode\":" + exit.code() + ",\"signal\":" + exit.signal()
                    + ",\"exitedAt\":\"2026-01-01T00:00:00.000000001Z\"}\n");
            Files.move(tmp, dir.resolve("exit.json"), StandardCopyOption.ATOMIC_MOVE);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
