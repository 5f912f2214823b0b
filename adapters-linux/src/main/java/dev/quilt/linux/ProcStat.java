package dev.quilt.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Reads field 22 of /proc/PID/stat: with the pid, it names one process for good. */
public final class ProcStat {
    private ProcStat() {}

    public static OptionalLong startTime(int pid) {
        try {
            return parse(Files.readString(Path.of("/proc", Integer.toString(pid), "stat")));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** The command (field 2) may hold spaces and ')': count fields from the last ')'. */
    static OptionalLong parse(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) return OptionalLong.empty();
        String[] f = stat.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state), so field 22 is f[19]
        if (f.length < 20) return OptionalLong.empty();
        try {
            return OptionalLong.of(Long.parseLong(f[19]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
