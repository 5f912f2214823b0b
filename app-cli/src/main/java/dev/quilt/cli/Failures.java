package dev.quilt.cli;

import dev.quilt.domain.QuiltException;
import dev.quilt.linux.IoErrors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;

/**
 * Any failure as the one line the user sees (without the {@code quilt: }
 * prefix). A Quilt error says what went wrong in its own words; a failure of a
 * file the system reports names the file and the system's reason; anything else
 * is a fault of Quilt's that says so, and never shows a Java exception's class or
 * message: those are for {@code --debug}.
 */
public final class Failures {
    private Failures() {}

    public static String describe(Throwable e) {
        if (e instanceof QuiltException q) return oneLine(q.getMessage());
        Throwable cause = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
        if (cause instanceof FileSystemException fs && fs.getFile() != null) {
            return oneLine("cannot use " + fs.getFile() + ": " + IoErrors.why(fs));
        }
        if (cause.getClass() == IOException.class && cause.getMessage() != null) {
            // the JDK's plain IOException carries the system's text (strerror): "No space left on device"
            return oneLine("i/o error: " + IoErrors.why((IOException) cause));
        }
        if (e instanceof OutOfMemoryError) {
            return "out of memory; give the JVM more with JAVA_TOOL_OPTIONS=-Xmx... or free some";
        }
        return "internal error (a fault in quilt, not in what you asked); run the command again with --debug"
                + " to see where, and report it";
    }

    private static String oneLine(String s) {
        String line = String.valueOf(s).strip().replace('\n', ' ').replace('\r', ' ');
        return line.isEmpty() ? "failed without saying why; run the command again with --debug" : line;
    }
}
