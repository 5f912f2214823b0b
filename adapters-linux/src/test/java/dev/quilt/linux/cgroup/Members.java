package dev.quilt.linux.cgroup;

import dev.quilt.ports.CgroupsContract;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Real processes (cat, blocked on a pipe) put into cgroups by tests; killed at the end whatever happened. */
final class Members {
    private final List<Process> started = new ArrayList<>();

    CgroupsContract.Member start(Consumer<String> place) {
        Process p;
        try {
            p = new ProcessBuilder("cat").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        started.add(p);
        place.accept(Long.toString(p.pid()));
        return (Duration deadline) -> {
            try {
                return p.onExit().get(deadline.toMillis(), TimeUnit.MILLISECONDS) != null;
            } catch (Exception e) {
                return false;
            }
        };
    }

    void killAll() {
        started.forEach(Process::destroyForcibly);
    }
}
