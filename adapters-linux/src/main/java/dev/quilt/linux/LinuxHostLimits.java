package dev.quilt.linux;

import dev.quilt.domain.ExecveLimits;
import dev.quilt.ports.HostLimits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * The host's CPUs and ARG_MAX, from /proc/self/status (Cpus_allowed_list: our
 * affinity, which docker counts too) and /proc/self/limits (the stack limit,
 * which the monitor and its init inherit through posix_spawn and clone).
 */
public final class LinuxHostLimits implements HostLimits {
    @Override
    public int cpus() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    int n = countCpus(line.substring("Cpus_allowed_list:".length()).strip());
                    if (n > 0) return n;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall back to the JVM's count below
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** ARG_MAX as first read; 0 until then. */
    private volatile long argMax;

    /**
     * Read once per process, on first use: our own stack limit changes only through our own setrlimit(2), which
     * Quilt never calls, or another process's prlimit(2) on us; and every exec of a server would otherwise read
     * /proc/self/limits again (tens of microseconds of each exec start).
     */
    @Override
    public long argMax() {
        long known = argMax;
        if (known > 0) return known;
        long read;
        try {
            read = ExecveLimits.argMax(stackLimit(Files.readAllLines(Path.of("/proc/self/limits"))));
        } catch (IOException | RuntimeException e) {
            read = ExecveLimits.argMax(OptionalLong.of(8L << 20)); // the usual 8 MiB
        }
        argMax = read;
        return read;
    }

    /** "0-3,8,10-11" → 7. */
    static int countCpus(String list) {
        int n = 0;
        for (String part : list.split(",")) {
            if (part.isBlank()) continue;
            int dash = part.indexOf('-');
            n += dash < 0 ? 1 : Integer.parseInt(part.substring(dash + 1).strip())
                    - Integer.parseInt(part.substring(0, dash).strip()) + 1;
        }
        return n;
    }

    /** The soft limit of "Max stack size" in /proc/self/limits; empty for unlimited. */
    static OptionalLong stackLimit(List<String> limits) {
        for (String line : limits) {
            if (line.startsWith("Max stack size")) {
                String soft = line.substring("Max stack size".length()).strip().split("\\s+")[0];
                return soft.equals("unlimited") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(soft));
            }
        }
        throw new IllegalStateException("no stack limit in /proc/self/limits");
    }
}
