package dev.quilt.fake;

import dev.quilt.domain.ExecveLimits;
import dev.quilt.ports.HostLimits;

/** A host of {@code cpus} CPUs whose ARG_MAX is {@code argMax} bytes; by default 2 CPUs and 8 MiB of stack. */
public record FakeHostLimits(int cpus, long argMax) implements HostLimits {
    public static final FakeHostLimits DEFAULT = new FakeHostLimits(2, 2L * 1024 * 1024);

    public FakeHostLimits {
        if (cpus < 1) throw new IllegalArgumentException("a host has at least one CPU");
        if (argMax < ExecveLimits.MIN_ARG_MAX || argMax > ExecveLimits.MAX_ARG_MAX) {
            throw new IllegalArgumentException("ARG_MAX " + argMax + " is not one the kernel gives");
        }
    }
}
