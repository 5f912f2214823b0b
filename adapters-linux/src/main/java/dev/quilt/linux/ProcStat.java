package dev.quilt.linux;

import dev.quilt.domain.ProcessRef;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/** /proc/PID/stat: field 22 (start time) names one process for good; field 3 says if it is a zombie. */
public final class ProcStat {
    private ProcStat() {}

    record Stat(char state, long startTime) {}

    public static OptionalLong startTime(int pid) {
        return read(pid).map(s -> OptionalLong.of(s.startTime())).orElse(OptionalLong.empty());
    }

    /** The very process (pid and start time match), alive and not a zombie. */
    public static boolean alive(ProcessRef p) {
        return read(p.pid()).filter(s -> s.startTime() == p.startTime() && s.state() != 'Z' && s.state() != 'X').isPresent();
    }

    static Optional<Stat> read(int pid) {
        try {
            return parseStat(Files.readString(Path.of("/proc", Integer.toString(pid), "stat")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static OptionalLong parse(String stat) {
        return parseStat(stat).map(s -> OptionalLong.of(s.startTime())).orElse(OptionalLong.empty());
    }

    /** The command (field 2) may hold spaces and ')': count fields from the last ')'. */
    static Optional<Stat> parseStat(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) return Optional.empty();
        String[] f = stat.substring(close + 2).trim().split(" ");
        // f[0] is field 3 (state), so field 22 is f[19]
        if (f.length < 20 || f[0].isEmpty()) return Optional.empty();
        try {
            return Optional.of(new Stat(f[0].charAt(0), Long.parseLong(f[19])));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
