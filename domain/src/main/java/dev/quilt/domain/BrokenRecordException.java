package dev.quilt.domain;

/**
 * A command met a container whose record cannot be read. The listing verbs
 * ({@code ps}, {@code gc}) turn it back into its {@link ContainerRecord.Broken}
 * value; the others print its message, which says how to get rid of it.
 */
public final class BrokenRecordException extends QuiltException {
    private final transient ContainerRecord.Broken broken;

    public BrokenRecordException(ContainerRecord.Broken broken) {
        super(Kind.CONFLICT, "container '" + broken.id().shortForm() + "' has a broken record (" + broken.reason()
                + "); remove it with 'quilt rm -f " + broken.id().shortForm() + "'");
        this.broken = broken;
    }

    public ContainerRecord.Broken broken() {
        return broken;
    }
}
