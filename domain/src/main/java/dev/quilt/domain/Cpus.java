package dev.quilt.domain;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * {@code --cpus 1.5}: a CFS quota of {@code quota} microseconds in every
 * {@code period}, as docker writes it (period 100 ms).
 */
public record Cpus(long quotaMicros, long periodMicros) {
    public static final long PERIOD = 100_000;
    /** The kernel refuses quotas under 1 ms. */
    public static final long MIN_QUOTA = 1_000;

    public Cpus {
        if (periodMicros < 1_000 || periodMicros > 1_000_000) {
            throw QuiltException.invalid("a CPU period must be 1000 to 1000000 microseconds, not " + periodMicros);
        }
        if (quotaMicros < MIN_QUOTA) {
            throw QuiltException.invalid("--cpus must be at least 0.01");
        }
    }

    public static Cpus parse(String text) {
        BigDecimal n;
        try {
            n = new BigDecimal(text.strip());
        } catch (NumberFormatException e) {
            throw QuiltException.invalid("--cpus '" + text + "' is not a number: write how many CPUs, e.g. 0.5 or 2");
        }
        if (n.signum() <= 0) {
            throw QuiltException.invalid("--cpus must be more than 0 (e.g. 0.5 or 2), not '" + text + "'");
        }
        if (n.compareTo(BigDecimal.valueOf(100_000)) > 0) {
            throw QuiltException.invalid("--cpus " + text + " is more CPUs than any machine has");
        }
        long quota = n.multiply(BigDecimal.valueOf(PERIOD)).setScale(0, RoundingMode.HALF_UP).longValueExact();
        if (quota < MIN_QUOTA) throw QuiltException.invalid("--cpus must be at least 0.01, not '" + text + "'");
        return new Cpus(quota, PERIOD);
    }

    /**
     * Refuses a quota of more CPUs than the host has, as docker does; {@code hostCpus}
     * comes from the caller (a port), never from here.
     */
    public void requireAtMost(int hostCpus) {
        if (quotaMicros > (long) hostCpus * periodMicros) {
            String shown = BigDecimal.valueOf(quotaMicros).divide(BigDecimal.valueOf(periodMicros))
                    .stripTrailingZeros().toPlainString();
            throw QuiltException.invalid("--cpus " + shown + ": range of CPUs is from 0.01 to " + hostCpus
                    + ".00, as there " + (hostCpus == 1 ? "is only 1 CPU" : "are only " + hostCpus + " CPUs")
                    + " available");
        }
    }

    /** 0.5 for 50000/100000. */
    public double count() {
        return (double) quotaMicros / periodMicros;
    }
}
