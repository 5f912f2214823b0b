package dev.quilt.fake;

import dev.quilt.domain.oci.OciHooks;
import dev.quilt.ports.HookRunner;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Records every hook it is asked to run (phase, index, path, the state it would get on stdin, cwd);
 * a hook whose path was named by {@link #failing} fails with runc's line for an exit status of 1.
 */
public final class FakeHookRunner implements HookRunner {
    /** One run: what the hook would have seen. */
    public record Ran(String phase, int index, String path, String state, String cwd) {}

    private final List<Ran> ran = new ArrayList<>();
    private final Set<String> failing = new HashSet<>();

    /** From now on, a hook at {@code path} exits 1. */
    public synchronized FakeHookRunner failing(String path) {
        failing.add(path);
        return this;
    }

    public synchronized List<Ran> ran() {
        return List.copyOf(ran);
    }

    @Override
    public synchronized Optional<String> run(String phase, int index, OciHooks.Hook hook, String state, String cwd) {
        ran.add(new Ran(phase, index, hook.path(), state, cwd));
        if (!failing.contains(hook.path())) return Optional.empty();
        return Optional.of("error running " + phase + " hook #" + index + " " + hook.path() + ": exit status 1");
    }
}
