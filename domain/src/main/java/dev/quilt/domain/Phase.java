package dev.quilt.domain;

/**
 * The events that make a container usable, in the order they come to hold:
 * its init exists in its namespaces, its network answers, an exec into it
 * works, its health check passes.
 */
public enum Phase {
    /** the init was cloned into its namespaces and cgroup (and its command exec'd or waiting for start) */
    SPAWNED("spawned"),
    /** both netlink batches were acknowledged; skipped without a bridge network */
    NETWORK("network"),
    /** a real exec into the container exited 0 */
    EXEC("exec"),
    /** the health check exited 0; skipped without one */
    HEALTHY("healthy");

    private final String word;

    Phase(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }

    public static Phase parse(String word) {
        for (Phase p : values()) {
            if (p.word.equals(word)) return p;
        }
        throw new IllegalArgumentException("no readiness phase '" + word + "'");
    }
}
