package dev.quilt.linux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Work directories named for the process making them:
 * {@code .tmp-<pid>-<starttime>-<rest>}. Half-made things live there until they
 * are renamed into place; if their maker dies, {@link #sweep} knows it (pid and
 * start time no longer match a live process) and removes them. No age guess.
 */
public final class Abandoned {
    private static final String PREFIX = ".tmp-";

    private Abandoned() {}

    /** A name for a work directory of this process. */
    public static String name(String rest) {
        int pid = (int) ProcessHandle.current().pid();
        return PREFIX + pid + "-" + ProcStat.startTime(pid).orElse(0) + "-" + rest;
    }

    /** Removes the work directories under {@code dir} whose maker is dead; returns them. */
    public static List<Path> sweep(Path dir) throws IOException {
        return sweep(dir, p -> false);
    }

    /** As {@link #sweep(Path)}, leaving those {@code keep} says are someone else's to remove. */
    public static List<Path> sweep(Path dir, java.util.function.Predicate<Path> keep) throws IOException {
        List<Path> removed = new ArrayList<>();
        for (Path p : dead(dir)) {
            if (keep.test(p)) continue;
            AtomicFiles.deleteTree(p);
            removed.add(p);
        }
        return removed;
    }

    /** The work directories under {@code dir} whose maker is dead. */
    public static List<Path> dead(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, PREFIX + "*")) {
            for (Path p : entries) {
                String[] f = p.getFileName().toString().substring(PREFIX.length()).split("-", 3);
                if (f.length < 3 || !f[0].matches("\\d+") || !f[1].matches("\\d+")) continue;
                if (ProcStat.alive(new dev.quilt.domain.ProcessRef(Integer.parseInt(f[0]), Long.parseLong(f[1])))) continue;
                out.add(p);
            }
        }
        return out;
    }
}
