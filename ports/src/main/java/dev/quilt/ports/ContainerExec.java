package dev.quilt.ports;

import dev.quilt.domain.ExitStatus;
import dev.quilt.domain.Namespace;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.ProcessSpec;

import java.util.Set;

/**
 * Runs one more command in a running container, with the caller's stdio: in
 * every namespace of its init and in its cgroup. Nothing of the host reaches
 * the command: not the helper's binary, not an fd beyond stdio.
 */
public interface ContainerExec {
    /** Where the command goes: the init it joins and the cgroup it is counted in. */
    record Target(ProcessRef init, Set<Namespace> namespaces, Cgroups.Placement cgroup) {
        public Target {
            namespaces = Set.copyOf(namespaces);
        }
    }

    /**
     * Blocks until the command exits (an event) and returns how; without
     * {@code stdinOpen} the command's stdin is /dev/null. A failure
     * before the command runs (no such binary, bad cwd, the init gone) throws
     * {@link SpawnFailedException} naming the step.
     */
    ExitStatus run(Target target, ProcessSpec process, boolean stdinOpen);
}
