package dev.quilt.domain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

/**
 * The subordinate id ranges of {@code /etc/subuid} and {@code /etc/subgid}
 * (subuid(5): {@code NAME:START:COUNT} a line) and the choice of a free range
 * for {@code --userns auto}: the lowest start, in the file's order, of
 * {@code size} ids that no container holds.
 */
public final class SubordinateRanges {
    /** {@code count} ids from {@code start}. */
    public record Range(long start, long count) {
        public Range {
            if (start < 0 || count < 1) throw QuiltException.invalid("id range " + start + ":" + count + " is empty or negative");
        }

        long end() {
            return start + count;
        }
    }

    private SubordinateRanges() {}

    /** The ranges of {@code user} (by name, or by its numeric id {@code uid} when not empty); bad lines are skipped, as shadow-utils does. */
    public static List<Range> of(String text, String user, String uid) {
        List<Range> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split(":", -1);
            if (f.length != 3 || !(f[0].equals(user) || (!uid.isEmpty() && f[0].equals(uid)))) continue;
            try {
                long start = Long.parseLong(f[1]), count = Long.parseLong(f[2]);
                if (start >= 0 && count >= 1 && start + count <= UserNamespace.ID_LIMIT) out.add(new Range(start, count));
            } catch (NumberFormatException e) {
                // not a range: skipped
            }
        }
        return List.copyOf(out);
    }

    /** The lowest start of {@code size} ids inside one of {@code owned} that overlaps none of {@code used}. */
    public static OptionalLong pick(List<Range> owned, List<Range> used, long size) {
        List<Range> taken = new ArrayList<>(used);
        taken.sort(Comparator.comparingLong(Range::start));
        for (Range r : owned) {
            long candidate = r.start();
            for (Range u : taken) {
                if (UserNamespace.overlap(candidate, size, u.start(), u.count())) candidate = u.end();
            }
            if (candidate + size <= r.end()) return OptionalLong.of(candidate);
        }
        return OptionalLong.empty();
    }
}
