package dev.quilt.linux.state;

import dev.quilt.domain.ContainerId;
import dev.quilt.linux.LinuxPaths;
import dev.quilt.ports.Activity;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;

/**
 * The last activity as the modification time of an empty file {@code activity} in the container's run directory
 * ({@code RUN/ID/activity}): a mark is one {@code utimensat}, seen by the state watcher's inotify ({@code IN_ATTRIB}),
 * and it leaves with the directory when the container is removed. A container that is gone takes no mark: the file is
 * only made inside an existing directory, never the directory itself.
 */
public final class FsActivity implements Activity {
    static final String FILE = "activity";

    private final LinuxPaths paths;

    public FsActivity(LinuxPaths paths) {
        this.paths = paths;
    }

    @Override
    public void mark(ContainerId id, Instant at) {
        Path f = paths.containerState(id).resolve(FILE);
        try {
            try {
                Files.createFile(f);
            } catch (FileAlreadyExistsException e) {
                FileTime was = Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS);
                if (was.toInstant().isAfter(at)) return;
            }
            Files.setLastModifiedTime(f, FileTime.from(at));
        } catch (NoSuchFileException e) {
            // the container is gone: nothing to mark
        } catch (IOException e) {
            // a mark that cannot be written only shortens an idle deadline's view; never fail the call that used it
        }
    }

    @Override
    public Optional<Instant> last(ContainerId id) {
        Path f = paths.containerState(id).resolve(FILE);
        try {
            if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
            return Optional.of(Files.getLastModifiedTime(f, LinkOption.NOFOLLOW_LINKS).toInstant());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
