package dev.quilt.domain;

/**
 * How a process ended: its exit code, or the signal that killed it, reported
 * the shell's way (128 + n).
 */
public record ExitStatus(int code, int signal) {
    public ExitStatus {
        if (code < 0 || code > 255) throw new IllegalArgumentException("exit code out of range: " + code);
        if (signal < 0 || signal > 127) throw new IllegalArgumentException("signal out of range: " + signal);
        if (signal > 0 && code != 128 + signal) {
            throw new IllegalArgumentException("a process killed by signal " + signal + " exits " + (128 + signal));
        }
    }

    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0);
    }

    public static ExitStatus killedBy(int signal) {
        return new ExitStatus(128 + signal, signal);
    }

    /** Decodes a raw wait(2) status word. */
    public static ExitStatus fromWaitStatus(int status) {
        int termsig = status & 0x7f;
        if (termsig == 0) return exited((status >> 8) & 0xff);
        if (termsig == 0x7f) throw new IllegalArgumentException("a stopped process has not exited");
        return killedBy(termsig);
    }

    public boolean killed() {
        return signal != 0;
    }
}
