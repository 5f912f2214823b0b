package dev.quilt.linux.jni;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Peer of native/src/jni/hooks.c: one OCI hook run by common/hook.c (no fork of the JVM). */
public final class Hooks {
    private Hooks() {}

    static native int run(String phase, int index, String path, String[] argv, String[] envp, long timeoutMs,
                          byte[] state, String cwd, byte[] line);

    /**
     * Runs the hook to its end (or its deadline, {@code timeoutMs} > 0). Empty when it exited 0, else
     * its failure line; a hook that could not be started at all (no pipe, no clone) is a {@link NativeException}.
     */
    public static Optional<String> run(String phase, int index, String path, String[] argv, String[] envp,
                                       long timeoutMs, String state, String cwd) {
        byte[] line = new byte[1024];
        int n = NativeException.check(run(phase, index, path, argv, envp, timeoutMs,
                state.getBytes(StandardCharsets.UTF_8), cwd, line), "run " + phase + " hook", path);
        return n == 0 ? Optional.empty() : Optional.of(new String(line, 0, n, StandardCharsets.UTF_8));
    }
}
