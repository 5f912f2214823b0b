package dev.quilt.domain;

/**
 * The cap of a detached container's log ({@code --log-max-size}), like the
 * max-size of docker's json-file and podman's k8s-file logs: once
 * {@code container.log} would pass {@code maxBytes} it becomes
 * {@code container.log.1} (replacing the one before) and a new one is begun.
 * A line left unfinished at the end of a file is finished in it first, so a
 * file may pass the cap by that one write, never twice the cap: a container's
 * log takes two to four times the cap at most. {@code 0} is no cap.
 * Sizes are written as for {@code --memory} (512k, 16m; a bare number is MiB).
 */
public record LogLimit(long maxBytes) {
    /** The monitor writes up to 64 KiB of records at once, and a file is never cut inside one write. */
    public static final long MIN_BYTES = 64L << 10;
    public static final LogLimit DEFAULT = new LogLimit(16L << 20);
    public static final LogLimit NONE = new LogLimit(0);

    public LogLimit {
        if (maxBytes != 0 && maxBytes < MIN_BYTES) {
            throw QuiltException.invalid("--log-max-size " + MemorySize.format(maxBytes)
                    + " is too small: give at least 64k, or -1 for no cap");
        }
    }

    /** From the flag as typed; null is the default, {@code -1} no cap. */
    public static LogLimit fromFlag(String text) {
        if (text == null) return DEFAULT;
        if (text.strip().equals("-1")) return NONE;
        return new LogLimit(MemorySize.parse("--log-max-size", text));
    }

    public boolean capped() {
        return maxBytes > 0;
    }
}
