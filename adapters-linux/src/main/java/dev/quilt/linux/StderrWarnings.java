package dev.quilt.linux;

import dev.quilt.ports.Warnings;

/** Each warning as one line on stderr, {@code warning: LINE}. */
public final class StderrWarnings implements Warnings {
    @Override
    public void warn(String line) {
        System.err.println("warning: " + line);
    }
}
