package dev.quilt.cli;

import dev.quilt.domain.Container;
import dev.quilt.domain.PhaseMark;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** {@code --verbose}: each readiness phase with its own time, then the whole, on stderr. */
final class PhaseReport {
    private PhaseReport() {}

    static void print(PrintWriter err, Container c, Instant from) {
        for (PhaseMark m : c.readiness().marks()) {
            err.printf(Locale.ROOT, "%-8s %8.2f ms  %s%n", m.phase().word(), m.took().toNanos() / 1e6,
                    m.skipped() ? "skipped" : m.at().toString());
        }
        c.readiness().marks().stream().reduce((a, b) -> b).ifPresent(last -> err.printf(Locale.ROOT,
                "%-8s %8.2f ms%n", c.readiness().next().isEmpty() ? "ready" : "so far",
                Duration.between(from, last.at()).toNanos() / 1e6));
        err.flush();
    }
}
