package dev.quilt.ports;

import dev.quilt.domain.QuiltException;

/**
 * A container is over but no exit was recorded: its monitor was killed, or
 * ended without writing exit.json. There is no code to report, and none is
 * made up; {@code quilt wait} exits {@link #EXIT_CODE} so a script can tell
 * this from a container that exited 1 and from a wait that failed.
 */
public final class ExitUnknownException extends QuiltException {
    /** LSB's init-script status for "program or service status is unknown". */
    public static final int EXIT_CODE = 4;

    public ExitUnknownException(String message) {
        super(Kind.CONFLICT, message);
    }
}
