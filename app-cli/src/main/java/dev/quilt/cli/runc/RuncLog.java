package dev.quilt.cli.runc;

import dev.quilt.domain.oci.JsonString;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Optional;

/**
 * runc's {@code --log FILE} and {@code --log-format text|json}: where an error is written besides
 * stderr, in logrus's shapes as runc 1.1 writes them, one record a line, appended:
 * {@code {"level":"error","msg":"...","time":"2026-12-01T06:53:41Z"}} (json; containerd's shim
 * reads the last such line of its {@code log.json} and shows its {@code msg}) or
 * {@code time="2026-12-01T06:53:41Z" level=error msg="..."} (text). The time is RFC 3339, UTC.
 */
public final class RuncLog {
    /** The formats runc's {@code --log-format} takes. */
    public enum Format { TEXT, JSON }

    private Optional<Path> file = Optional.empty();
    private Format format = Format.TEXT;

    /**
     * Logs to {@code file} from now on; it is opened (made, 0644, appended to) at once, as runc opens its
     * {@code --log} before anything else, so a log that cannot be written is one line and exit 1, not a
     * silent loss.
     */
    void file(Path file) {
        try {
            Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE).close();
        } catch (IOException e) {
            throw dev.quilt.domain.QuiltException.invalid("open " + file + ": " + dev.quilt.linux.IoErrors.why(e));
        }
        this.file = Optional.of(file);
    }

    void format(Format format) {
        this.format = format;
    }

    /** The record of one error, without its newline. */
    static String record(Format format, String message, Instant at) {
        String time = Rfc3339.seconds(at);
        if (format == Format.JSON) {
            return "{\"level\":\"error\",\"msg\":" + JsonString.quote(message) + ",\"time\":\"" + time + "\"}";
        }
        return "time=\"" + time + "\" level=error msg=" + JsonString.quote(message);
    }

    /**
     * Appends the error to the log file, if there is one. A log that cannot be written loses the record and
     * nothing else: the error still reaches stderr, and the exit code is the command's.
     *
     * @return false when the file could not be written
     */
    boolean error(String message, Instant at) {
        if (file.isEmpty()) return true;
        try {
            Files.writeString(file.get(), record(format, message, at) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }
}
