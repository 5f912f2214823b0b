package dev.quilt.cli.serve;

import dev.quilt.domain.Container;
import dev.quilt.domain.ResourceUsage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Docker's stats object (Engine API 1.41 "Get container stats based on resource usage", {@code types.StatsJSON})
 * from two samples of a container's cgroup counters ({@link ResourceUsage}): {@code read}/{@code preread} the
 * samples' times, {@code cpu_stats}/{@code precpu_stats} with {@code system_cpu_usage} (the host's CPU time in ns,
 * from {@code /proc/stat}) and {@code online_cpus}, so a client's CPU % is docker's
 * {@code Δtotal_usage / Δsystem_cpu_usage × online_cpus × 100}; memory in bytes ({@code limit}: the cgroup's, else
 * the host's memory), pids, CFS throttling, and {@code networks.eth0} when the container has a veth (the host
 * end's counters, turned round: what the host end sent, the container received). A sample without usage (a
 * stopped container) is zeros, as dockerd answers for one. Quilt does not count block I/O per container nor a
 * memory high-water mark: {@code blkio_stats} lists are null and {@code max_usage} is absent, as dockerd's on
 * cgroup v2.
 */
final class StatsJson {
    /** Go's zero time, which dockerd gives for a sample it did not take. */
    static final String ZERO_TIME = "0001-01-01T00:00:00Z";
    private static final DateTimeFormatter RFC3339_NANO =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    private StatsJson() {}

    /** The host's CPU: total time in ns since boot and how many CPUs are online. */
    record HostCpu(long systemNanos, int onlineCpus) {
        static final HostCpu NONE = new HostCpu(0, 0);

        /**
         * From {@code /proc/stat}'s text (proc(5)): the {@code cpu} line's user, nice, system, idle, iowait, irq
         * and softirq, in USER_HZ ticks (100 a second, the kernel's ABI), as ns, the sum dockerd takes; one
         * {@code cpuN} line per online CPU.
         */
        static HostCpu parse(String procStat) {
            long total = 0;
            int cpus = 0;
            for (String line : procStat.split("\n")) {
                if (line.startsWith("cpu ")) {
                    String[] f = line.trim().split("\\s+");
                    for (int i = 1; i <= 7 && i < f.length; i++) total += Long.parseLong(f[i]);
                } else if (line.startsWith("cpu")) {
                    cpus++;
                }
            }
            return new HostCpu(total * (1_000_000_000L / 100), cpus);
        }

        static HostCpu now() {
            try {
                return parse(Files.readString(Path.of("/proc/stat")));
            } catch (IOException | RuntimeException e) {
                return NONE;
            }
        }
    }

    /** A veth's counters as the container sees them. */
    record Network(long rxBytes, long rxPackets, long rxErrors, long rxDropped, long txBytes, long txPackets,
                   long txErrors, long txDropped) {
        /** The host end {@code link}'s counters from sysfs, turned round; empty when the link is gone. */
        static Optional<Network> ofHostLink(String link) {
            Path s = Path.of("/sys/class/net").resolve(link).resolve("statistics");
            try {
                return Optional.of(new Network(n(s, "tx_bytes"), n(s, "tx_packets"), n(s, "tx_errors"),
                        n(s, "tx_dropped"), n(s, "rx_bytes"), n(s, "rx_packets"), n(s, "rx_errors"), n(s, "rx_dropped")));
            } catch (IOException | NumberFormatException e) {
                return Optional.empty();
            }
        }

        private static long n(Path dir, String name) throws IOException {
            return Long.parseLong(Files.readString(dir.resolve(name)).strip());
        }
    }

    /** One reading: when, what the cgroup counted (empty: none, a stopped container), the host's CPU, the veth. */
    record Sample(Instant read, Optional<ResourceUsage> usage, HostCpu host, Optional<Network> network) {}

    /** The stats object of {@code c} at {@code now}, with {@code pre} as the previous reading (empty: zeros). */
    static Map<String, Object> of(Container c, Sample now, Optional<Sample> pre, long hostMemory) {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean taken = now.usage().isPresent();
        m.put("read", taken ? RFC3339_NANO.format(now.read()) : ZERO_TIME);
        m.put("preread", pre.filter(p -> p.usage().isPresent()).map(p -> RFC3339_NANO.format(p.read())).orElse(ZERO_TIME));
        ResourceUsage u = now.usage().orElse(null);
        Map<String, Object> pids = new LinkedHashMap<>();
        pids.put("current", u == null ? 0 : u.pids());
        if (u != null && u.pidsLimit().isPresent()) pids.put("limit", u.pidsLimit().get());
        m.put("pids_stats", pids);
        Map<String, Object> blkio = new LinkedHashMap<>();
        for (String k : List.of("io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive",
                "io_service_time_recursive", "io_wait_time_recursive", "io_merged_recursive", "io_time_recursive",
                "sectors_recursive")) {
            blkio.put(k, null);
        }
        m.put("blkio_stats", blkio);
        m.put("num_procs", 0);
        m.put("storage_stats", Map.of());
        m.put("cpu_stats", cpu(taken ? now : null));
        m.put("precpu_stats", cpu(pre.filter(p -> p.usage().isPresent()).orElse(null)));
        Map<String, Object> mem = new LinkedHashMap<>();
        if (u != null) {
            mem.put("usage", u.memoryBytes());
            mem.put("stats", Map.of());
            mem.put("limit", u.memoryLimit().orElse(hostMemory));
        }
        m.put("memory_stats", mem);
        m.put("name", "/" + c.displayName());
        m.put("id", c.id().value());
        if (taken && now.network().isPresent()) {
            Network n = now.network().get();
            Map<String, Object> eth0 = new LinkedHashMap<>();
            eth0.put("rx_bytes", n.rxBytes());
            eth0.put("rx_packets", n.rxPackets());
            eth0.put("rx_errors", n.rxErrors());
            eth0.put("rx_dropped", n.rxDropped());
            eth0.put("tx_bytes", n.txBytes());
            eth0.put("tx_packets", n.txPackets());
            eth0.put("tx_errors", n.txErrors());
            eth0.put("tx_dropped", n.txDropped());
            m.put("networks", Map.of("eth0", eth0));
        }
        return m;
    }

    private static Map<String, Object> cpu(Sample s) {
        ResourceUsage u = s == null ? null : s.usage().orElse(null);
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("total_usage", u == null ? 0 : u.cpuNanos());
        usage.put("usage_in_kernelmode", u == null ? 0 : u.systemNanos());
        usage.put("usage_in_usermode", u == null ? 0 : u.userNanos());
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("cpu_usage", usage);
        if (u != null) {
            cpu.put("system_cpu_usage", s.host().systemNanos());
            cpu.put("online_cpus", s.host().onlineCpus());
        }
        Map<String, Object> throttling = new LinkedHashMap<>();
        throttling.put("periods", u == null ? 0 : u.periods());
        throttling.put("throttled_periods", u == null ? 0 : u.throttledPeriods());
        throttling.put("throttled_time", u == null ? 0 : u.throttledNanos());
        cpu.put("throttling_data", throttling);
        return cpu;
    }
}
