package dev.quilt.ports;

import dev.quilt.domain.Phase;
import dev.quilt.domain.QuiltException;

/**
 * A container did not become ready: {@link #phase()} is the first phase that
 * did not hold, by its deadline or because it failed. {@link #exitCode()} is
 * the shell's code for it (125, or 126/127 when the command could not be exec'd).
 */
public final class NotReadyException extends QuiltException {
    private final Phase phase;
    private final int exitCode;

    public NotReadyException(Phase phase, String message, int exitCode) {
        super(Kind.SYSTEM, message);
        this.phase = phase;
        this.exitCode = exitCode;
    }

    public NotReadyException(Phase phase, String message) {
        this(phase, message, 125);
    }

    public Phase phase() {
        return phase;
    }

    public int exitCode() {
        return exitCode;
    }
}
