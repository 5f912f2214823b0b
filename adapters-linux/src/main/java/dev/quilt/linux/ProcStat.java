package dev.quilt.linux;

import dev.quilt.domain.ProcessRef;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * /proc/PID/stat (proc(5)): field 22 (start time) names one process for good;
 * field 3 says if it is a zombie, and field 9 (flags) holds PF_EXITING from
 * the first step of its exit, before a pid namespace's init kills the rest of
 * its namespace and long before it is a zombie.
 */
public final class ProcStat {
    private ProcStat() {}

    /** include/linux/sched.h: "getting shut down". */
    static final long PF_EXITING = 0x4;

    record Stat(char state, long flags, long startTime) {
        boolean exiting() {
            return state == 'Z' || state == 'X' || (flags & PF_EXITING) != 0;
        }
    }

    public static OptionalLong startTime(int pid) {
        // a process gone is the usual answer here (an exec of true is reaped before its start time is asked): told
        // by a stat, without the exception a failed open throws; alive() asks about processes that as a rule run,
        // and pays no stat
        if (!Files.exists(path(pid))) return OptionalLong.empty();
        return read(pid).map(s -> OptionalLong.of(s.startTime())).orElse(OptionalLong.empty());
    }

    /**
     * The very process (pid and start time match), and not on its way out: a
     * process that has begun to exit (PF_EXITING) or is a zombie is not alive.
     * So an exec killed because its container's init was exiting finds that
     * init no longer alive, though it is not yet a zombie.
     */
    public static boolean alive(ProcessRef p) {
        return read(p.pid()).filter(s -> s.startTime() == p.startTime() && !s.exiting()).isPresent();
    }

    static Optional<Stat> read(int pid) {
        try {
            return parseStat(Files.readString(path(pid)));
        } catch (IOException e) { // gone
            return Optional.empty();
        }
    }

    private static Path path(int pid) {
        return Path.of("/proc", Integer.toString(pid), "stat");
    }

    static OptionalLong parse(String stat) {
        return parseStat(stat).map(s -> OptionalLong.of(s.startTime())).orElse(OptionalLong.empty());
    }

    /** The command (field 2) may hold spaces and ')': count fields from the last ')'. */
    static Optional<Stat> parseStat(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0 || close + 2 >= stat.length()) return Optional.empty();
        // fields 3 (state), 9 (flags) and 22 (start time), each found by its place after the ')', one pass and no
        // split: every lookup of a container reads its init's and its monitor's
        String state = null;
        String flags = null;
        String start = null;
        int field = 3;
        int at = close + 2;
        int n = stat.length();
        while (at < n && start == null) {
            int end = stat.indexOf(' ', at);
            if (end < 0) end = n;
            int len = end;
            while (len > at && Character.isWhitespace(stat.charAt(len - 1))) len--; // the trailing newline
            if (field == 3) state = stat.substring(at, len);
            else if (field == 9) flags = stat.substring(at, len);
            else if (field == 22) start = stat.substring(at, len);
            field++;
            at = end + 1;
        }
        if (start == null || state.isEmpty()) return Optional.empty();
        try {
            return Optional.of(new Stat(state.charAt(0), Long.parseUnsignedLong(flags), Long.parseLong(start)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
