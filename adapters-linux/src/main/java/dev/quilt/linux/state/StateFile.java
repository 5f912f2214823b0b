package dev.quilt.linux.state;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.quilt.domain.Container;
import dev.quilt.domain.ContainerId;
import dev.quilt.domain.ContainerName;
import dev.quilt.domain.ContainerSpec;
import dev.quilt.domain.Digest;
import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.Hostname;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.ProcessSpec;
import dev.quilt.domain.Status;
import dev.quilt.domain.User;

import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * state.json: a container's record as it lies on disk. Field names follow the
 * OCI state where there is one (id, status, pid); unknown fields are ignored
 * so an older Quilt can read a newer file.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
record StateFile(int version, String id, String name, String status, Integer pid, Long pidStartTime,
                 Instant created, Instant started, Integer exitCode, Integer exitSignal, Instant exited,
                 Spec spec) {

    static final int VERSION = 1;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Spec(List<String> args, List<String> env, String cwd, int uid, int gid, String image, String hostname,
                List<String> namespaces, boolean stdinOpen) {}

    static StateFile of(Container c) {
        ProcessSpec p = c.spec().process();
        Spec spec = new Spec(p.args(), p.env(), p.cwd(), p.user().uid(), p.user().gid(), c.spec().image().value(),
                c.spec().hostname().value(), c.spec().namespaces().stream().map(Namespace::ociName).sorted().toList(),
                c.spec().stdinOpen());
        return new StateFile(VERSION, c.id().value(), c.name().map(ContainerName::value).orElse(null),
                c.status().word(), c.init().map(ProcessRef::pid).orElse(null),
                c.init().map(ProcessRef::startTime).orElse(null), c.createdAt(), c.startedAt().orElse(null),
                c.exit().map(ExitStatus::code).orElse(null), c.exit().map(ExitStatus::signal).orElse(null),
                c.exitedAt().orElse(null), spec);
    }

    Container toContainer() {
        EnumSet<Namespace> ns = EnumSet.noneOf(Namespace.class);
        for (String n : spec.namespaces()) {
            for (Namespace candidate : Namespace.values()) if (candidate.ociName().equals(n)) ns.add(candidate);
        }
        ContainerSpec cs = new ContainerSpec(new ProcessSpec(spec.args(), spec.env(), spec.cwd(),
                new User(spec.uid(), spec.gid()), false), new Digest(spec.image()), new Hostname(spec.hostname()),
                ns, spec.stdinOpen());
        Optional<ExitStatus> exit = Optional.ofNullable(exitCode)
                .map(code -> exitSignal != null && exitSignal > 0 ? ExitStatus.killedBy(exitSignal) : ExitStatus.exited(code));
        return new Container(ContainerId.of(id), Optional.ofNullable(name).map(ContainerName::of), cs,
                Status.valueOf(status.toUpperCase()),
                pid == null ? Optional.empty() : Optional.of(new ProcessRef(pid, pidStartTime == null ? 0 : pidStartTime)),
                created, Optional.ofNullable(started), exit, Optional.ofNullable(exited));
    }
}
