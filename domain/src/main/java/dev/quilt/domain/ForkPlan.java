package dev.quilt.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * How {@code quilt restore --copies N} names what it makes from one checkpoint (issue 16, item 5): copy {@code n}
 * ({@code 1..N}, its clone counter) is named {@code PREFIX-n} (the prefix is {@code --name}, else the name of the
 * container the checkpoint was taken of) and its hostname is the checkpoint's hostname with {@code -n} after it, cut
 * so that it stays a hostname of at most 63 characters; so no two copies share a name, a hostname or a counter. The
 * workload reads its counter from {@value #CLONE_FILE} (written into the copy's layer before the restore) and new execs
 * get {@value #CLONE_ENV}{@code =n}.
 */
public record ForkPlan(List<Copy> copies) {
    /** The most copies one call makes. */
    public static final int MAX_COPIES = 100;
    /** Where a copy reads its clone counter, one decimal line. */
    public static final String CLONE_FILE = "/run/quilt/clone";
    /** The environment variable new execs in a copy get. */
    public static final String CLONE_ENV = "QUILT_CLONE";
    /** The label that records a copy's counter ({@code inspect}). */
    public static final String CLONE_LABEL = "quilt.clone";

    /** One copy: its clone counter, name and hostname. */
    public record Copy(int counter, ContainerName name, Hostname hostname) {
        public Copy {
            if (counter < 1) throw new IllegalArgumentException("counter " + counter);
        }

        /** What {@value #CLONE_FILE} holds. */
        public String cloneFile() {
            return counter + "\n";
        }

        /** The {@code K=V} new execs get. */
        public String cloneEnv() {
            return CLONE_ENV + "=" + counter;
        }

        /**
         * The checkpointed container's {@code spec} as this copy's: its hostname, {@code HOSTNAME} and
         * {@value #CLONE_ENV} in the environment new execs start from, and the label {@value #CLONE_LABEL}.
         */
        public ContainerSpec applyTo(ContainerSpec spec) {
            ProcessSpec p = spec.process();
            ProcessSpec process = new ProcessSpec(p.args(), Environment.overlay(p.env(),
                    java.util.List.of("HOSTNAME=" + hostname.value(), cloneEnv()), k -> java.util.Optional.empty()),
                    p.cwd(), p.user(), p.terminal());
            java.util.Map<String, String> labels = new java.util.LinkedHashMap<>(spec.labels());
            labels.put(CLONE_LABEL, Integer.toString(counter));
            return new ContainerSpec(process, spec.root(), hostname, spec.namespaces(), spec.stdinOpen(), spec.init(),
                    spec.network(), spec.resources(), spec.health(), spec.ready(), spec.log(), spec.security(),
                    spec.bundle(), labels);
        }
    }

    public ForkPlan {
        copies = List.copyOf(copies);
    }

    /**
     * {@code n} copies named after {@code prefix}, with hostnames after {@code hostname}.
     *
     * @throws QuiltException INVALID when {@code n} is not 1..{@value #MAX_COPIES}, or {@code prefix-n} is not a
     *                        container name (too long: at most 64 characters)
     */
    public static ForkPlan of(String prefix, Hostname hostname, int n) {
        if (n < 1 || n > MAX_COPIES) {
            throw QuiltException.invalid("--copies " + n + ": give 1 to " + MAX_COPIES);
        }
        String longest = prefix + "-" + n;
        if (longest.length() > 64) {
            throw QuiltException.invalid("name prefix '" + Identifiers.printable(prefix.length() > 64
                    ? prefix.substring(0, 64) + "..." : prefix) + "' is too long for " + n
                    + " copies: '" + "PREFIX-" + n + "' must be at most 64 characters");
        }
        List<Copy> out = new ArrayList<>(n);
        for (int i = 1; i <= n; i++) {
            out.add(new Copy(i, ContainerName.of(prefix + "-" + i), hostnameOf(hostname, i)));
        }
        return new ForkPlan(out);
    }

    /** {@code base-n}, the base cut (and any '-' or '.' left at its end dropped) so the whole is at most 63. */
    static Hostname hostnameOf(Hostname base, int n) {
        String suffix = "-" + n;
        String b = base.value();
        if (b.length() + suffix.length() > 63) b = b.substring(0, 63 - suffix.length());
        while (b.endsWith("-") || b.endsWith(".")) b = b.substring(0, b.length() - 1);
        return new Hostname((b.isEmpty() ? "clone" : b) + suffix);
    }

    public int size() {
        return copies.size();
    }
}
