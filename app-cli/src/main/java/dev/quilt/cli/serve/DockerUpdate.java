package dev.quilt.cli.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quilt.domain.Cpus;
import dev.quilt.domain.ResourceUpdate;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The body of {@code POST /containers/{id}/update} (API 1.41 "ContainerUpdate": docker's {@code Resources} and
 * {@code RestartPolicy}) as the engine's {@link ResourceUpdate}. As in moby's {@code container.UpdateContainer}, a
 * zero field (0, null, empty) changes nothing: {@code Memory} and {@code MemorySwap} bytes ({@code MemorySwap} -1:
 * unlimited swap), {@code NanoCpus} (10<sup>-9</sup> CPUs, a CFS quota over docker's 100 ms period),
 * {@code CpuQuota}/{@code CpuPeriod} µs (not with NanoCpus: docker's "Conflicting options"), {@code CpuShares},
 * {@code PidsLimit} (null: unchanged, 0 or -1: no limit). Any other field given with a value that is not zero
 * (a cpuset, block-io weights, a memory reservation, kernel memory, a restart policy other than {@code no}…) is a
 * 400 naming it: Quilt cannot honour it, and never drops it silently.
 */
final class DockerUpdate {
    /** The fields mapped onto the engine's update. */
    static final List<String> MAPPED = List.of("Memory", "MemorySwap", "NanoCpus", "CpuQuota", "CpuPeriod",
            "CpuShares", "PidsLimit");

    private DockerUpdate() {
    }

    /**
     * The update {@code body} asks, on a host of {@code hostCpus} CPUs: {@code NanoCpus} over them is refused as
     * dockerd refuses it ("range of CPUs is from 0.01 to N.00"; moby checks {@code NanoCPUs} only, not a raw
     * {@code CpuQuota}).
     */
    static ResourceUpdate change(JsonNode body, int hostCpus) {
        if (!body.isObject()) throw ApiException.badRequest("the update must be a JSON object of limits (Memory, NanoCpus, PidsLimit…)");
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (MAPPED.contains(f.getKey()) || isZero(f.getKey(), f.getValue())) continue;
            throw ApiException.badRequest("invalid " + f.getKey() + ": Quilt cannot update it on a container; leave it"
                    + " out (update takes " + String.join(", ", MAPPED) + ")");
        }
        long memory = number(body, "Memory");
        long swap = number(body, "MemorySwap");
        long nanoCpus = number(body, "NanoCpus");
        long quota = number(body, "CpuQuota");
        long period = number(body, "CpuPeriod");
        long shares = number(body, "CpuShares");
        if (memory < 0 && memory != -1) throw ApiException.badRequest("invalid Memory: " + memory + " is not a size in bytes");
        if (swap < -1) throw ApiException.badRequest("invalid MemorySwap: " + swap + " is not a size in bytes (-1: unlimited swap)");
        if (nanoCpus < 0) throw ApiException.badRequest("invalid NanoCpus: must not be negative (0: unchanged)");
        if (nanoCpus != 0 && (quota != 0 || period != 0)) {
            throw ApiException.badRequest("Conflicting options: Nano CPUs and CPU Period/Quota cannot both be set");
        }
        Optional<Long> q = quota == 0 ? Optional.empty() : Optional.of(quota);
        Optional<Long> p = period == 0 ? Optional.empty() : Optional.of(period);
        if (nanoCpus != 0) {
            Cpus c = DockerCreate.cpusOf(nanoCpus);
            try {
                c.requireAtMost(hostCpus);
            } catch (dev.quilt.domain.QuiltException e) {
                throw ApiException.badRequest("invalid NanoCpus: " + e.getMessage().replaceFirst("^--cpus \\S+: ", ""));
            }
            q = Optional.of(c.quotaMicros());
            p = Optional.of(c.periodMicros());
        }
        Optional<Long> pids = Optional.empty();
        JsonNode pl = body.path("PidsLimit");
        if (!pl.isMissingNode() && !pl.isNull()) {
            long n = number(body, "PidsLimit");
            if (n < -1) throw ApiException.badRequest("invalid PidsLimit: must be at least 1, or 0 or -1 for no limit");
            pids = Optional.of(n <= 0 ? -1 : n);
        }
        Optional<Long> mem = memory == 0 ? Optional.empty() : Optional.of(memory);
        Optional<Long> sw = swap == 0 ? Optional.empty() : Optional.of(swap);
        Optional<Long> sh = shares == 0 ? Optional.empty() : Optional.of(shares);
        Optional<Long> fq = q, fp = p, fpids = pids;
        try {
            return new ResourceUpdate(mem, sw, sh, fq, fp, fpids);
        } catch (dev.quilt.domain.QuiltException e) {
            if (e.kind() != dev.quilt.domain.QuiltException.Kind.INVALID_INPUT) throw e;
            throw ApiException.badRequest("invalid update: " + inFields(e.getMessage()));
        }
    }

    /** The engine's words for the limits ({@link ResourceUpdate}'s runc flag names) as this body's fields. */
    static String inFields(String message) {
        return message.replace("memory-swap", "MemorySwap").replace("cpu-shares", "CpuShares")
                .replace("cpu-quota", "CpuQuota").replace("cpu-period", "CpuPeriod").replace("pids-limit", "PidsLimit")
                .replaceFirst("^memory ", "Memory ").replace("than memory ", "than Memory ")
                .replace("--memory", "Memory");
    }

    /** null, 0, false, "", [], {} or an object of such; MemorySwappiness -1 and RestartPolicy {@code no} too. */
    static boolean isZero(String field, JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) return true;
        if (field.equals("MemorySwappiness") && v.isIntegralNumber() && v.asLong() == -1) return true;
        if (field.equals("Name") && v.isTextual() && v.asText().equals("no")) return true; // RestartPolicy.Name
        if (v.isNumber()) return v.asDouble() == 0;
        if (v.isBoolean()) return !v.asBoolean();
        if (v.isTextual()) return v.asText().isEmpty();
        if (v.isArray()) return v.isEmpty();
        if (v.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (!isZero(f.getKey(), f.getValue())) return false;
            }
            return true;
        }
        return false;
    }

    private static long number(JsonNode body, String field) {
        JsonNode n = body.path(field);
        if (n.isMissingNode() || n.isNull()) return 0;
        if (!n.isIntegralNumber() || !n.canConvertToLong()) {
            throw ApiException.badRequest("invalid " + field + ": must be an integer of 64 bits");
        }
        return n.asLong();
    }
}
