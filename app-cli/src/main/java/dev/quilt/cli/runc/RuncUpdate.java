package dev.quilt.cli.runc;

import dagger.Lazy;
import dev.quilt.domain.QuiltException;
import dev.quilt.domain.ResourceUpdate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quilt.domain.oci.OciLinux;
import dev.quilt.domain.oci.OciResourceUpdate;
import dev.quilt.linux.oci.OciSpecCodec;
import dev.quilt.usecases.UpdateResources;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import javax.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code quilt-runc update [--resources FILE|-] [limit flags] ID}: runc 1.1's
 * {@code update}. {@code --resources} is an OCI {@code linux.resources} object (a
 * file, or {@code -} for stdin: CRI's {@code UpdateContainerResources} sends it so),
 * read with the OCI codec; otherwise the flags, spelled as runc spells them
 * ({@code --memory 512m}, sizes in bytes or with k/m/g, {@code -1} unlimited;
 * {@code --cpu-share} and docker's {@code --cpu-shares}). A limit the engine cannot
 * change (memory reservation, kernel memory, cpusets, realtime, block-io, RDT) is
 * refused in one line naming it, never dropped.
 */
@Command(name = "update", description = "update container resource constraints")
public final class RuncUpdate implements Callable<Integer> {
    private final RuncContainers containers;
    private final Lazy<UpdateResources> update;

    @Option(names = {"-r", "--resources"}, paramLabel = "FILE",
            description = "path to the file containing the resources to update or '-' to read from the standard input")
    String resources;

    @Option(names = "--memory", paramLabel = "SIZE", description = "memory limit (in bytes, or 512m, 1g; -1 for none)")
    String memory;

    @Option(names = "--memory-swap", paramLabel = "SIZE", description = "total memory usage (memory + swap); -1 for unlimited swap")
    String memorySwap;

    @Option(names = {"--cpu-share", "--cpu-shares"}, paramLabel = "N", description = "CPU shares (relative weight vs. other containers)")
    String cpuShares;

    @Option(names = "--cpu-quota", paramLabel = "MICROSECONDS", description = "CPU CFS hardcap limit (in usecs); -1 for none")
    String cpuQuota;

    @Option(names = "--cpu-period", paramLabel = "MICROSECONDS", description = "CPU CFS period to be used for hardcapping (in usecs)")
    String cpuPeriod;

    @Option(names = "--pids-limit", paramLabel = "N", description = "maximum number of pids allowed in the container; -1 for none")
    String pidsLimit;

    @Option(names = "--memory-reservation", hidden = true) String memoryReservation;
    @Option(names = "--kernel-memory", hidden = true) String kernelMemory;
    @Option(names = "--kernel-memory-tcp", hidden = true) String kernelMemoryTcp;
    @Option(names = "--cpuset-cpus", hidden = true) String cpusetCpus;
    @Option(names = "--cpuset-mems", hidden = true) String cpusetMems;
    @Option(names = "--cpu-rt-period", hidden = true) String cpuRtPeriod;
    @Option(names = "--cpu-rt-runtime", hidden = true) String cpuRtRuntime;
    @Option(names = "--blkio-weight", hidden = true) String blkioWeight;
    @Option(names = "--l3-cache-schema", hidden = true) String l3CacheSchema;
    @Option(names = "--mem-bw-schema", hidden = true) String memBwSchema;

    /** runc's flags that Quilt cannot honour on a live container, by name, when given. */
    private List<String> refused() {
        List<String> out = new ArrayList<>();
        String[][] given = {{"--memory-reservation", memoryReservation}, {"--kernel-memory", kernelMemory},
                {"--kernel-memory-tcp", kernelMemoryTcp}, {"--cpuset-cpus", cpusetCpus}, {"--cpuset-mems", cpusetMems},
                {"--cpu-rt-period", cpuRtPeriod}, {"--cpu-rt-runtime", cpuRtRuntime}, {"--blkio-weight", blkioWeight},
                {"--l3-cache-schema", l3CacheSchema}, {"--mem-bw-schema", memBwSchema}};
        for (String[] g : given) if (g[1] != null) out.add(g[0]);
        return out;
    }

    @Parameters(index = "0", paramLabel = "CONTAINER_ID")
    String id;

    @Inject
    public RuncUpdate(Lazy<UpdateResources> update, RuncContainers containers) {
        this.containers = containers;
        this.update = update;
    }

    @Override
    public Integer call() {
        List<String> refused = refused();
        if (!refused.isEmpty()) {
            throw QuiltException.invalid("Quilt cannot change " + String.join(", ", refused)
                    + " of a live container; leave " + (refused.size() == 1 ? "it" : "them") + " out");
        }
        update.get().update(containers.require(id).value(), change());
        return 0;
    }

    ResourceUpdate change() {
        boolean flags = memory != null || memorySwap != null || cpuShares != null || cpuQuota != null
                || cpuPeriod != null || pidsLimit != null;
        if (resources != null) {
            if (flags) throw QuiltException.invalid("give --resources or the limit flags, not both");
            byte[] json = read(resources);
            OciLinux.Resources parsed = OciSpecCodec.readResources(json, origin(resources));
            refuseUnmodelled(json, origin(resources));
            return OciResourceUpdate.of(parsed, origin(resources));
        }
        return new ResourceUpdate(
                Optional.ofNullable(memory).map(v -> RuncUnits.ramInBytes("--memory", v)),
                Optional.ofNullable(memorySwap).map(v -> RuncUnits.ramInBytes("--memory-swap", v)),
                Optional.ofNullable(cpuShares).map(v -> RuncUnits.number("--cpu-share", v)),
                Optional.ofNullable(cpuQuota).map(v -> RuncUnits.number("--cpu-quota", v)),
                Optional.ofNullable(cpuPeriod).map(v -> RuncUnits.number("--cpu-period", v)),
                Optional.ofNullable(pidsLimit).map(v -> RuncUnits.number("--pids-limit", v)).map(v -> v < 0 ? -1 : v)
                        .filter(v -> v != 0));
    }

    /**
     * Fields of {@code linux.resources} that the OCI model does not hold (the codec
     * ignores unknown fields, as the spec asks of a config.json): given with a value,
     * update would drop them, so they are refused by name instead.
     */
    static void refuseUnmodelled(byte[] json, String origin) {
        JsonNode tree;
        try {
            tree = new ObjectMapper().readTree(json);
        } catch (IOException e) {
            return; // the codec has said what is wrong with it already
        }
        List<String> refused = new ArrayList<>();
        for (String f : List.of("realtimeRuntime", "realtimePeriod", "idle")) {
            JsonNode v = tree.path("cpu").path(f);
            if (v.isNumber() && v.asLong() != 0) refused.add("cpu." + f);
        }
        for (String f : List.of("hugepageLimits", "rdma", "unified", "network")) {
            JsonNode v = tree.path(f);
            if (v.isContainerNode() && !v.isEmpty()) refused.add(f);
        }
        if (!refused.isEmpty()) {
            throw QuiltException.invalid(origin + ": Quilt cannot change " + String.join(", ", refused)
                    + " of a live container; leave " + (refused.size() == 1 ? "it" : "them") + " out");
        }
    }

    private static String origin(String file) {
        return file.equals("-") ? "--resources (stdin)" : file;
    }

    private static byte[] read(String file) {
        try {
            return file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
        } catch (NoSuchFileException e) {
            throw QuiltException.notFound("--resources " + file + " does not exist; give a linux.resources JSON file or - for stdin");
        } catch (IOException e) {
            throw QuiltException.invalid("cannot read --resources " + file + ": " + String.valueOf(e.getMessage()).toLowerCase());
        }
    }
}
