package dev.quilt.domain;

/** A name a person gave a container; unique among the live ones of a state root. */
public record ContainerName(String value) {
    public ContainerName {
        Identifiers.validate("container name", value);
    }

    public static ContainerName of(String value) {
        return new ContainerName(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
