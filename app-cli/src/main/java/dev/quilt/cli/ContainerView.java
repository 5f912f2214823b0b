package dev.quilt.cli;

import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.Cpus;
import dev.quilt.domain.Endpoint;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.RecordedExit;
import dev.quilt.domain.Resources;
import dev.quilt.linux.LinuxPaths;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A container as inspect and ps --json show it. */
record ContainerView(String id, String name, String status, Integer pid, Integer monitorPid, String created,
                     String started, String exited, Integer exitCode, Integer exitSignal, Boolean oomKilled,
                     String error, String image, List<String> command, boolean init, String hostname, boolean autoRemove,
                     NetworkView network, ResourcesView resources, Paths paths) {

    /** The limits as given: bytes, CPUs, shares, tasks; null is no limit. */
    record ResourcesView(Long memory, Long memorySwap, Double cpus, Integer cpuShares, Long pidsLimit) {
        static ResourcesView of(Resources r) {
            return new ResourcesView(r.memory().orElse(null), r.memorySwap().orElse(null),
                    r.cpus().map(Cpus::count).orElse(null), r.cpuShares().orElse(null), r.pids().orElse(null));
        }
    }

    record Paths(String state, String log, String layer) {}

    /** mode always; the rest on a bridge network. */
    record NetworkView(String mode, String bridge, String ipAddress, Integer prefixLength, String gateway,
                       String macAddress, String hostLink, Double setupMillis) {
        static NetworkView of(Container c) {
            Optional<Endpoint> e = c.endpoint();
            return new NetworkView(c.spec().network().word(), e.map(Endpoint::bridge).orElse(null),
                    e.map(x -> x.address().toString()).orElse(null), e.map(Endpoint::prefix).orElse(null),
                    e.map(x -> x.gateway().toString()).orElse(null), e.map(Endpoint::mac).orElse(null),
                    e.map(Endpoint::hostLink).orElse(null),
                    c.networkSetup().map(d -> d.toNanos() / 1e6).orElse(null));
        }
    }

    static ContainerView of(Container c, Optional<RecordedExit> recorded, LinuxPaths paths) {
        return new ContainerView(c.id().value(), c.name().map(ContainerName::value).orElse(null), c.status().word(),
                c.init().map(ProcessRef::pid).orElse(null), c.monitor().map(ProcessRef::pid).orElse(null),
                c.createdAt().toString(), c.startedAt().map(Instant::toString).orElse(null),
                c.exitedAt().map(Instant::toString).orElse(null), c.exit().map(ExitStatus::code).orElse(null),
                c.exit().map(ExitStatus::signal).filter(s -> s > 0).orElse(null),
                recorded.map(RecordedExit::oomKilled).orElse(null), recorded.flatMap(RecordedExit::error).orElse(null),
                c.spec().image().value(), c.spec().process().args(),
                c.spec().init(), c.spec().hostname().value(), c.autoRemove(), NetworkView.of(c),
                ResourcesView.of(c.spec().resources()),
                new Paths(paths.containerState(c.id()).toString(), paths.log(c.id()).toString(),
                        paths.containerLayer(c.id()).toString()));
    }
}
