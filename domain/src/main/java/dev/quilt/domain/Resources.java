package dev.quilt.domain;

import java.util.Optional;

/**
 * What a container may use. Empty means no limit. {@code memorySwap} is memory
 * plus swap, as in docker: when only {@code --memory} is given the container may
 * swap as much again (twice the memory in all); {@code -1} lifts the swap limit.
 * {@code cpuShares} is the relative weight under contention (1024 is one share).
 */
public record Resources(Optional<Long> memory, Optional<Long> memorySwap, Optional<Cpus> cpus,
                        Optional<Integer> cpuShares, Optional<Long> pids) {
    /** Below this a container cannot start a shell; docker refuses under 6m too. */
    public static final long MIN_MEMORY = 6L << 20;
    /** A fork bomb stops here unless asked otherwise. */
    public static final long DEFAULT_PIDS = 4096;
    public static final int MIN_SHARES = 2;
    public static final int MAX_SHARES = 262_144;

    /** No limit at all: what records from before limits existed mean. */
    public static final Resources UNLIMITED = new Resources(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty());
    /** What {@code quilt run} gives without flags. */
    public static final Resources DEFAULT = new Resources(Optional.empty(), Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.of(DEFAULT_PIDS));

    public Resources {
        memory.ifPresent(m -> {
            if (m < MIN_MEMORY) {
                throw QuiltException.invalid("--memory " + MemorySize.format(m) + " is too small: a container needs at least 6m");
            }
        });
        if (memorySwap.isPresent()) {
            if (memory.isEmpty()) throw QuiltException.invalid("--memory-swap needs --memory as well");
            if (memorySwap.get() < memory.get()) {
                throw QuiltException.invalid("--memory-swap " + MemorySize.format(memorySwap.get())
                        + " is less than --memory " + MemorySize.format(memory.get())
                        + ": it counts memory and swap together (use -1 for unlimited swap)");
            }
        }
        cpuShares.ifPresent(s -> {
            if (s < MIN_SHARES || s > MAX_SHARES) {
                throw QuiltException.invalid("--cpu-shares must be " + MIN_SHARES + " to " + MAX_SHARES + ", not " + s);
            }
        });
        pids.ifPresent(p -> {
            if (p < 1) throw QuiltException.invalid("--pids-limit must be at least 1, or -1 for no limit");
        });
    }

    /**
     * From the flags as typed; null means not given. {@code --memory-swap -1}
     * and {@code --pids-limit -1} (or 0) mean no limit.
     */
    public static Resources fromFlags(String memory, String memorySwap, String cpus, Integer cpuShares, String pidsLimit) {
        Optional<Long> mem = Optional.ofNullable(memory).map(m -> MemorySize.parse("--memory", m));
        Optional<Long> swap;
        if (memorySwap == null) {
            swap = mem.map(m -> m * 2);
        } else if (memorySwap.strip().equals("-1")) {
            if (mem.isEmpty()) throw QuiltException.invalid("--memory-swap needs --memory as well");
            swap = Optional.empty();
        } else {
            swap = Optional.of(MemorySize.parse("--memory-swap", memorySwap));
        }
        Optional<Long> pids = Optional.of(DEFAULT_PIDS);
        if (pidsLimit != null) {
            long p;
            try {
                p = Long.parseLong(pidsLimit.strip());
            } catch (NumberFormatException e) {
                throw QuiltException.invalid("--pids-limit '" + pidsLimit + "' is not a whole number (-1 for no limit)");
            }
            if (p < -1) throw QuiltException.invalid("--pids-limit must be at least 1, or -1 for no limit");
            pids = p <= 0 ? Optional.empty() : Optional.of(p);
        }
        return new Resources(mem, swap, Optional.ofNullable(cpus).map(Cpus::parse), Optional.ofNullable(cpuShares), pids);
    }

    /**
     * These limits after {@code change}, as a record keeps them (docker's {@code update} changes the container's
     * {@code HostConfig}): a field the change leaves out stays; {@code -1} is no limit (memory, CPU quota, pids).
     * Memory without a swap field keeps the recorded total, as the cgroup does; no memory limit drops the swap
     * total with it. A CPU quota without a period keeps the recorded period (100 ms when there was none).
     */
    public Resources updated(ResourceUpdate change) {
        Optional<Long> mem = change.memory().map(m -> m == -1 ? Optional.<Long>empty() : Optional.of(m)).orElse(memory);
        Optional<Long> swap = change.memorySwap().map(s -> s == -1 ? Optional.<Long>empty() : Optional.of(s))
                .orElse(memorySwap);
        if (mem.isEmpty() || swap.isPresent() && swap.get() < mem.get()) swap = Optional.empty();
        Optional<Cpus> c = cpus;
        if (change.cpuQuota().isPresent() && change.cpuQuota().get() == -1) {
            c = Optional.empty();
        } else if (change.cpuQuota().isPresent() || change.cpuPeriod().isPresent()) {
            long period = change.cpuPeriod().orElse(cpus.map(Cpus::periodMicros).orElse(Cpus.PERIOD));
            Optional<Long> quota = change.cpuQuota().or(() -> cpus.map(Cpus::quotaMicros));
            c = quota.map(q -> new Cpus(q, period));
        }
        Optional<Integer> shares = change.cpuShares().map(Long::intValue).or(() -> cpuShares);
        Optional<Long> p = change.pids().map(n -> n == -1 ? Optional.<Long>empty() : Optional.of(n)).orElse(pids);
        return new Resources(mem, swap, c, shares, p);
    }

    /**
     * {@link #updated}, refusing what the kernel would (the v1 memory controller's EINVAL for a memory limit over
     * the memory-plus-swap one, or the reverse) as docker's update does before it writes: a memory-swap below the
     * memory limit, or with no memory limit at all; a memory limit over the memory-swap one already set, without a
     * new memory-swap.
     *
     * @throws QuiltException INVALID_INPUT naming the limit, in runc's flag names
     */
    public Resources checkedUpdate(ResourceUpdate change) {
        Optional<Long> mem = change.memory().isPresent() ? change.memory().filter(m -> m != -1) : memory;
        Optional<Long> swap = change.memorySwap().filter(s -> s != -1);
        if (swap.isPresent() && mem.isEmpty()) {
            throw QuiltException.invalid("memory-swap " + swap.get() + " needs a memory limit: give memory as well");
        }
        if (swap.isPresent() && swap.get() < mem.get()) {
            throw QuiltException.invalid("memory-swap " + swap.get() + " is less than memory " + mem.get()
                    + ": it counts memory and swap together (-1 for unlimited swap)");
        }
        if (change.memorySwap().isEmpty() && change.memory().isPresent() && change.memory().get() != -1
                && memorySwap.isPresent() && change.memory().get() > memorySwap.get()) {
            throw QuiltException.invalid("memory " + change.memory().get() + " is more than the memory-swap limit "
                    + memorySwap.get() + " already set: give memory-swap as well (-1 for unlimited swap)");
        }
        return updated(change);
    }

    /**
     * cgroup v2's cpu.weight (1..10000) for docker's shares (2..262144): the
     * mapping runc and crun use, so the same flag means the same on both.
     */
    public static long weightOf(int shares) {
        return 1 + ((long) (shares - MIN_SHARES) * 9999) / (MAX_SHARES - MIN_SHARES);
    }
}
