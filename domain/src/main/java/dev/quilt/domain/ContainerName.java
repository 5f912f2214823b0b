package dev.quilt.domain;

/** A name a person gave a container; unique among the live ones of a state root. */
public record ContainerName(String value) {
    public ContainerName {
        Identifiers.validate("container name", value);
    }

    public static ContainerName of(String value) {
        return new ContainerName(value);
    }

    /** The name a file name spells, or empty when it is not one. */
    public static java.util.Optional<ContainerName> parse(String value) {
        try {
            return java.util.Optional.of(new ContainerName(value));
        } catch (QuiltException e) {
            return java.util.Optional.empty();
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
