package dev.quilt.cli;

import dev.quilt.cli.runc.RuncMain;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Runs {@code quilt-runc} verbs in the test's JVM through its own main ({@link RuncMain}), so a
 * test can read {@code events}' stream as it comes; and a state root of {@code quilt}'s for tests
 * outside this package.
 */
public final class RuncHarness {
    private RuncHarness() {}

    /** What a run printed and its exit code. */
    public record Result(int code, String out, String err) {}

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** As {@link #run(String...)}, printing to {@code out} and {@code err} as it goes (for {@code events}). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return RuncMain.run(args, out, err);
    }

    /** A state root of {@code quilt}'s for tests outside this package: the real binary, a private network. */
    public static final class QuiltRoot {
        private final Quilt quilt;

        public QuiltRoot(java.nio.file.Path root) throws java.io.IOException {
            this.quilt = new Quilt(root);
        }

        /** Runs {@code quilt --root ROOT args...}. */
        public Result quilt(String... args) throws java.io.IOException, InterruptedException {
            Quilt.Result r = quilt.run(args);
            return new Result(r.exit(), r.out(), r.err());
        }

        /** {@link Quilt#close}: kills what carries {@code mark}, removes it all, fails on leftovers. */
        public void close(String mark) throws Exception {
            quilt.close(mark);
        }
    }
}
