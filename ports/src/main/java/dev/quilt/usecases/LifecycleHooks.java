package dev.quilt.usecases;

import dev.quilt.domain.Bundle;
import dev.quilt.domain.Container;
import dev.quilt.domain.ProcessRef;
import dev.quilt.domain.oci.HookState;
import dev.quilt.domain.oci.OciHooks;
import dev.quilt.ports.HookRunner;
import dev.quilt.ports.Warnings;

import java.util.List;

/**
 * The hooks of an OCI bundle's container that the JVM runs (runtime.md "Lifecycle", steps 8 and 11):
 * {@code poststart} after start, with the state {@code running} and the init's pid, and
 * {@code poststop} after delete, with the state {@code stopped}. Each list runs in order in the
 * bundle's directory; a failure is a warning and the next hook still runs, as the spec says. A
 * container that is not a bundle's has none. The hooks before start are the monitor's and the init's.
 */
public final class LifecycleHooks {
    private final HookRunner runner;
    private final Warnings warnings;

    public LifecycleHooks(HookRunner runner, Warnings warnings) {
        this.runner = runner;
        this.warnings = warnings;
    }

    /** After {@code start}: the container is running. */
    public void poststart(Container c) {
        c.spec().bundle().ifPresent(b -> run("poststart", b.hooks().poststart(), c, "running", b));
    }

    /** After {@code delete}: the container and everything Quilt made for it are gone. */
    public void poststop(Container c) {
        c.spec().bundle().ifPresent(b -> run("poststop", b.hooks().poststop(), c, "stopped", b));
    }

    private void run(String phase, List<OciHooks.Hook> hooks, Container c, String status, Bundle b) {
        if (hooks.isEmpty()) return;
        // a stopped container's process is gone: its state has no pid (runtime.md "State")
        int pid = status.equals("running") ? c.init().map(ProcessRef::pid).orElse(0) : 0;
        String state = HookState.json(b.stateId().orElse(c.id().value()), status, pid, b);
        for (int i = 0; i < hooks.size(); i++) {
            runner.run(phase, i, hooks.get(i), state, b.path()).ifPresent(warnings::warn);
        }
    }
}
