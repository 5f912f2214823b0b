package dev.quilt.domain;

/**
 * The one exception family users see. The message is a stable, lowercase line
 * that says what went wrong and, where it can, what to do; the CLI prints it and
 * nothing else.
 */
public class QuiltException extends RuntimeException {
    private final Kind kind;

    /** What sort of failure, so each face can map it (exit code, HTTP status). */
    public enum Kind { INVALID_INPUT, NOT_FOUND, CONFLICT, PERMISSION, SYSTEM }

    public QuiltException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public QuiltException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static QuiltException invalid(String message) {
        return new QuiltException(Kind.INVALID_INPUT, message);
    }

    public static QuiltException notFound(String message) {
        return new QuiltException(Kind.NOT_FOUND, message);
    }

    public static QuiltException conflict(String message) {
        return new QuiltException(Kind.CONFLICT, message);
    }
}
