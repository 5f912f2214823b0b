package dev.quilt.domain;

import java.util.HexFormat;

/** A container's permanent identity: also its state directory's name. */
public record ContainerId(String value) implements Comparable<ContainerId> {
    public ContainerId {
        Identifiers.validate("container id", value);
    }

    public static ContainerId of(String value) {
        return new ContainerId(value);
    }

    /** The ID a directory name spells, or empty when it is not one (a stray directory). */
    public static java.util.Optional<ContainerId> parse(String value) {
        try {
            return java.util.Optional.of(new ContainerId(value));
        } catch (QuiltException e) {
            return java.util.Optional.empty();
        }
    }

    /** A new random ID, 64 hex digits, from 32 random bytes. */
    public static ContainerId random(byte[] randomBytes) {
        if (randomBytes.length != 32) throw new IllegalArgumentException("need 32 random bytes");
        return new ContainerId(HexFormat.of().formatHex(randomBytes));
    }

    /** The first 12 characters, as listings show it. */
    public String shortForm() {
        return value.length() > 12 ? value.substring(0, 12) : value;
    }

    @Override
    public int compareTo(ContainerId o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
