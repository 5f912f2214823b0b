package dev.quilt.cli.serve;

import dagger.Lazy;
import dev.quilt.domain.QuiltException;
import dev.quilt.usecases.ThawAbandonedFreezes;

import javax.inject.Inject;
import java.io.PrintStream;

/**
 * At the server's start, once: thaws the containers that a {@code checkpoint --leave-running} froze and was killed
 * before it thawed ({@link ThawAbandonedFreezes}, as {@code quilt gc} does), so a server started after such a crash
 * does not serve them paused. A failure is one line on stderr; the server starts anyway.
 */
public final class FreezeRecovery implements Background {
    private final Lazy<ThawAbandonedFreezes> freezes;
    private final PrintStream err;

    @Inject
    public FreezeRecovery(Lazy<ThawAbandonedFreezes> freezes) {
        this(freezes, System.err);
    }

    public FreezeRecovery(Lazy<ThawAbandonedFreezes> freezes, PrintStream err) {
        this.freezes = freezes;
        this.err = err;
    }

    @Override
    public void start() {
        try {
            freezes.get().thawAll().forEach(id -> err.println("quilt serve: thawed container " + id.shortForm()
                    + ": a checkpoint that froze it was killed"));
        } catch (QuiltException e) {
            err.println("quilt serve: cannot thaw what killed checkpoints froze: " + e.getMessage());
        }
    }

    @Override
    public void stop() {
        // nothing runs on
    }
}
