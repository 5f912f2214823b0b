package dev.quilt.domain;

/**
 * A reference that is the start of more than one container ID (and no container's name or whole ID). The message is
 * the CLI's line ({@code 'ab' is the start of 2 container ids; give more of it, or the name}, a conflict as before);
 * {@link #ref()} is what the caller gave, so the Docker API words it as current dockerd does: 400
 * {@code multiple IDs found with provided prefix: ab} (moby's {@code daemon/container/view.go}, an invalid parameter;
 * dockerd 20.10's truncindex said {@code Multiple IDs found with provided prefix: ab} as a 500, which Quilt does
 * not copy: a 500 is for the server's own faults).
 */
public final class AmbiguousContainerException extends QuiltException {
    private final String ref;

    public AmbiguousContainerException(String ref, String message) {
        super(Kind.CONFLICT, message);
        this.ref = ref;
    }

    /** The reference as the caller gave it. */
    public String ref() {
        return ref;
    }
}
