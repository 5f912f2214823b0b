package dev.quilt.linux.cgroup;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The "key value" lines of cpu.stat, memory.events and the like; and the one-number files. */
final class StatFile {
    private StatFile() {}

    static Map<String, Long> parse(String text) {
        Map<String, Long> out = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] kv = line.strip().split("\\s+");
            if (kv.length == 2) {
                try {
                    out.put(kv[0], Long.parseLong(kv[1]));
                } catch (NumberFormatException e) {
                    // a field we do not read
                }
            }
        }
        return out;
    }

    /** A limit file: a number, or "max" (v2) / a page-rounded LONG_MAX (v1) for none. */
    static Optional<Long> limit(String text) {
        String t = text.strip();
        if (t.equals("max")) return Optional.empty();
        long v = Long.parseLong(t);
        return v >= (1L << 62) ? Optional.empty() : Optional.of(v);
    }

    static long number(String text) {
        return Long.parseLong(text.strip());
    }
}
