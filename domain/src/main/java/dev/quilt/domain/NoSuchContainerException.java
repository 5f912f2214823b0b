package dev.quilt.domain;

/**
 * A reference (ID, ID prefix or name) that names no container. The message is the CLI's line
 * ({@code no container 'web'; 'quilt ps -a' lists them}); {@link #ref()} is what the caller gave, so each face can
 * word the refusal its own way in one place: the Docker API says dockerd's {@code No such container: web} (moby's
 * {@code daemon.GetContainer} error, 404).
 */
public final class NoSuchContainerException extends QuiltException {
    private final String ref;

    public NoSuchContainerException(String ref, String message) {
        super(Kind.NOT_FOUND, message);
        this.ref = ref;
    }

    /** The reference as the caller gave it. */
    public String ref() {
        return ref;
    }
}
