package dev.quilt.linux.jni;

import java.nio.charset.StandardCharsets;

/** Peer of native/src/jni/start_gate.c: the exec fifo between create and start. */
public final class StartGate {
    private StartGate() {}

    static native int makeFifo(String path);

    static native int openGate(String path, int initPidfd, byte[] buf);

    public static void create(String path) {
        NativeException.check(makeFifo(path), "mkfifo", path);
    }

    /** What opening the gate told us. */
    public sealed interface Outcome permits Started, ExecFailed, NotWaiting {}

    public record Started() implements Outcome {}

    public record ExecFailed(String reason) implements Outcome {}

    public record NotWaiting() implements Outcome {}

    /** Opens the gate and reads to its end: the init's exec either happened or says why not. */
    public static Outcome open(String path, int initPidfd) {
        byte[] buf = new byte[1024];
        int n = NativeException.check(openGate(path, initPidfd, buf), "open", path);
        if (n == 0) return new NotWaiting();
        if (n == 1) return new Started();
        return new ExecFailed(new String(buf, 1, n - 1, StandardCharsets.UTF_8));
    }

}
