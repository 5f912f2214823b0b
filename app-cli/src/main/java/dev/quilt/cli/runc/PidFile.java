package dev.quilt.cli.runc;

import dev.quilt.domain.QuiltException;
import dev.quilt.linux.AtomicFiles;
import dev.quilt.linux.IoErrors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * runc's {@code --pid-file}: the pid in decimal, no newline, written whole or not at all (a temp file in
 * the same directory, fsync, rename, as runc's {@code createPidFile} writes {@code .NAME} and renames it).
 * A relative path is the caller's working directory's.
 */
final class PidFile {
    private PidFile() {}

    /** Writes {@code file} (absolute: the caller's working directory resolved it, {@link dev.quilt.cli.Invocation}). */
    static void write(Path file, int pid) {
        try {
            AtomicFiles.write(file, Integer.toString(pid).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw QuiltException.invalid("cannot write the pid file " + file + ": " + IoErrors.why(e));
        }
    }
}
