package dev.quilt.domain;

import java.util.Optional;

/**
 * A change to a live container's limits, as {@code runc update} gives it: a
 * present field is written, an absent one stays as it is. Units and conventions
 * are runc's (and the OCI {@code linux.resources} fields'): {@code memory} and
 * {@code memorySwap} (memory plus swap) in bytes, {@code -1} unlimited;
 * {@code cpuShares} the relative weight (2 to 262144; on cgroup v2 mapped to
 * {@code cpu.weight} with {@link Resources#weightOf}); {@code cpuQuota}
 * microseconds per {@code cpuPeriod} microseconds, quota {@code -1} no limit;
 * {@code pids} the task limit, {@code -1} unlimited.
 */
public record ResourceUpdate(Optional<Long> memory, Optional<Long> memorySwap, Optional<Long> cpuShares,
                             Optional<Long> cpuQuota, Optional<Long> cpuPeriod, Optional<Long> pids) {
    /** The kernel's CFS bounds (kernel/sched/core.c): a period of 1 ms to 1 s, a quota of at least 1 ms. */
    public static final long MIN_PERIOD = 1_000;
    public static final long MAX_PERIOD = 1_000_000;
    public static final long MIN_QUOTA = 1_000;

    public ResourceUpdate {
        memory.ifPresent(m -> {
            if (m != -1 && m < Resources.MIN_MEMORY) {
                throw QuiltException.invalid("memory " + m + " is too small: a container needs at least 6m (-1 for no limit)");
            }
        });
        memorySwap.ifPresent(s -> {
            if (s != -1 && s < 0) throw QuiltException.invalid("memory-swap " + s + " is not a size (-1 for no limit)");
            if (s != -1 && memory.isPresent() && memory.get() != -1 && s < memory.get()) {
                throw QuiltException.invalid("memory-swap " + s + " is less than memory " + memory.get()
                        + ": it counts memory and swap together (-1 for unlimited swap)");
            }
        });
        cpuShares.ifPresent(s -> {
            if (s < Resources.MIN_SHARES || s > Resources.MAX_SHARES) {
                throw QuiltException.invalid("cpu-shares must be " + Resources.MIN_SHARES + " to " + Resources.MAX_SHARES
                        + ", not " + s);
            }
        });
        cpuQuota.ifPresent(q -> {
            if (q != -1 && q < MIN_QUOTA) throw QuiltException.invalid("cpu-quota " + q + " is below 1000 microseconds (-1 for no limit)");
        });
        cpuPeriod.ifPresent(p -> {
            if (p < MIN_PERIOD || p > MAX_PERIOD) {
                throw QuiltException.invalid("cpu-period must be 1000 to 1000000 microseconds, not " + p);
            }
        });
        pids.ifPresent(p -> {
            if (p != -1 && p < 1) throw QuiltException.invalid("pids-limit must be at least 1, or -1 for no limit");
        });
    }

    public static final ResourceUpdate NONE = new ResourceUpdate(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty());

    /** True when nothing would change. */
    public boolean isEmpty() {
        return equals(NONE);
    }

    /** {@code value} as a cgroup file takes it: {@code max} for {@code -1}. */
    public static String limit(long value) {
        return value == -1 ? "max" : Long.toString(value);
    }
}
