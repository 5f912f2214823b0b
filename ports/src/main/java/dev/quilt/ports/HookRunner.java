package dev.quilt.ports;

import dev.quilt.domain.oci.OciHooks;

import java.util.Optional;

/**
 * Runs an OCI hook where the JVM is the runtime (config.md "POSIX-platform Hooks": {@code poststart}
 * after the process started, {@code poststop} after delete; the create-time hooks and
 * {@code startContainer} are run by the monitor and the init).
 */
public interface HookRunner {
    /**
     * Runs {@code hook} ({@code args} as its argv, args[0] included; exactly its {@code env}) with
     * {@code state} (runtime.md "State" JSON) on its stdin and {@code cwd} as its working directory
     * (the bundle, as runc), waits for its end, and kills it (SIGKILL) at its {@code timeout} seconds.
     * A hook that exits without reading its stdin is not a failure.
     *
     * @param phase the hook's list in {@code config.json} ({@code poststart}, {@code poststop}), for the line
     * @param index its place in that list, from 0
     * @return empty when it exited 0; else one line naming it and how it failed, after runc's
     *         {@code error running poststop hook #0 /path: exit status 3: OUTPUT} (or {@code killed by
     *         signal KILL}, {@code ran past its timeout of 2s}, {@code exec: no such file or directory})
     */
    Optional<String> run(String phase, int index, OciHooks.Hook hook, String state, String cwd);
}
