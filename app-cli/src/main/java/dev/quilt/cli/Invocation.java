package dev.quilt.cli;

import dev.quilt.linux.monitor.MonitorSpawner;
import dev.quilt.ports.Stdio;
import sun.misc.Signal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntConsumer;

/**
 * Who runs one command and with what: its stdout and stderr, its environment, its working directory, its
 * stdio fds, the fds runc's caller passed on ({@code --preserve-fds}) and the
 * signals it is sent. {@link #process()} is this JVM's own (the CLI); the fast CLI's server makes one per call from
 * what {@code quilt-client} handed over ({@link dev.quilt.cli.fast.FastCall}), so that nothing process-wide
 * (System.out, System.getenv, user.dir, sun.misc.Signal handlers, fds 0..2) is shared between concurrent calls.
 *
 * @param stdout   the command's stdout, bytes as they come (logs)
 * @param stderr   its stderr, likewise
 * @param out      its stdout as text, picocli's {@code getOut()}
 * @param err      its stderr as text, picocli's {@code getErr()}
 * @param env      its environment ({@code -e KEY} takes the value from here)
 * @param cwd      its working directory, absolute: relative paths in arguments resolve against it
 * @param stdio    its fds 0, 1 and 2, for a foreground container or an exec (isatty(3) on them answers for the
 *                 caller's terminal: a passed fd is the same open file)
 * @param size     the caller's terminal size when it has one ({@link Size#NONE} when not, or not known)
 * @param passed   the caller's fds for runc's {@code --preserve-fds N}: index i becomes the process's fd 3+i
 * @param signals  where the signals the command is sent come from
 */
public record Invocation(OutputStream stdout, OutputStream stderr, PrintWriter out, PrintWriter err,
                         Map<String, String> env, Path cwd, Stdio stdio, Size size, int[] passed, Signals signals) {
    /** runc's caller names the fds it passed in this variable (see quilt-runc, the launcher). */
    public static final String PASSED_FDS_ENV = "QUILT_RUNC_PASSED_FDS";

    public Invocation {
        env = Map.copyOf(env);
        cwd = cwd.toAbsolutePath().normalize();
        passed = passed.clone();
    }

    /** A terminal's size in rows and columns (TIOCGWINSZ); 0 and 0 when unknown. */
    public record Size(int rows, int cols) {
        public static final Size NONE = new Size(0, 0);
    }

    /** The signals a command may be sent while it runs. */
    public interface Signals {
        /**
         * Calls {@code to} with the number of each of the signals {@code names} (e.g. "TERM") the command is sent
         * from now on, until the call ends. Names this source cannot deliver are skipped.
         */
        void forward(List<String> names, IntConsumer to);

        /** Lets the named signals go unheeded (e.g. a terminal's ^C, which reaches quilt-exec by itself). */
        void ignore(String name);

        /**
         * Calls {@code to} with the caller's terminal's new size each time it changes (SIGWINCH), until the call ends;
         * a source that cannot tell (the CLI: the terminal signals quilt-exec itself) never calls it.
         */
        default void resized(java.util.function.BiConsumer<Integer, Integer> to) { }

        /** This JVM's own: sun.misc.Signal handlers, for the whole process (the CLI runs one command). */
        Signals PROCESS = new Signals() {
            @Override
            public void forward(List<String> names, IntConsumer to) {
                for (String name : names) {
                    try {
                        Signal.handle(new Signal(name), sig -> to.accept(sig.getNumber()));
                    } catch (IllegalArgumentException e) {
                        // the JVM keeps some signals for itself: leave those to it
                    }
                }
            }

            @Override
            public void ignore(String name) {
                Signal.handle(new Signal(name), sig -> { });
            }
        };
    }

    /** This JVM's own: System.out and System.err, its environment, user.dir, fds 0..2, its signals. */
    public static Invocation process() {
        return new Invocation(new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err),
                new PrintWriter(System.out, true), new PrintWriter(System.err, true), System.getenv(),
                Path.of("").toAbsolutePath(), Stdio.INHERITED, Size.NONE, new int[0],
                Signals.PROCESS);
    }

    /** As {@link #process()} with the given stdout and stderr (tests). */
    public static Invocation process(PrintWriter out, PrintWriter err) {
        Invocation p = process();
        return new Invocation(p.stdout, p.stderr, out, err, p.env, p.cwd, p.stdio, p.size, p.passed, p.signals);
    }

    /** The value of {@code key} in the command's environment. */
    public Optional<String> getenv(String key) {
        return Optional.ofNullable(env.get(key));
    }

    /** {@code path} as the caller meant it: absolute, relative ones against the caller's working directory. */
    public Path resolve(String path) {
        return cwd.resolve(path).normalize();
    }

    /** {@link #resolve(String)} for a path picocli already made (relative to nothing yet). */
    public Path resolve(Path path) {
        return cwd.resolve(path).normalize();
    }

    /** The caller's fds for a container whose stdio (and preserved fds) are the caller's. */
    public MonitorSpawner.CallerFds callerFds() {
        if (stdio.equals(Stdio.INHERITED) && passed.length == 0) return MonitorSpawner.CallerFds.INHERITED;
        int[] io = stdio.fds();
        int[] p = passed.clone();
        return new MonitorSpawner.CallerFds() {
            @Override
            public int[] stdio() {
                return io.clone();
            }

            @Override
            public int preserved(int index) {
                // the CLI's own fds 3.. are the caller's: the launcher checked they were open and passed
                return index < p.length ? p[index] : 3 + index;
            }
        };
    }

    /** The fd numbers {@code value} (QUILT_RUNC_PASSED_FDS: "3 4 7 ") names; words that are not numbers are skipped. */
    public static List<Integer> parsePassed(String value) {
        List<Integer> fds = new ArrayList<>();
        for (String w : value.trim().split("\\s+")) {
            if (w.matches("[0-9]{1,9}")) fds.add(Integer.parseInt(w));
        }
        return fds;
    }
}
