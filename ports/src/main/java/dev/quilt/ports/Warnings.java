package dev.quilt.ports;

/**
 * Where a use case says what went wrong without failing the command: a failed {@code poststart} or
 * {@code poststop} hook, which the runtime spec makes a warning (config.md "POSIX-platform Hooks":
 * "the runtime MUST log a warning, but the remaining hooks and lifecycle continue").
 */
public interface Warnings {
    /** One line, lowercase, without the "warning: " the face adds. */
    void warn(String line);
}
