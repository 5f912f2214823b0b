package dev.quilt.fake;

import dev.quilt.ports.Warnings;

import java.util.ArrayList;
import java.util.List;

/** Keeps every warning, in order. */
public final class FakeWarnings implements Warnings {
    private final List<String> lines = new ArrayList<>();

    @Override
    public synchronized void warn(String line) {
        lines.add(line);
    }

    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }
}
