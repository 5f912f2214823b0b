package dev.quilt.ports;

import dev.quilt.domain.ExecveLimits;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every HostLimits must say; run against the fake and the Linux adapter. */
public abstract class HostLimitsContract {
    protected abstract HostLimits limits();

    @Test
    void thereIsAtLeastOneCpu() {
        assertTrue(limits().cpus() >= 1, "cpus " + limits().cpus());
    }

    @Test
    void argMaxIsWithinTheKernelsBounds() {
        long argMax = limits().argMax();
        assertTrue(argMax >= ExecveLimits.MIN_ARG_MAX && argMax <= ExecveLimits.MAX_ARG_MAX, "ARG_MAX " + argMax);
    }
}
