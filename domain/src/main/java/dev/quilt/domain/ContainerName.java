package dev.quilt.domain;

import java.util.regex.Pattern;

/**
 * A name a person gave a container; unique among the live ones of a state root. {@link #of} takes
 * Quilt's (and docker's) rule for names; {@link #runc} takes runc's wider rule for container IDs, as
 * {@code quilt-runc} names a container by the ID its caller gave. A stored name is read back with either
 * ({@link #parse}).
 */
public record ContainerName(String value) {
    /**
     * runc 1.1's container ID rule ({@code libcontainer/factory_linux.go}: {@code ^[\w+-\.]+$}, and neither
     * {@code .} nor {@code ..}), at most 255 bytes, the longest file name (Quilt keeps a name as one).
     */
    static final Pattern RUNC_PATTERN = Pattern.compile("[A-Za-z0-9_+.-]{1,255}");

    public ContainerName {
        if (value == null || !RUNC_PATTERN.matcher(value).matches() || value.equals(".") || value.equals("..")) {
            Identifiers.validate("container name", value);
        }
    }

    /** A name given to {@code quilt}: 1 to 64 of a-z A-Z 0-9 _ . -, starting with a letter or digit. */
    public static ContainerName of(String value) {
        return new ContainerName(Identifiers.validate("container name", value));
    }

    /**
     * A runc container ID as a name: 1 to 255 of a-z A-Z 0-9 _ + . -, not {@code .} or {@code ..}.
     *
     * @throws QuiltException (invalid) naming the ID and the rule
     */
    public static ContainerName runc(String id) {
        if (id == null || id.isEmpty()) throw QuiltException.invalid("container id cannot be empty");
        if (!RUNC_PATTERN.matcher(id).matches() || id.equals(".") || id.equals("..")) {
            String shown = id.length() > 70 ? id.substring(0, 64) + "..." : id;
            throw QuiltException.invalid("invalid container id '" + Identifiers.printable(shown)
                    + "': use 1 to 255 of a-z A-Z 0-9 _ + . -, and not '.' or '..' (runc's rule)");
        }
        return new ContainerName(id);
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
