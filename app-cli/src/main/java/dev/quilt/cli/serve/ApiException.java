package dev.quilt.cli.serve;

import dev.quilt.cli.Failures;
import dev.quilt.domain.NoSuchContainerException;
import dev.quilt.domain.QuiltException;

/**
 * A refusal as the Docker Engine API gives it: an HTTP status and {@code {"message": "..."}}. A route throws it
 * (or a {@link QuiltException}, which {@link #of} maps: not found 404, conflict 409, bad input 400, anything else
 * 500 with the one line {@link Failures#describe} gives, never a Java exception's text). A reference that names no
 * container is dockerd's 404 {@code No such container: REF} (moby's {@code daemon.GetContainer}), whichever use case
 * found it out: routes need not translate it; a prefix of several IDs is current dockerd's 400
 * {@code multiple IDs found with provided prefix: REF}.
 */
public final class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, message);
    }

    /** Any failure as the status and line the client gets. */
    public static ApiException of(Throwable e) {
        if (e instanceof ApiException a) return a;
        if (e instanceof NoSuchContainerException n) return notFound("No such container: " + n.ref());
        if (e instanceof dev.quilt.domain.AmbiguousContainerException a) {
            return badRequest("multiple IDs found with provided prefix: " + a.ref());
        }
        if (e instanceof QuiltException q) {
            int status = switch (q.kind()) {
                case INVALID_INPUT -> 400;
                case NOT_FOUND -> 404;
                case CONFLICT -> 409;
                case PERMISSION -> 403;
                case SYSTEM -> 500;
            };
            return new ApiException(status, Failures.describe(q));
        }
        return new ApiException(500, Failures.describe(e));
    }
}
