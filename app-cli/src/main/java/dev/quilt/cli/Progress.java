package dev.quilt.cli;

import dev.quilt.ports.ImageStore;

import java.io.PrintWriter;

/** A one-line progress count on stderr, only when a person is watching a terminal. */
final class Progress implements ImageStore.ImportProgress {
    private final PrintWriter err;
    private final boolean tty = attachedToTerminal();
    private boolean shown;

    Progress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void bytesRead(long total) {
        if (!tty) return;
        err.print("\rimporting: " + Sizes.human(total) + " read");
        err.flush();
        shown = true;
    }

    /** JDK 22+ hands out a Console for pipes too; there, ask it (by reflection: we build for 21). */
    private static boolean attachedToTerminal() {
        java.io.Console c = System.console();
        if (c == null) return false;
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    void done() {
        if (shown) {
            err.println();
            err.flush();
        }
    }
}
